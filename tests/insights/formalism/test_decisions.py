"""Who sees a flag and who judges it (the policy matrix), and the decisions: dismissed with a reason, confirmed, a
case opened from a confirmed flag; each audited."""

import pytest

from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import AuditEntry
from grassroots.core.policy import PermissionDenied
from grassroots.core.web import allowed
from grassroots.insights.formalism import selectors, services
from grassroots.insights.models import Flag, FlagKind, FlagState

from .conftest import COPY, ORIGINAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(issued, submit):
    submit(issued["C-T1-V1"], ORIGINAL)
    submit(issued["C-T1-V2"], COPY)
    return Flag.objects.get(kind=FlagKind.COPIED_TEXT)


# (user, sees the flag on Liuwan (reviewed by township T1), may judge it)
MATRIX = [
    ("admin", True, True),
    ("officer", True, True),  # the county, above the township
    ("t1_officer", True, True),  # the township that reviews it
    ("auditor", True, False),  # reads the township, changes nothing
    ("secretary", False, False),  # Qingshan, a sibling branch (whose report was copied)
    ("member", False, False),
    ("outsider", False, False),
]


@pytest.mark.parametrize(("who", "sees", "judges"), MATRIX)
def test_who_sees_and_judges_a_flag(county, flag, who, sees, judges):
    user = getattr(county.users, who)
    assert selectors.flag_list(user=user).filter(pk=flag.pk).exists() is sees
    assert allowed(services.flag_decide_check, actor=user, flag=flag) is judges


def test_the_branch_flagged_does_not_see_its_flag(county, flag):
    from tests.factories import UserFactory, grant

    liuwan_secretary = grant(UserFactory(username="liuwan"), county.v12, "secretary")
    assert not selectors.flag_list(user=liuwan_secretary).exists()


def test_another_township_does_not_see_the_flag(county, flag):
    from tests.factories import UserFactory, grant

    t2_officer = grant(UserFactory(username="t2officer"), county.t2, "officer")
    assert not selectors.flag_list(user=t2_officer).exists()
    with pytest.raises(PermissionDenied):
        services.flag_dismiss(actor=t2_officer, flag=flag, reason="没问题")


def test_a_flag_is_dismissed_only_with_a_reason_and_audited(county, flag):
    with pytest.raises(ValidationError):
        services.flag_dismiss(actor=county.users.t1_officer, flag=flag, reason="  ")
    services.flag_dismiss(actor=county.users.t1_officer, flag=flag, reason="两村联合开展的活动，共用一份材料")
    flag.refresh_from_db()
    assert flag.state == FlagState.DISMISSED and flag.decided_by == county.users.t1_officer and flag.decided_at
    entry = AuditEntry.objects.filter(action="insights.flag.dismiss").get()
    assert entry.after["state"] == "dismissed" and entry.before["state"] == "open"
    with pytest.raises(Conflict):
        services.flag_confirm(actor=county.users.t1_officer, flag=flag)


def test_a_confirmed_flag_opens_one_case_with_its_records(county, flag):
    with pytest.raises(Conflict):
        services.flag_open_case(actor=county.users.t1_officer, flag=flag)
    services.flag_confirm(actor=county.users.t1_officer, flag=flag, note="照抄青山村")
    case = services.flag_open_case(actor=county.users.t1_officer, flag=flag)
    flag.refresh_from_db()
    assert flag.case == case and case.organization == county.v12 and case.deciding == county.t1
    assert any("/insights/flags/" in item["url"] for item in case.evidence)
    assert "柳湾" in case.facts or "青山" in case.facts
    with pytest.raises(Conflict):
        services.flag_open_case(actor=county.users.t1_officer, flag=flag)
    assert AuditEntry.objects.filter(action="insights.flag.case").exists()


def test_the_auditor_may_not_open_a_case(county, flag):
    services.flag_confirm(actor=county.users.t1_officer, flag=flag)
    with pytest.raises(PermissionDenied):
        services.flag_open_case(actor=county.users.auditor, flag=flag)


def test_confirmed_and_open_flags_become_findings_of_the_diagnosis(county, flag, period):
    from grassroots.insights.diagnosis.checks import CHECKS
    from grassroots.organizations.models import Organization

    check = CHECKS["formalism.copied_text"]
    found = list(check.function(Organization.objects.all(), period, None))
    assert [f.organization_id for f in found] == [county.v12.pk]
    assert found[0].problem == "formalism" and found[0].evidence[0].url.endswith(f"/insights/flags/{flag.pk}/")
    services.flag_dismiss(actor=county.users.t1_officer, flag=flag, reason="联合活动")
    assert list(check.function(Organization.objects.all(), period, None)) == []


def test_the_review_queue_shows_the_copied_report_beside_the_other(county, flag, client_for):
    page = client_for(county.users.t1_officer).get(_review_url())
    body = page.content.decode()
    assert page.status_code == 200
    assert "flag-note" in body and "文字雷同" in body
    assert "<mark>" in body  # the differences marked


def _review_url():
    from django.urls import reverse

    return reverse("duties:review")
