"""Indicator systems as the county's organization department keeps them: a new version drafted as a copy, changed,
put in use in place of the old one (whose assessments keep it); in English and Chinese; used by the townships."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from grassroots.assessment import defaults, services
from grassroots.assessment.models import AssessmentRun, Indicator, IndicatorSystem, SystemState
from grassroots.assessment.services.systems import _SYSTEM_COPIED
from grassroots.core.errors import Conflict, PermissionDenied
from grassroots.core.models import AuditEntry
from grassroots.duties.services import period_for
from grassroots.organizations.models import Organization
from tests.assessment.year import END
from tests.factories import UserFactory, grant

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
HTMX = {"HTTP_HX_REQUEST": "true", **EN}
INCONSISTENT = ["9", "1/9", "9", "9", "9", "1/9", "9", "1/9", "9", "9", "1/9", "9", "9", "1/9", "9"]
PAIRS6 = [(i, j) for i in range(6) for j in range(i + 1, 6)]
INDICATOR_FIELDS = [
    "position",
    "code",
    "name",
    "name_en",
    "dimension",
    "kind",
    "metric",
    "target",
    "weight",
    "weight_method",
    "ahp_upper",
    "ahp_cr",
    "points",
    "cap",
    "is_veto",
]


def _tree(system) -> dict:
    """Every indicator by code: its fields and its parent's code."""
    out = {}
    for ind in system.indicators.select_related("parent"):
        out[ind.code] = {
            **{f: getattr(ind, f) for f in INDICATOR_FIELDS},
            "parent": ind.parent.code if ind.parent else None,
        }
    return out


def _draft(county, **names):
    return services.system_new_version(actor=county.users.officer, system=county.run.system, **names)


# ---------------------------------------------------------------- the services


def test_a_new_version_copies_the_whole_system_into_a_draft(assessed):  # noqa: F811
    county = assessed
    v1 = county.run.system
    # Something in every part of the system that is not a default: a group weighed by AHP, bands, key work.
    IndicatorSystem.objects.filter(pk=v1.pk).update(state=SystemState.DRAFT)  # weights change in a draft only
    v1.refresh_from_db()
    services.set_ahp_weights(
        actor=county.users.officer, indicator_group=v1.indicators.get(code="O"), upper=["2", "3", "2"], system=v1
    )
    IndicatorSystem.objects.filter(pk=v1.pk).update(
        state=SystemState.ACTIVE,
        grade_bands=[{"grade": "excellent", "min": 95}, {"grade": "poor", "min": 0}],
        key_work_weight=4,
        major_task_weight=5,
    )
    v1.refresh_from_db()

    v2 = _draft(county)

    assert (v2.code, v2.version, v2.state, v2.previous_id) == (v1.code, 2, SystemState.DRAFT, v1.pk)
    for field in _SYSTEM_COPIED:
        assert getattr(v2, field) == getattr(v1, field), field
    assert v2.name_en == defaults.BRANCH_NAME_EN
    assert _tree(v2) == _tree(v1)
    assert v2.indicators.get(code="O").weight_method == "ahp"
    assert not set(v2.indicators.values_list("pk", flat=True)) & set(v1.indicators.values_list("pk", flat=True))
    assert IndicatorSystem.objects.get(pk=v1.pk).state == SystemState.ACTIVE
    entry = AuditEntry.objects.get(action="assessment.system.new_version")
    assert entry.object_id == str(v2.pk) and entry.after["copied_from"] == 1


def test_a_new_version_may_be_named_anew(assessed):  # noqa: F811
    v2 = _draft(assessed, name="党支部建设考核指标体系（2027）", name_en="Branch assessment 2027")
    assert (v2.name, v2.name_en) == ("党支部建设考核指标体系（2027）", "Branch assessment 2027")
    secretary = IndicatorSystem.objects.get(code="secretary")
    with pytest.raises(ValidationError) as refused:
        services.system_new_version(actor=assessed.users.officer, system=secretary, name="  ")
    assert "Give the indicator system a name." in refused.value.messages


def test_only_one_draft_of_a_code_at_a_time_and_the_refusal_names_it(assessed):  # noqa: F811
    v2 = _draft(assessed)
    with pytest.raises(Conflict) as refused:
        _draft(assessed)
    assert f"{defaults.BRANCH_NAME_EN} v2" in str(refused.value.message)
    assert "already a draft" in str(refused.value.message)
    # Not from the draft either; the other code is free.
    with pytest.raises(Conflict):
        services.system_new_version(actor=assessed.users.officer, system=v2)
    secretary = IndicatorSystem.objects.get(code="secretary")
    assert services.system_new_version(actor=assessed.users.officer, system=secretary).version == 2


def test_only_those_who_manage_the_owner_draft_or_put_in_use(assessed):  # noqa: F811
    county = assessed
    for user in (county.users.t1_officer, county.users.auditor, county.users.secretary):
        with pytest.raises(PermissionDenied):
            services.system_new_version(actor=user, system=county.run.system)
    v2 = _draft(county)
    with pytest.raises(PermissionDenied):
        services.system_activate(actor=county.users.t1_officer, system=v2)
    assert IndicatorSystem.objects.get(pk=v2.pk).state == SystemState.DRAFT


def test_putting_a_draft_in_use_retires_the_old_version_and_its_runs_keep_it(assessed, client_for):  # noqa: F811
    county = assessed
    officer = county.users.officer
    v1 = county.run.system
    services.run_compute(actor=officer, run=county.run, asof=END)
    v2 = _draft(county)
    group = v2.indicators.get(code="D")
    kids = {k.pk: w for k, w in zip(group.children.order_by("position"), ["0.9", "0.1"], strict=True)}
    services.set_direct_weights(actor=officer, system=v2, parent=group, weights=kids)

    services.system_activate(actor=officer, system=v2)

    states = dict(IndicatorSystem.objects.filter(code="branch").values_list("version", "state"))
    assert states == {1: SystemState.RETIRED, 2: SystemState.ACTIVE}
    assert AuditEntry.objects.get(action="assessment.system.retire").object_id == str(v1.pk)
    assert AuditEntry.objects.get(action="assessment.system.activate", object_id=str(v2.pk)).after["retired"] == [1]
    # The run made with version 1 keeps it and its weights; its pages still open.
    run = AssessmentRun.objects.get(pk=county.run.pk)
    assert run.system_id == v1.pk
    assert float(v1.indicators.get(code="D1").weight) == 0.6
    client = client_for(officer)
    for url in (
        reverse("assessment:run", args=[run.pk]),
        reverse("assessment:explain", args=[run.pk, county.v11.pk]),
        reverse("assessment:system", args=[v1.pk]),
    ):
        assert client.get(url, **EN).status_code == 200, url
    # New assessments are opened with version 2; version 1 is no longer offered.
    form = client.get(reverse("assessment:run_new"), **EN).content.decode()
    assert f">{defaults.BRANCH_NAME_EN} v2<" in form and f">{defaults.BRANCH_NAME_EN} v1<" not in form


def test_only_a_draft_is_put_in_use(assessed):  # noqa: F811
    county = assessed
    v1 = county.run.system
    with pytest.raises(Conflict) as refused:
        services.system_activate(actor=county.users.officer, system=v1)
    assert "Only a draft is put in use" in str(refused.value.message)
    v2 = _draft(county)
    services.system_activate(actor=county.users.officer, system=v2)
    with pytest.raises(Conflict):
        services.system_activate(actor=county.users.officer, system=IndicatorSystem.objects.get(pk=v1.pk))
    assert IndicatorSystem.objects.get(pk=v1.pk).state == SystemState.RETIRED


def test_an_incomplete_draft_is_not_put_in_use(assessed):  # noqa: F811
    county = assessed
    v2 = _draft(county)
    Indicator.objects.filter(system=v2, code="D1").update(weight=0.2)
    with pytest.raises(ValidationError) as refused:
        services.system_activate(actor=county.users.officer, system=v2)
    assert "Discipline construction" in " ".join(refused.value.messages)
    assert IndicatorSystem.objects.get(pk=county.run.system_id).state == SystemState.ACTIVE


def test_an_inconsistent_matrix_is_refused_naming_the_indicators_in_the_readers_language(assessed):  # noqa: F811
    county = assessed
    v2 = _draft(county)
    with pytest.raises(ValidationError) as refused:
        services.set_ahp_weights(actor=county.users.officer, indicator_group=None, upper=INCONSISTENT, system=v2)
    message = " ".join(refused.value.messages)
    assert "construction" in message and not re.search(r"[\u4e00-\u9fff]", message)
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        services.set_ahp_weights(actor=county.users.officer, indicator_group=None, upper=INCONSISTENT, system=v2)
    assert "建设" in " ".join(refused.value.messages)


def test_direct_weights_at_the_top_level_forget_the_old_comparisons(assessed):  # noqa: F811
    county = assessed
    v2 = _draft(county)
    top = [k for k in v2.indicators.filter(parent=None) if not k.is_adjustment]
    services.set_direct_weights(
        actor=county.users.officer,
        system=v2,
        parent=None,
        weights={k.pk: round(1 / 6, 4) for k in top[:-1]} | {top[-1].pk: 1 - 5 * round(1 / 6, 4)},
    )
    v2.refresh_from_db()
    assert v2.ahp_upper is None and v2.ahp_cr is None


# ---------------------------------------------------------------- the pages


def test_the_system_page_makes_a_new_version_and_puts_it_in_use(assessed, client_for):  # noqa: F811
    county = assessed
    v1 = county.run.system
    client = client_for(county.users.officer)
    page = client.get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
    assert "Make a new version" in page and reverse("assessment:system_new_version", args=[v1.pk]) in page
    assert reverse("assessment:system_activate", args=[v1.pk]) not in page
    # The page's main action is in view, not folded into a <details>.
    before_form = page[: page.index(reverse("assessment:system_new_version", args=[v1.pk]))]
    assert before_form.count("<details") == before_form.count("</details>")

    made = client.post(
        reverse("assessment:system_new_version", args=[v1.pk]),
        {"name": v1.name, "name_en": "Branch assessment, second edition"},
        follow=True,
        **EN,
    )
    v2 = IndicatorSystem.objects.get(code="branch", version=2)
    assert made.redirect_chain[-1][0] == reverse("assessment:system", args=[v2.pk])
    page = made.content.decode()
    assert "Version 2 is a draft copy of version 1" in page
    assert "Branch assessment, second edition" in page and "Put in use" in page
    # The old version's page points to the draft instead of offering another.
    old = client.get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
    assert "Open the draft" in old and "Make the new version" not in old
    again = client.post(reverse("assessment:system_new_version", args=[v1.pk]), {"name": "x"}, **EN)
    assert again.status_code == 400 and "already a draft" in again.content.decode()

    # Refused, the system's page is shown again at its own address with the reason (reloading sends nothing).
    unconfirmed = client.post(reverse("assessment:system_activate", args=[v2.pk]), {}, follow=True, **EN)
    assert unconfirmed.redirect_chain == [(reverse("assessment:system", args=[v2.pk]), 302)]
    assert "Tick the box" in unconfirmed.content.decode()
    assert IndicatorSystem.objects.get(pk=v2.pk).state == SystemState.DRAFT
    done = client.post(reverse("assessment:system_activate", args=[v2.pk]), {"confirm": "1"}, follow=True, **EN)
    assert "Version 2 is in use" in done.content.decode()
    assert IndicatorSystem.objects.get(pk=v1.pk).state == SystemState.RETIRED
    # A stale tab activating again is told why, not shown an error page.
    stale = client.post(reverse("assessment:system_activate", args=[v2.pk]), {"confirm": "1"}, follow=True, **EN)
    assert stale.redirect_chain[-1][0] == reverse("assessment:system", args=[v2.pk])
    assert "Only a draft is put in use" in stale.content.decode()
    # Opening the URLs of the buttons leads back to the page.
    assert client.get(reverse("assessment:system_activate", args=[v2.pk])).status_code == 302
    # A new version made from the retired one starts from its weights, and its page says so beforehand.
    retired = client.get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
    assert "Version 1 is retired: the copy starts from its weights, not from those of version 2 in use" in retired
    current = client.get(reverse("assessment:system", args=[v2.pk]), **EN).content.decode()
    assert "is retired: the copy starts" not in current and "Make the new version" in current


def test_the_system_page_in_chinese(assessed, client_for):  # noqa: F811
    v1 = assessed.run.system
    page = client_for(assessed.users.officer).get(reverse("assessment:system", args=[v1.pk]), **ZH).content.decode()
    assert re.search(rf"<h1>{defaults.BRANCH_NAME} <span", page)
    assert f"<title>{defaults.BRANCH_NAME} v1" in page
    english = client_for(assessed.users.officer).get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
    assert re.search(rf"<h1>{defaults.BRANCH_NAME_EN} <span", english)


def test_those_who_do_not_manage_the_system_get_no_buttons_and_are_refused(assessed, client_for):  # noqa: F811
    county = assessed
    v1 = county.run.system
    v2 = _draft(county)
    auditor = grant(UserFactory(username="county-auditor"), county.county, "auditor")
    for user in (auditor, county.users.t1_officer):
        client = client_for(user)
        page = client.get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
        assert "Make a new version" not in page and "Put in use" not in page
        assert client.post(reverse("assessment:system_new_version", args=[v1.pk]), {"name": "x"}).status_code == 403
    assert (
        client_for(auditor).post(reverse("assessment:system_activate", args=[v2.pk]), {"confirm": "1"}).status_code
        == 403
    )
    outsider = client_for(county.users.outsider)
    assert outsider.post(reverse("assessment:system_new_version", args=[v1.pk]), {"name": "x"}).status_code == 404
    assert IndicatorSystem.objects.filter(code="branch").count() == 2
    assert IndicatorSystem.objects.get(pk=v2.pk).state == SystemState.DRAFT


def test_the_weights_of_a_system_in_use_are_shown_read_only(assessed, client_for):  # noqa: F811
    county = assessed
    v1 = county.run.system
    client = client_for(county.users.officer)
    system_page = client.get(reverse("assessment:system", args=[v1.pk]), **EN).content.decode()
    group = v1.indicators.get(code="O")
    assert reverse("assessment:weights_top", args=[v1.pk]) in system_page
    assert reverse("assessment:weights", args=[v1.pk, group.pk]) in system_page

    page = client.get(reverse("assessment:weights_top", args=[v1.pk]), **EN).content.decode()
    assert "Save these weights" not in page and "Or enter the weights directly" not in page
    assert "<select" not in page and "make a new version" in page
    # The comparisons saved, each with its meaning, and the weights.
    assert "first: slightly more important (Political construction)" in page
    political = v1.indicators.get(code="P")
    assert f"{political.weight:.4f}" in page
    grouped = client.get(reverse("assessment:weights", args=[v1.pk, group.pk]), **EN).content.decode()
    assert "entered directly" in grouped and "Save weights" not in grouped

    draft = _draft(county)
    editable = client.get(reverse("assessment:weights_top", args=[draft.pk]), **EN).content.decode()
    assert "Save these weights" in editable and "Or enter the weights directly" in editable


def test_a_refused_matrix_is_said_once(assessed, client_for):  # noqa: F811
    county = assessed
    draft = _draft(county)
    client = client_for(county.users.officer)
    data = {f"p_{i}_{j}": v for (i, j), v in zip(PAIRS6, INCONSISTENT, strict=True)}
    page = client.post(reverse("assessment:weights_top", args=[draft.pk]), {**data, "action": "save_ahp"}, **EN)
    text = page.content.decode()
    assert page.status_code == 200 and "Not saved." in text
    assert text.count("CR must be below 0.1") == 1
    assert "The comparisons are inconsistent" not in text


# ---------------------------------------------------------------- a township opens its own assessment


def test_a_township_officer_assesses_its_branches_with_the_countys_system(assessed, client_for):  # noqa: F811
    county = assessed
    v1 = county.run.system
    draft = _draft(county)
    client = client_for(county.users.t1_officer)
    form = client.get(reverse("assessment:run_new"), **EN).content.decode()
    assert f'value="{v1.pk}"' in form and f"{defaults.BRANCH_NAME_EN} v1" in form
    assert f'<option value="{draft.pk}"' not in form  # the county's draft is the county's business
    response = client.post(
        reverse("assessment:run_new"),
        {
            "system": v1.pk,
            "period": "2025-H2",
            "scope": county.t1.pk,
            "superior": "0.5",
            "peers": "0",
            "members": "0.5",
            "masses": "0",
        },
        **EN,
    )
    assert response.status_code == 302
    run = AssessmentRun.objects.get(period__code="2025-H2")
    assert run.scope == county.t1
    # The run links to its system, which the township officer may read (not change).
    run_page = client.get(reverse("assessment:run", args=[run.pk]), **EN).content.decode()
    assert reverse("assessment:system", args=[v1.pk]) in run_page and defaults.BRANCH_NAME_EN in run_page
    assert client.get(reverse("assessment:system", args=[v1.pk]), **EN).status_code == 200
    assert client.get(reverse("assessment:system", args=[draft.pk]), **EN).status_code == 404
    # The other township does not get Xinjie's scope.
    assert f'<option value="{county.t2.pk}"' not in form


def test_whoever_sees_a_published_run_may_open_its_system(assessed, client_for):  # noqa: F811
    county = assessed
    services.run_compute(actor=county.users.officer, run=county.run, asof=END)
    services.run_publish(actor=county.users.officer, run=county.run)
    client = client_for(county.users.member)
    page = client.get(reverse("assessment:run", args=[county.run.pk]), **EN).content.decode()
    system_url = reverse("assessment:system", args=[county.run.system_id])
    assert system_url in page
    assert client.get(system_url, **EN).status_code == 200
    assert "Make a new version" not in client.get(system_url, **EN).content.decode()
    assert client_for(county.users.outsider).get(system_url).status_code == 404


def test_without_a_system_the_new_assessment_page_says_why(assessed, client_for):  # noqa: F811
    county = assessed
    IndicatorSystem.objects.update(state=SystemState.RETIRED)
    page = client_for(county.users.t1_officer).get(reverse("assessment:run_new"), **EN).content.decode()
    assert (
        "No indicator system is available to you yet." in page
        and "<form" not in page.split("<main")[-1].split("</main>")[0]
    )
    zh = client_for(county.users.t1_officer).get(reverse("assessment:run_new"), **ZH).content.decode()
    assert "您目前还没有可用的指标体系。" in zh
    # A secretary (manages nothing that can be assessed) who was given a grant to manage a branch only.
    branch_officer = grant(UserFactory(username="branch-officer"), county.v11, "officer")
    IndicatorSystem.objects.update(state=SystemState.ACTIVE)
    page = client_for(branch_officer).get(reverse("assessment:run_new"), **EN).content.decode()
    assert "You manage no party committee or general branch." in page


def test_english_pages_name_the_system_and_the_scopes_in_english(assessed, client_for):  # noqa: F811
    county = assessed
    Organization.objects.filter(pk=county.t1.pk).update(name_en="Xinjie Town Committee")
    run = county.run
    services.run_compute(actor=county.users.officer, run=run, asof=END)
    client = client_for(county.users.officer)
    for url in (
        reverse("assessment:runs"),
        reverse("assessment:systems"),
        reverse("assessment:system", args=[run.system_id]),
        reverse("assessment:weights_top", args=[run.system_id]),
        reverse("assessment:run", args=[run.pk]),
        reverse("assessment:results", args=[run.pk]),
        reverse("assessment:sensitivity", args=[run.pk]),
        reverse("assessment:explain", args=[run.pk, county.v11.pk]),
        reverse("assessment:vetoes", args=[run.pk]),
        reverse("assessment:values", args=[run.pk]),
        reverse("assessment:links", args=[run.pk]),
    ):
        page = client.get(url, **EN).content.decode()
        page = re.sub(r"<input[^>]*>", "", page)  # the names a manager may give a new version
        assert defaults.BRANCH_NAME not in page, url
        assert defaults.BRANCH_NAME_EN in page, url
        assert defaults.BRANCH_NAME in client.get(url, **ZH).content.decode(), url
    form = client.get(reverse("assessment:run_new"), **EN).content.decode()
    assert f'<option value="{county.t1.pk}">Xinjie Town Committee</option>' in form
    assert f"{defaults.BRANCH_NAME_EN} v1" in form


# ---------------------------------------------------------------- the API


def test_the_api_drafts_a_new_version_and_puts_it_in_use(assessed, client_for):  # noqa: F811
    county = assessed
    v1 = county.run.system
    client = client_for(county.users.officer)
    url = reverse("indicator-system-new-version", args=[v1.pk])
    made = client.post(url, {"name_en": "Branch assessment 2027"}, content_type="application/json", **EN)
    assert made.status_code == 201
    body = made.json()
    assert (body["version"], body["state"], body["previous"], body["code"]) == (2, "draft", v1.pk, "branch")
    assert body["name"] == defaults.BRANCH_NAME and body["display_name"] == "Branch assessment 2027"
    assert len(body["indicators"]) == v1.indicators.count()
    again = client.post(url, {}, content_type="application/json", **EN)
    assert again.status_code == 409 and "Branch assessment 2027 v2" in again.json()["detail"]
    blank = client.post(
        reverse("indicator-system-new-version", args=[IndicatorSystem.objects.get(code="secretary").pk]),
        {"name": ""},
        content_type="application/json",
        **EN,
    )
    assert blank.status_code == 400

    activate = reverse("indicator-system-activate", args=[body["id"]])
    township = client_for(county.users.t1_officer)
    assert township.post(activate).status_code == 404  # the county's draft is not the township's to see
    assert township.post(reverse("indicator-system-new-version", args=[v1.pk])).status_code == 403
    client = client_for(county.users.officer)
    done = client.post(activate, **EN)
    assert done.status_code == 200 and done.json()["state"] == "active"
    assert IndicatorSystem.objects.get(pk=v1.pk).state == SystemState.RETIRED
    assert client.post(activate, **EN).status_code == 409
    assert client_for(county.users.outsider).post(reverse("indicator-system-activate", args=[v1.pk])).status_code == 404


def test_the_api_names_systems_in_the_callers_language_and_serves_townships(assessed, client_for):  # noqa: F811
    county = assessed
    client = client_for(county.users.t1_officer)
    systems = client.get(reverse("indicator-system-list"), **EN).json()["results"]
    branch = next(s for s in systems if s["code"] == "branch")
    assert branch["name_en"] == defaults.BRANCH_NAME_EN and branch["display_name"] == defaults.BRANCH_NAME_EN
    assert client.get(reverse("indicator-system-detail", args=[branch["id"]]), **EN).status_code == 200
    created = client.post(
        reverse("assessment-run-list"),
        {"system": branch["id"], "period": "2025-Q4", "scope": "C-T1"},
        content_type="application/json",
        **EN,
    )
    assert created.status_code == 201 and created.json()["system_name"] == defaults.BRANCH_NAME_EN
    zh = client.get(reverse("indicator-system-detail", args=[branch["id"]]), **ZH).json()
    assert zh["display_name"] == defaults.BRANCH_NAME


def test_a_run_can_be_opened_with_the_new_version_once_in_use(assessed):  # noqa: F811
    county = assessed
    v2 = _draft(county)
    services.system_activate(actor=county.users.officer, system=v2)
    run = services.run_create(actor=county.users.officer, system=v2, period=period_for("2025-Q4"), scope=county.t1)
    services.run_compute(actor=county.users.officer, run=run, asof=END)
    assert run.results.count() == 2
