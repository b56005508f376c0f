"""Membership over time: a member's study hours, talks and claims count for the organization they were in when they
happened, each member for the share of the days counted they belonged to it; care cases of members who left stop
counting; cadres are the posts the rule names; hours waiting for confirmation count, rejected ones do not."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from grassroots.assessment import selectors, services
from grassroots.assessment.models import AssessmentRun, IndicatorSystem, Metric
from grassroots.organizations import services as org_services
from grassroots.organizations.models import Member, Post
from tests import shelf
from tests.assessment import year
from tests.assessment.test_engine import _agreement, _system_run, _values
from tests.assessment.year import END, YEAR, at_ten, studied

moves = shelf.shelved("moves", year.year_of_moves, below="assessed")

DAYS = 365  # in 2025
JUNE = dt.date(YEAR, 6, 30)
# A system of the four member metrics alone, each a leaf of its own.
SPEC = [
    {"code": "S", "name": "学习", "kind": "computed", "metric": "study", "weight": 0.25},
    {"code": "T", "name": "谈心", "kind": "computed", "metric": "talks", "weight": 0.25},
    {"code": "C", "name": "认领", "kind": "computed", "metric": "claims", "weight": 0.25},
    {"code": "W", "name": "关爱", "kind": "computed", "metric": "care", "weight": 0.25},
]


def _computed(county, asof=END, scope=None):
    """The run of the member metrics on `scope` (the county if not given), computed as of `asof`."""
    scope = scope or county.county
    run = AssessmentRun.objects.filter(system__code="members", scope=scope).first()
    if run is None:
        system = IndicatorSystem.objects.filter(code="members").first()
        if system is None:
            system = _system_run(county, "members", SPEC).system
        run = AssessmentRun.objects.filter(system=system, scope=scope).first() or services.run_create(
            actor=county.users.officer, system=system, period=county.run.period, scope=scope
        )
    services.run_compute(actor=county.users.officer, run=run, asof=asof)
    run.refresh_from_db()
    return run


def _metric(run, organization, metric):
    """(numerator, denominator) of a member metric of `organization` in `run`, (None, None) when it has none."""
    code = {Metric.STUDY: "S", Metric.TALKS: "T", Metric.CLAIMS: "C", Metric.CARE: "W"}[metric]
    indicator = run.system.indicators.get(code=code)
    value = _values(run).get((organization.pk, indicator.pk))
    return (None, None) if value is None else (value.numerator, value.denominator)


def _lines(run, organization, member):
    return [line for line in selectors.member_lines(run, organization) if line.member.pk == member.pk]


def test_a_member_who_moved_counts_where_they_studied_against_the_plan_of_the_days_there(moves):
    """Moved from Liuwan to Shimen on 1 July with 10 h studied before and 6 h after: 10 h in Liuwan against the plan
    of the 181 days there, 6 h in Shimen against that of the 184 days there."""
    county, a = moves, moves.people.a
    run = _computed(county)
    (before,) = _lines(run, county.v12, a)
    (after,) = _lines(run, county.v22, a)
    assert (before.first, before.last, before.hours) == (dt.date(YEAR, 1, 1), JUNE, 10)
    assert (after.first, after.last, after.hours) == (dt.date(YEAR, 7, 1), END, 6)
    assert (before.share, after.share) == pytest.approx((181 / DAYS, 184 / DAYS))
    # Shimen: a's 6 h of 32 h x 184/365, her colleague who left on 1 July 8 h of 32 h x 181/365, two who stayed
    # without hours; the one who left the year before not at all.
    study = _metric(run, county.v22, Metric.STUDY)
    assert study == pytest.approx((184 / DAYS * 6 / (32 * 184 / DAYS) + 181 / DAYS * 8 / (32 * 181 / DAYS), 3.0))
    assert study[0] == pytest.approx(6 / 32 + 8 / 32)
    rows = selectors.records_for(user=county.users.officer, run=run, organization=county.v22, metric=Metric.STUDY)
    row = next(r for r in rows.rows if r["id"] == a.pk)
    assert row["flag_label"] == "6 of 16.1 hours" and row["organization"] == county.v22.name
    assert "a member here from 2025-07-01 to 2025-12-31" in " ".join(row["details"])
    _agreement(run, END)


def test_a_talk_before_the_move_counts_in_the_old_branch(moves):
    county, a = moves, moves.people.a
    run = _computed(county)
    assert _lines(run, county.v12, a)[0].talked and not _lines(run, county.v22, a)[0].talked
    # Shimen: only her colleague who left on 1 July was talked with (before leaving).
    assert _metric(run, county.v22, Metric.TALKS) == pytest.approx((181 / DAYS, 3.0))
    missing = selectors.talk_records(run, county.v22)
    assert a.pk in {m.pk for m in missing}
    assert a.pk not in {m.pk for m in selectors.talk_records(run, county.v12)}


def test_a_claim_before_the_move_counts_in_the_old_branch(moves):
    """a claimed on 10 April in Liuwan; c, in Liuwan from 1 March to 31 August, on 2 April there and on 2 November
    back in Qingshan; Baishi's secretary on 4 April, three days after moving to Qingshan; f in June in Baishi, which
    he left only after the year."""
    county, people = moves, moves.people
    run = _computed(county)
    claims = {org.code: _metric(run, org, Metric.CLAIMS)[0] for org in (county.v11, county.v12, county.v21, county.v22)}
    assert claims == {"C-T1-V1": 3, "C-T1-V2": 2, "C-T2-V1": 1, "C-T2-V2": 0}
    liuwan = {c.member_id for c in selectors.claim_records(run, county.v12)}
    assert liuwan == {people.a.pk, people.c.pk}
    _agreement(run, END)


def test_a_member_who_left_in_june_counts_for_half(moves):
    """e left Shimen on 1 July: a member there for the 181 days before, her 8 h of May against 32 h x 181/365, her
    8 h of August not counted; the member who left the year before counts nowhere."""
    county, e, g = moves, moves.people.e, moves.people.g
    run = _computed(county)
    (line,) = _lines(run, county.v22, e)
    assert (line.share, line.hours, line.last) == (pytest.approx(181 / DAYS), 8, JUNE)
    assert _lines(run, county.v22, g) == []
    assert g.pk not in {m.pk for m in selectors.study_records(run, county.v22)}


def test_the_care_case_of_a_member_who_left_stops_counting(moves):
    """e's case counts in Shimen while she is a member (as of 30 June, visited on 20 June: in time), not once she has
    left; the case of a member who left the year before never does; the case of Baishi's secretary counts in
    Qingshan, where she is at the end of the year; f's in Baishi, which he left only after it."""
    county, people = moves, moves.people
    run = _computed(county, asof=JUNE)
    assert _metric(run, county.v22, Metric.CARE) == (1, 1)
    assert [c.member_id for c in selectors.care_records(run, county.v22)] == [people.e.pk]
    _agreement(run, JUNE)
    run = _computed(county)
    assert _metric(run, county.v22, Metric.CARE) == (None, None)
    assert not selectors.care_records(run, county.v22).exists()
    assert _metric(run, county.v11, Metric.CARE) == (1, 1)  # visited on 1 December
    assert _metric(run, county.v21, Metric.CARE) == (0, 1)  # never visited
    assert [c.member_id for c in selectors.care_records(run, county.v21)] == [people.f.pk]


def test_a_cadre_holds_a_post_the_rule_names_on_the_as_of_day(assessed):
    """A group leader studies the plain 32 hours a year; a deputy secretary the cadre's 56; a secretary whose post
    ended before the as-of day the plain 32; a committee member whose post begins after it the plain 32."""
    county = assessed
    leader, deputy, former = Member.objects.filter(organization=county.v11, posts__isnull=True).order_by("pk")
    newcomer = Member.objects.filter(organization=county.v12, posts__isnull=True).order_by("pk")[0]
    day = dt.date(YEAR, 1, 1)
    Post.objects.create(member=leader, organization=county.g111, title="group_leader", started_on=day)
    Post.objects.create(member=deputy, organization=county.v11, title="deputy_secretary", started_on=day)
    Post.objects.create(
        member=former, organization=county.v11, title="secretary", started_on=day, ended_on=dt.date(YEAR, 5, 1)
    )
    Post.objects.create(member=newcomer, organization=county.v12, title="committee", started_on=dt.date(YEAR, 8, 1))
    for member in (leader, deputy, former, newcomer):
        studied(member, dt.date(YEAR, 3, 1), 20)
    run = _computed(county, asof=dt.date(YEAR, 7, 15))
    cadre = {line.member.pk: line.is_cadre for line in selectors.member_lines(run, county.v11)}
    assert (cadre[leader.pk], cadre[deputy.pk], cadre[former.pk]) == (False, True, False)
    assert not next(line for line in selectors.member_lines(run, county.v12) if line.member == newcomer).is_cadre
    plain, cadre_hours = selectors.study_required(run)
    assert (plain, cadre_hours) == pytest.approx((32 * 196 / DAYS, 56 * 196 / DAYS))
    # Qingshan: its secretary (a cadre, no hours), the leader and the former secretary over the plain plan with 20 h,
    # the deputy 20 h of the cadre's.
    assert _metric(run, county.v11, Metric.STUDY) == pytest.approx((2 + 20 / cadre_hours, 4))
    _agreement(run, dt.date(YEAR, 7, 15))


def test_hours_waiting_for_confirmation_count_and_rejected_ones_do_not(assessed):
    county = assessed
    member = Member.objects.filter(organization=county.v12, posts__isnull=True).order_by("pk")[0]
    studied(member, dt.date(YEAR, 3, 1), 10)
    studied(member, dt.date(YEAR, 4, 1), 6, state="pending")
    studied(member, dt.date(YEAR, 5, 1), 5, state="rejected")
    run = _computed(county)
    (line,) = _lines(run, county.v12, member)
    assert (line.confirmed, line.pending, line.hours) == (10, 6, 16)
    assert _metric(run, county.v12, Metric.STUDY) == pytest.approx((16 / 32, 4))
    rows = selectors.records_for(user=county.users.officer, run=run, organization=county.v12, metric=Metric.STUDY)
    row = next(r for r in rows.rows if r["id"] == member.pk)
    assert row["flag_label"] == "16 of 32 hours"
    assert "10 h confirmed, 6 h waiting for confirmation" in row["details"]
    _agreement(run, END)


def test_records_after_the_as_of_day_do_not_count(assessed):
    """Computed as of 15 July, hours, talks and claims dated after it count no more than the plan that is due by
    then asks for them."""
    county = assessed
    member = Member.objects.filter(organization=county.v12, posts__isnull=True).order_by("pk")[0]
    studied(member, dt.date(YEAR, 3, 1), 4)
    studied(member, dt.date(YEAR, 9, 1), 20)
    year.talked(member, dt.date(YEAR, 10, 1))
    year.claimed(member, dt.date(YEAR, 11, 1))
    run = _computed(county, asof=dt.date(YEAR, 7, 15))
    (line,) = _lines(run, county.v12, member)
    assert (line.hours, line.talked) == (4, False)
    assert _metric(run, county.v12, Metric.CLAIMS)[0] == 0
    _agreement(run, dt.date(YEAR, 7, 15))


@pytest.mark.parametrize("asof", [END, dt.date(YEAR, 7, 15), dt.date(YEAR, 3, 31)])
def test_the_engine_agrees_with_the_per_organization_computation_over_a_year_of_moves(moves, asof):
    """The set-based statements for the members who stayed, the stays of those who moved or left, and the plain
    walk over each organization's members find the same numbers, for the county and for each township."""
    county = moves
    _agreement(_computed(county, asof=asof), asof)
    for township in (county.t1, county.t2):
        run = _computed(county, asof=asof, scope=township)
        branches = (county.v11, county.v12, county.v21, county.v22)
        assert set(_agreement(run, asof)) == {o.pk for o in branches if o.path.startswith(township.path)}


@pytest.mark.django_db(transaction=True)
def test_the_second_connection_leaves_out_the_members_who_moved_alike(default_rules, assessed):
    """Outside a transaction the members statement runs in parts on a second connection: it leaves out the members
    who moved or left as the run's own connection does (their stays are counted once)."""
    county = year.year_of_moves(assessed)
    officer = county.users.officer
    assert "members_elsewhere" in services.run_compute(actor=officer, run=county.run, asof=END)
    _agreement(county.run, END)
    sub = services.run_create(actor=officer, system=county.run.system, period=county.run.period, scope=county.t1)
    assert "members_elsewhere" in services.run_compute(actor=officer, run=sub, asof=END)
    _agreement(sub, END)


def test_a_member_who_leaves_left_today_unless_told_and_one_active_again_has_not(county):
    officer = county.users.officer
    member = county.members["C-T1-V2"]
    today = timezone.localdate()
    assert org_services.member_update(actor=officer, member=member, status="deceased").left_on == today
    assert org_services.member_update(actor=officer, member=member, status="active").left_on is None
    told = org_services.member_update(
        actor=officer, member=member, status="transferred_out", left_on=dt.date(YEAR, 3, 1)
    )
    assert told.left_on == dt.date(YEAR, 3, 1)
    # Another status of one who left keeps the day they left.
    assert org_services.member_update(actor=officer, member=member, status="removed").left_on == dt.date(YEAR, 3, 1)
    with pytest.raises(ValidationError, match="future"):
        org_services.member_update(actor=officer, member=member, left_on=today + dt.timedelta(days=1))


def test_the_migration_dates_the_leaving_of_those_who_left_before_the_day_was_kept(county):
    """The day named by the audited change of status, else that change's day, else the day the record last changed."""
    import importlib

    from django.apps import apps

    from grassroots.core.audit import audit

    officer = county.users.officer
    named, changed, silent = (county.members[code] for code in ("C-T1-V1", "C-T1-V2", "C-T2-V1"))
    org_services.member_update(actor=officer, member=named, status="deceased", left_on=dt.date(YEAR, 5, 1))
    Member.objects.filter(pk=changed.pk).update(status="removed")
    audit(
        "organizations.member.update",
        actor=officer,
        obj=changed,
        before={"status": "active"},
        after={"status": "removed"},
    )
    Member.objects.filter(pk=silent.pk).update(status="transferred_out", updated_at=at_ten(dt.date(YEAR, 9, 9)))
    Member.objects.filter(pk__in=[named.pk, changed.pk]).update(left_on=None)
    importlib.import_module("grassroots.organizations.migrations.0003_member_left_on").backfill(apps, None)
    days = dict(Member.objects.exclude(status="active").values_list("pk", "left_on"))
    assert days == {named.pk: dt.date(YEAR, 5, 1), changed.pk: timezone.localdate(), silent.pk: dt.date(YEAR, 9, 9)}
