"""The pursuit pages as each role meets them: the cases list, a case with its steps, a case opened by hand, the rules
of pursuit, the start page's notice; every refusal shown on the page with nothing written."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from grassroots.accountability import selectors, services
from grassroots.accountability.models import Case, CaseState, PursuitRule, Rectification, Trigger
from grassroots.accountability.services import rules_for
from grassroots.core.models import AuditEntry, AuditResult

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
TODAY = timezone.localdate()


def _case_url(case, step=None):
    if step:
        return reverse("accountability:case_step", args=[case.pk, step])
    return reverse("accountability:case", args=[case.pk])


def _written():
    """What a refused step must leave as it was: the cases, their rectifications and the audit trail of what was
    done (a refusal adds its own entry, result "refused")."""
    done = AuditEntry.objects.filter(result=AuditResult.DONE)
    return (Case.objects.count(), Rectification.objects.count(), done.count())


def _page(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- every page, both languages


def test_every_page_renders_in_english_and_chinese_for_the_deciding_officer(pursuit, client_for):
    client = client_for(pursuit.users.t1_officer)
    pages = {
        reverse("accountability:cases"): ("Cases of accountability", "问责案件"),
        _case_url(pursuit.case): ("Decide the measure", "决定问责方式"),
        reverse("accountability:case_new"): ("Open a case", "启动问责"),
        reverse("accountability:rules"): ("Rules of pursuit", "问责规则"),
    }
    for url, (english, chinese) in pages.items():
        en, zh = client.get(url, **EN), client.get(url, **ZH)
        assert en.status_code == zh.status_code == 200, url
        assert english in _page(en) and english not in _page(zh), url
        assert chinese in _page(zh), url
    zh = _page(client.get(_case_url(pursuit.case), **ZH))
    assert "提醒谈话" in zh and "移送纪检监察机关" in zh  # the ladder's rungs, in the reader's language


def test_the_person_concerned_reads_their_case_in_both_languages(pursuit, client_for):
    client = client_for(pursuit.users.person)
    en = _page(client.get(_case_url(pursuit.case), **EN))
    zh = _page(client.get(_case_url(pursuit.case), **ZH))
    assert "Make my statement" in en and "提交申辩" in zh
    assert "Decide the measure" not in en
    assert pursuit.case.title in _page(client.get(reverse("accountability:cases"), **ZH))


# ---------------------------------------------------------------- who sees a case


MATRIX = [
    # user, reads the case, the forms they see on it
    ("t1_officer", True, {"review", "decide", "dismiss", "withdraw"}),
    ("officer", True, {"review", "decide", "dismiss", "withdraw"}),
    ("admin", True, {"review", "decide", "dismiss", "withdraw"}),
    ("t2_officer", False, set()),
    ("secretary", False, set()),
    ("person", True, {"statement"}),
    ("member", False, set()),
    ("auditor", True, set()),
    ("outsider", False, set()),
]
STEP_MARKS = {step: f'action="{{url}}{step}/"' for step in ("review", "statement", "decide", "dismiss", "withdraw")}


@pytest.mark.parametrize(("who", "reads", "forms"), MATRIX, ids=[row[0] for row in MATRIX])
def test_who_sees_a_case_and_which_buttons(pursuit, client_for, who, reads, forms):
    client = client_for(getattr(pursuit.users, who))
    case = pursuit.case
    response = client.get(_case_url(case), **EN)
    listed = case.title in _page(client.get(reverse("accountability:cases"), **EN))
    nav = f'href="{reverse("accountability:cases")}"' in _page(client.get(reverse("home"), **EN))
    assert (response.status_code, listed) == ((200, True) if reads else (404, False))
    if who in ("t1_officer", "officer", "admin", "auditor", "person"):
        assert nav
    elif who in ("secretary", "member", "outsider"):
        assert not nav
    if reads:
        page = _page(response)
        shown = {step for step, mark in STEP_MARKS.items() if mark.format(url=_case_url(case)) in page}
        assert shown == forms
        if who == "auditor":  # the list of the case's audit entries is the trail: its auditors read it
            assert 'id="timeline"' in page and "Case opened" in page
        else:  # the others read the last step, part of the case
            assert 'id="timeline"' not in page and "Last step:" in page and "Case opened" in page


def test_a_step_by_someone_who_may_not_is_refused_and_nothing_is_written(pursuit, client_for):
    case = pursuit.case
    before = _written()
    auditor = client_for(pursuit.users.auditor)
    response = auditor.post(_case_url(case, "decide"), {"measure": "criticism", "note": "x"}, **EN)
    assert response.status_code == 400 and "You do not have permission to do this here." in _page(response)
    person = client_for(pursuit.users.person)
    response = person.post(_case_url(case, "decide"), {"measure": "reminder_talk"}, **EN)
    assert response.status_code == 400
    for who in ("secretary", "member", "t2_officer", "outsider"):
        response = client_for(getattr(pursuit.users, who)).post(_case_url(case, "statement"), {"text": "x"}, **EN)
        assert response.status_code == 404, who
    assert client_for(pursuit.users.t1_officer).post(_case_url(case, "erase"), {}, **EN).status_code == 404
    assert _written() == before
    assert Case.objects.get(pk=case.pk).state == CaseState.OPENED
    # The two refusals of the policy are in the trail, with their actors and nothing of what was sent; a case
    # outside one's scope is not found (404), which is no refusal.
    refused = AuditEntry.objects.filter(result=AuditResult.REFUSED).order_by("seq")
    assert [(e.action, e.actor_id) for e in refused] == [
        ("core.refused", pursuit.users.auditor.pk),
        ("core.refused", pursuit.users.person.pk),
    ]
    assert all(e.after["path"] == _case_url(case, "decide") and "x" not in str(e.after.values()) for e in refused)


# ---------------------------------------------------------------- a case's steps


def test_a_case_from_review_to_closing(pursuit, client_for):
    case = pursuit.case
    officer = client_for(pursuit.users.t1_officer)
    response = officer.post(_case_url(case, "review"), {}, follow=True, **EN)
    assert "The case is under review." in _page(response)
    assert Case.objects.get(pk=case.pk).state == CaseState.UNDER_REVIEW

    person = client_for(pursuit.users.person)
    response = person.post(_case_url(case, "statement"), {"text": "The village was flooded in May."}, follow=True, **EN)
    assert "Your statement is recorded" in _page(response) and "The village was flooded in May." in _page(response)

    officer = client_for(pursuit.users.t1_officer)
    page = _page(officer.get(_case_url(case), **EN))
    assert '<option value="reminder_talk" selected>' in page  # the proposal preselected
    response = officer.post(
        _case_url(case, "decide"), {"measure": "criticism", "note": "Second time this year."}, follow=True, **EN
    )
    assert "The measure is decided" in _page(response)
    case.refresh_from_db()
    assert (case.state, case.measure, case.decided_by) == (CaseState.DECIDED, "criticism", pursuit.users.t1_officer)
    page = _page(response)
    assert 'class="rung decided" data-measure="criticism"' in page
    assert 'class="rung proposed" data-measure="reminder_talk"' in page

    due = TODAY + dt.timedelta(days=20)
    response = officer.post(
        _case_url(case, "rectify"),
        {"title": "Finish the key work", "requirement": "Hold the meeting", "due_on": due.isoformat()},
        follow=True,
        **EN,
    )
    assert "The rectification is required" in _page(response)
    rectification = Rectification.objects.get(case=case)
    assert rectification.assignment.organization == pursuit.v11
    assert rectification.assignment.responsible == pursuit.person
    page = _page(response)
    assert reverse("duties:assignment", args=[rectification.assignment_id]) in page
    assert due.isoformat() in page and "On track" in page

    # The person concerned reports on it from the duties' own page, linked from the case.
    person_page = _page(client_for(pursuit.users.person).get(_case_url(case), **EN))
    assignment_url = reverse("duties:assignment", args=[rectification.assignment_id])
    assert assignment_url in person_page
    assert client_for(pursuit.users.person).get(assignment_url, **EN).status_code == 200

    # Closed once the rectification is accepted: before, the close button is not offered and a crafted POST is told.
    officer = client_for(pursuit.users.t1_officer)
    assert f'action="{_case_url(case, "close")}"' not in page
    before = _written()
    response = officer.post(_case_url(case, "close"), {}, **EN)
    assert response.status_code == 400 and "A rectification of this case is not accepted yet." in _page(response)
    assert _written() == before


def test_a_decided_case_without_rectification_is_closed_with_a_note(pursuit, client_for):
    case = pursuit.case
    services.case_decide(actor=pursuit.users.t1_officer, case=case, measure="reminder_talk")
    officer = client_for(pursuit.users.t1_officer)
    page = _page(officer.get(_case_url(case), **EN))
    assert f'action="{_case_url(case, "close")}"' in page and f'action="{_case_url(case, "decide")}"' not in page
    response = officer.post(_case_url(case, "close"), {"note": "The talk was held on Monday."}, follow=True, **EN)
    assert "The case is closed." in _page(response) and "The talk was held on Monday." in _page(response)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED and case.closed_at is not None
    assert "Cases that concern you" not in _page(client_for(pursuit.users.person).get(reverse("home"), **EN))


def test_dismissed_and_withdrawn_cases_show_their_reason(pursuit, client_for):
    officer = client_for(pursuit.users.t1_officer)
    case = pursuit.case
    response = officer.post(_case_url(case, "dismiss"), {"reason": ""}, **EN)
    assert response.status_code == 400 and "Give the reason." in _page(response)
    assert Case.objects.get(pk=case.pk).state == CaseState.OPENED
    response = officer.post(_case_url(case, "dismiss"), {"reason": "The work was done on time."}, follow=True, **EN)
    assert "Dismissed:" in _page(response) and "The work was done on time." in _page(response)
    assert Case.objects.get(pk=case.pk).state == CaseState.DISMISSED

    other = services.case_open(
        actor=pursuit.users.t1_officer, organization=pursuit.v12, title="Meeting records missing", facts="None kept."
    )
    response = officer.post(_case_url(other, "withdraw"), {"reason": "Opened on the wrong branch."}, follow=True, **EN)
    page = _page(response)
    assert "Withdrawn:" in page and "Opened on the wrong branch." in page
    assert Case.objects.get(pk=other.pk).state == CaseState.WITHDRAWN
    # The list's default (open cases) leaves both out; "all" shows them.
    listing = _page(officer.get(reverse("accountability:cases"), **EN))
    assert case.title not in listing and other.title not in listing
    listing = _page(officer.get(reverse("accountability:cases"), {"state": "all"}, **EN))
    assert case.title in listing and other.title in listing


REFUSALS = [
    # step, posted, message of the service
    ("decide", {"measure": "", "note": ""}, "A decision names its measure."),
    ("decide", {"measure": "expulsion", "note": "crafted"}, "Choose a measure on the ladder of accountability."),
    ("decide", {"measure": "referral", "note": ""}, "Say why the measure differs from the one proposed"),
    ("withdraw", {"reason": "   "}, "Give the reason."),
]


@pytest.mark.parametrize(("step", "posted", "message"), REFUSALS, ids=[r[2][:24] for r in REFUSALS])
def test_a_refused_step_says_why_keeps_what_was_typed_and_writes_nothing(pursuit, client_for, step, posted, message):
    case = pursuit.case
    before = _written()
    response = client_for(pursuit.users.t1_officer).post(_case_url(case, step), posted, **EN)
    page = _page(response)
    assert response.status_code == 400 and message in page
    if posted.get("note"):
        assert posted["note"] in page  # nothing typed is lost
    assert _written() == before
    assert Case.objects.get(pk=case.pk).state == CaseState.OPENED


def test_a_statement_after_the_decision_is_refused(pursuit, client_for):
    case = pursuit.case
    services.case_decide(actor=pursuit.users.t1_officer, case=case, measure="reminder_talk")
    person = client_for(pursuit.users.person)
    page = _page(person.get(_case_url(case), **EN))
    assert f'action="{_case_url(case, "statement")}"' not in page and "Reminder talk" in page
    before = _written()
    response = person.post(_case_url(case, "statement"), {"text": "Too late?"}, **EN)
    assert response.status_code == 400
    assert "The case is decided: a statement is made before the decision." in _page(response)
    assert _written() == before and Case.objects.get(pk=case.pk).statement == ""


def test_a_rectification_due_in_the_past_is_refused(pursuit, client_for):
    case = pursuit.case
    services.case_decide(actor=pursuit.users.t1_officer, case=case, measure="reminder_talk")
    before = _written()
    yesterday = (TODAY - dt.timedelta(days=1)).isoformat()
    response = client_for(pursuit.users.t1_officer).post(
        _case_url(case, "rectify"),
        {"title": "Finish the key work", "requirement": "Hold the meeting", "due_on": yesterday},
        **EN,
    )
    page = _page(response)
    assert response.status_code == 400 and "A rectification is due today or later." in page
    assert "Hold the meeting" in page and yesterday in page
    assert _written() == before and Case.objects.get(pk=case.pk).state == CaseState.DECIDED


def test_the_timeline_lists_the_steps_for_the_auditor_and_the_last_step_for_every_other_reader(pursuit, client_for):
    case = pursuit.case
    services.case_review(actor=pursuit.users.t1_officer, case=case)
    services.case_statement(actor=pursuit.users.person, case=case, text="I was away.")
    page = _page(client_for(pursuit.users.auditor).get(_case_url(case), **EN))
    timeline = page[page.index('id="timeline"') :]
    opened, review, statement = (
        timeline.index("Case opened"),
        timeline.index("Case taken under review"),
        timeline.index("Statement made on a case"),
    )
    assert opened < review < statement
    assert "李责任" in timeline  # the statement's author by name
    for who in ("person", "officer", "t1_officer", "admin"):
        page = _page(client_for(getattr(pursuit.users, who)).get(_case_url(case), **EN))
        assert 'id="timeline"' not in page and "Case taken under review" not in page, who
        last = page[page.index('id="last-step"') :]
        assert "Last step:" in last and "Statement made on a case" in last and "李责任" in last, who


def test_evidence_links_stay_on_this_site(pursuit, client_for):
    case = pursuit.case
    Case.objects.filter(pk=case.pk).update(
        evidence=[{"label": "Outside", "url": "/\\evil.example/"}, {"label": "Inside", "url": "/work/"}]
    )
    page = _page(client_for(pursuit.users.t1_officer).get(_case_url(case), **EN))
    assert '<a href="/work/">Inside</a>' in page
    assert "evil.example" not in page and "Outside" in page


def test_related_cases_link_both_ways(pursuit, client_for):
    case = pursuit.case
    follower = Case.objects.create(
        organization=pursuit.v11,
        deciding=pursuit.t1,
        period=case.period,
        trigger=Trigger.RECTIFICATION_OVERDUE,
        key=f"test:{case.pk}",
        title="Rectification overdue",
        facts="Overdue.",
        follows=case,
    )
    client = client_for(pursuit.users.t1_officer)
    assert _case_url(follower) in _page(client.get(_case_url(case), **EN))
    assert _case_url(case) in _page(client.get(_case_url(follower), **EN))


# ---------------------------------------------------------------- the list


def test_the_list_filters_and_counts_the_open_cases(pursuit, client_for):
    officer = pursuit.users.t1_officer
    other = services.case_open(
        actor=officer, organization=pursuit.v12, title="Liuwan: no meetings held", facts="None held."
    )
    services.case_decide(actor=officer, case=other, measure="criticism", note="Repeated.")
    client = client_for(pursuit.users.officer)
    url = reverse("accountability:cases")
    page = _page(client.get(url, **EN))
    assert pursuit.case.title in page and other.title in page
    assert "<b>2</b><span>open cases</span>" in page
    assert "proposed: Reminder talk" in page and "<b>Criticism and education</b>" in page
    by_org = _page(client.get(url, {"organization": "C-T1-V2"}, **EN))
    assert other.title in by_org and pursuit.case.title not in by_org
    by_measure = _page(client.get(url, {"measure": "reminder_talk"}, **EN))
    assert pursuit.case.title in by_measure and other.title not in by_measure
    by_state = _page(client.get(url, {"state": "decided"}, **EN))
    assert other.title in by_state and pursuit.case.title not in by_state
    by_rule = _page(client.get(url, {"trigger": "veto"}, **EN))
    assert "No case matches this filter." in by_rule
    by_period = _page(client.get(url, {"period": str(TODAY.year)}, **EN))
    assert other.title in by_period and pursuit.case.title in by_period
    bad = client.get(url, {"organization": "NOWHERE"}, **EN)
    assert bad.status_code == 200 and "No organization with this code in your scope." in _page(bad)
    assert other.title not in _page(bad)


def test_the_list_is_paginated(pursuit, client_for):
    case = pursuit.case
    Case.objects.bulk_create(
        Case(
            organization=pursuit.v12,
            deciding=pursuit.t1,
            period=case.period,
            trigger=Trigger.BY_HAND,
            title=f"Case number {n:03d}",
            facts="x",
        )
        for n in range(60)
    )
    client = client_for(pursuit.users.t1_officer)
    first = _page(client.get(reverse("accountability:cases"), **EN))
    assert "61 cases shown" in first and "Page 1 of 2" in first and "page=2" in first
    second = _page(client.get(reverse("accountability:cases"), {"page": 2}, **EN))
    assert "Page 2 of 2" in second and second.count('class="case-row') == 11


# ---------------------------------------------------------------- a case opened by hand


def test_opening_a_case_by_hand(pursuit, client_for):
    client = client_for(pursuit.users.t1_officer)
    url = reverse("accountability:case_new")
    listed = client.post(url, {"organization": "C-T1-V1", "title": "Study far behind", "step": "members"}, **EN)
    page = _page(listed)
    assert listed.status_code == 200 and "李责任" in page and "Study far behind" in page
    assert Case.objects.count() == 1
    response = client.post(
        url,
        {
            "organization": "C-T1-V1",
            "person": pursuit.person.pk,
            "deciding": "",
            "period": str(TODAY.year),
            "title": "Study far behind",
            "facts": "Four hours of 32 by October.",
            "evidence": "Study records | /life/\nThe branch's own account",
        },
        follow=True,
        **EN,
    )
    assert "The case is opened" in _page(response)
    case = Case.objects.get(title="Study far behind")
    assert (case.organization, case.deciding, case.person, case.opened_by) == (
        pursuit.v11,
        pursuit.t1,
        pursuit.person,
        pursuit.users.t1_officer,
    )
    assert case.evidence == [
        {"label": "Study records", "url": "/life/"},
        {"label": "The branch's own account", "url": ""},
    ]


OPEN_REFUSALS = [
    # the deciding organization is not above the one concerned
    (
        {"organization": "C-T1-V1", "deciding": "C-T1-V2"},
        "A case is decided by an organization above the one concerned.",
    ),
    ({"organization": "C-T1", "deciding": "C-T1-V1"}, "A case is decided by an organization above the one concerned."),
    ({"organization": "C-T2-V1"}, "No organization with this code where you pursue."),
    ({"organization": "C-T1-V1", "period": "2026-Q9"}, "is not a period"),
    ({"organization": "C-T1-V1", "evidence": "Elsewhere | https://example.org/"}, "Evidence links point to pages"),
    ({"organization": "C-T1-V1", "title": ""}, "This field is required."),
]


@pytest.mark.parametrize(("posted", "message"), OPEN_REFUSALS, ids=[str(i) for i in range(len(OPEN_REFUSALS))])
def test_a_case_opened_wrongly_is_refused_and_nothing_is_written(pursuit, client_for, posted, message):
    data = {"period": str(TODAY.year), "title": "Meetings not held", "facts": "No meeting since March.", **posted}
    before = _written()
    response = client_for(pursuit.users.t1_officer).post(reverse("accountability:case_new"), data, **EN)
    page = _page(response)
    assert response.status_code == 400 and message in page
    assert "No meeting since March." in page
    assert _written() == before


def test_a_person_of_another_organization_cannot_be_named(pursuit, client_for):
    data = {
        "organization": "C-T1-V2",
        "person": pursuit.person.pk,  # of Qingshan, not Liuwan
        "period": str(TODAY.year),
        "title": "Meetings not held",
        "facts": "No meeting since March.",
    }
    before = _written()
    response = client_for(pursuit.users.t1_officer).post(reverse("accountability:case_new"), data, **EN)
    assert response.status_code == 400 and _written() == before


def test_only_those_who_pursue_open_a_case_or_set_the_rules(pursuit, client_for):
    for who in ("secretary", "auditor", "member", "person", "outsider"):
        client = client_for(getattr(pursuit.users, who))
        assert client.get(reverse("accountability:case_new"), **EN).status_code == 403, who
        assert client.get(reverse("accountability:rules"), **EN).status_code == 403, who
        page = _page(client.get(reverse("accountability:cases"), **EN))
        assert reverse("accountability:case_new") not in page, who


# ---------------------------------------------------------------- the rules of pursuit


def test_setting_and_removing_a_rule_of_pursuit(pursuit, client_for):
    client = client_for(pursuit.users.t1_officer)
    url = reverse("accountability:rules")
    page = _page(client.get(url, **EN))
    assert "Xinjie" in page or pursuit.t1.name in page
    assert "built in" in page and "days overdue" in page
    response = client.post(
        url,
        {"organization": "C-T1", "trigger": "overdue_key", "overdue_key-enabled": "on", "overdue_key-threshold": "45"},
        follow=True,
        **EN,
    )
    assert "The rule is set for" in _page(response)
    assert rules_for(pursuit.v11)[Trigger.OVERDUE_KEY] == (True, 45)
    below = _page(client.get(url, {"organization": "C-T1-V1"}, **EN))
    row = below[below.index('id="rule-overdue_key"') :]
    assert "<b>45</b>" in row[:600] and pursuit.t1.display_name() in row[:600]
    # Turned off at the branch: the nearest wins.
    client.post(url, {"organization": "C-T1-V1", "trigger": "veto"}, **EN)
    assert rules_for(pursuit.v11)[Trigger.VETO] == (False, 0) and rules_for(pursuit.v12)[Trigger.VETO] == (True, 0)
    for org in (pursuit.v11, pursuit.v12, pursuit.t1, pursuit.t2):  # the page's rows say what the rules apply
        assert {r.trigger: (r.enabled, r.threshold) for r in selectors.rules_in_force(org)} == rules_for(org)
    response = client.post(url, {"organization": "C-T1", "trigger": "overdue_key", "remove": "1"}, follow=True, **EN)
    assert "The rule set here is removed" in _page(response)
    assert rules_for(pursuit.v11)[Trigger.OVERDUE_KEY] == (True, 30)


@pytest.mark.parametrize(
    ("trigger", "threshold", "message"),
    [
        ("overdue_key", "soon", "The threshold must be a whole number."),
        ("overdue_key", "", "The threshold must be a whole number."),
        ("study_below", "150", "A share of the plan is at most 100%."),
        ("returned", "20000", "The threshold must be from 0 to 10000."),
    ],
)
def test_a_wrong_threshold_is_refused(pursuit, client_for, trigger, threshold, message):
    before = (PursuitRule.objects.count(), AuditEntry.objects.count())
    response = client_for(pursuit.users.t1_officer).post(
        reverse("accountability:rules"),
        {"organization": "C-T1", "trigger": trigger, f"{trigger}-enabled": "on", f"{trigger}-threshold": threshold},
        **EN,
    )
    page = _page(response)
    assert response.status_code == 400 and message in page
    assert f'value="{threshold}"' in page or not threshold
    assert (PursuitRule.objects.count(), AuditEntry.objects.count()) == before


def test_the_rules_of_another_township_are_not_found(pursuit, client_for):
    client = client_for(pursuit.users.t1_officer)
    assert client.get(reverse("accountability:rules"), {"organization": "C-T2"}, **EN).status_code == 404
    response = client.post(reverse("accountability:rules"), {"organization": "C-T2", "trigger": "veto"}, **EN)
    assert response.status_code == 404 and not PursuitRule.objects.exists()
    response = client.post(reverse("accountability:rules"), {"organization": "C-T1", "trigger": "by_hand"}, **EN)
    assert response.status_code == 404 and not PursuitRule.objects.exists()


# ---------------------------------------------------------------- the start page


def test_the_start_page_tells_the_person_concerned(pursuit, client_for):
    page = _page(client_for(pursuit.users.person).get(reverse("home"), **EN))
    assert "Cases that concern you" in page and _case_url(pursuit.case) in page
    assert "you may make a statement until then" in page
    zh = _page(client_for(pursuit.users.person).get(reverse("home"), **ZH))
    assert "涉及您的问责案件" in zh
    for who in ("member", "secretary", "t1_officer"):
        assert "Cases that concern you" not in _page(client_for(getattr(pursuit.users, who)).get(reverse("home"), **EN))
    services.case_withdraw(actor=pursuit.users.t1_officer, case=pursuit.case, reason="Opened by mistake.")
    assert "Cases that concern you" not in _page(client_for(pursuit.users.person).get(reverse("home"), **EN))
