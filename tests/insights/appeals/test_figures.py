"""Response time and satisfaction roll up the tree (one grouped query per subtree, per child organization), and feed
the diagnosis (problem 1: slow answers, low satisfaction, appeals left unanswered)."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from grassroots.core.periods import period_for
from grassroots.insights.appeals import selectors, services
from grassroots.insights.diagnosis.checks import CHECKS
from grassroots.insights.models import Appeal
from grassroots.organizations.models import Organization

from .conftest import submit

TODAY = timezone.localdate()


def _age(appeal, days, responded_after=None):
    """Move an appeal's arrival `days` back (and its first response to `responded_after` days after arrival)."""
    created = timezone.now() - dt.timedelta(days=days)
    fields = {"created_at": created}
    if responded_after is not None:
        fields["first_response_at"] = created + dt.timedelta(days=responded_after)
        fields["response_seconds"] = responded_after * 86400
    Appeal.objects.filter(pk=appeal.pk).update(**fields)


def test_the_county_sees_each_township_and_the_whole(appealed, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):  # the grants, the grouped figures, the total, the children
        total, rows = selectors.subtree_figures(user=appealed.users.officer, organization=appealed.county)
    assert total.received == 4 and total.responded == 2 and total.rated == 1
    by = {row.organization.code: row for row in rows}
    assert set(by) == {"C-T1", "C-T2"}
    assert (by["C-T1"].received, by["C-T1"].responded, by["C-T1"].in_time) == (3, 2, 2)
    assert (by["C-T2"].received, by["C-T2"].responded) == (1, 0)
    # one rating is too few to say anything of satisfaction
    assert by["C-T1"].rated == 1 and by["C-T1"].rating is None and not by["C-T1"].enough_ratings


def test_the_township_sees_its_branches_and_their_response_time(appealed):
    _age(appealed.answered, 10, responded_after=9)
    total, rows = selectors.subtree_figures(user=appealed.users.t1_officer, organization=appealed.t1)
    by = {row.organization.code: row for row in rows}
    assert by["C-T1-V1"].received == 3 and by["C-T1-V2"].received == 0
    assert by["C-T1-V1"].in_time == 1 and 4 < by["C-T1-V1"].response_days < 5  # (9 days + about 0) / 2


def test_an_organization_own_appeals_show_apart_from_its_children(appealed):
    submit(appealed.t1, client="10.7.7.7")
    _total, rows = selectors.subtree_figures(user=appealed.users.t1_officer, organization=appealed.t1)
    assert rows[0].own and rows[0].received == 1


def test_satisfaction_shows_from_three_ratings(appealed):
    for i, rating in enumerate((2, 3)):
        appeal, _code = submit(appealed.v11, client=f"10.8.8.{i}")
        services.appeal_answer(actor=appealed.users.secretary, appeal=appeal, answer="已处理。")
        services.appeal_rate(appeal=appeal, rating=rating)
    total, _rows = selectors.subtree_figures(user=appealed.users.secretary, organization=appealed.v11)
    assert total.rated == 3 and abs(total.rating - 10 / 3) < 0.01 and total.satisfied == 1


def test_the_figures_are_cut_by_the_policy(appealed):
    total, _rows = selectors.subtree_figures(user=appealed.users.secretary, organization=appealed.county)
    assert total.received == 3  # Qingshan's secretary counts Qingshan's appeals only


def test_the_figures_page_states_its_rule(appealed, client_for):
    client = client_for(appealed.users.officer)
    page = client.get(reverse("insights:appeal_figures"), {"organization": "C"}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "first response" in text and "at least 3" in text
    assert appealed.t1.name in text
    assert client.get(reverse("insights:appeal_figures"), {"organization": "NOPE"}).status_code == 404


# ---------------------------------------------------------------- the diagnosis


def _run(code, appealed, threshold=None):
    check = CHECKS[code]
    organizations = Organization.objects.all()
    return list(check.function(organizations, period_for(str(TODAY.year)), threshold or check.threshold))


def test_the_checks_are_registered_under_guidance():
    for code in ("appeals.slow_answers", "appeals.low_satisfaction", "appeals.unanswered"):
        assert CHECKS[code].problem == "guidance"


def test_appeals_left_unanswered_are_a_finding(appealed):
    assert _run("appeals.unanswered", appealed) == []
    _age(appealed.new, 10)
    findings = _run("appeals.unanswered", appealed)
    assert [f.organization_id for f in findings] == [appealed.v11.pk]
    assert findings[0].measured == 1 and "1 of the 3" in findings[0].text and "overdue=1" in findings[0].actions[0].url


def test_slow_answers_are_a_finding(appealed):
    assert _run("appeals.slow_answers", appealed) == []
    _age(appealed.answered, 30, responded_after=20)
    _age(appealed.duty, 30, responded_after=12)
    (finding,) = _run("appeals.slow_answers", appealed)
    assert finding.organization_id == appealed.v11.pk and finding.measured == Decimal("16.0")


def test_low_satisfaction_needs_enough_ratings(appealed):
    for i in range(2):
        appeal, _code = submit(appealed.v11, client=f"10.6.6.{i}")
        services.appeal_answer(actor=appealed.users.secretary, appeal=appeal, answer="已处理。")
        services.appeal_rate(appeal=appeal, rating=1)
    (finding,) = _run("appeals.low_satisfaction", appealed)
    assert finding.measured == Decimal("2.33") and finding.threshold == Decimal("3.5")
    Appeal.objects.filter(rating=1).update(rating=5)
    assert _run("appeals.low_satisfaction", appealed) == []
