"""The assessment engine on a small county: every score explained by its records, vetoes, ranks, freezing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from grassroots.assessment import defaults, services
from grassroots.assessment.models import EnteredValue, Indicator, Result, RunState, ValueSheet
from grassroots.core.errors import Conflict
from grassroots.organizations.models import Organization
from tests.assessment.year import END, YEAR
from tests.factories import MemberFactory


def test_default_system_weights_come_from_a_consistent_ahp_matrix(county):
    branch, secretary = defaults.install(actor=county.users.officer, owner=county.county)
    top = [i for i in branch.indicators.filter(parent__isnull=True) if not i.is_adjustment]
    assert abs(sum(float(i.weight) for i in top) - 1) < 1e-6
    political = next(i for i in top if i.code == "P")
    assert float(political.weight) == max(float(i.weight) for i in top)


def test_an_inconsistent_matrix_is_refused_with_the_pairs_to_revisit(county):
    branch, _ = defaults.install(actor=county.users.officer, owner=county.county)
    inconsistent = ["9", "1/9", "9", "9", "9", "1/9", "9", "1/9", "9", "9", "1/9", "9", "9", "1/9", "9"]
    check = services.ahp_check(inconsistent, ["a", "b", "c", "d", "e", "f"])
    assert not check["consistent"] and check["pairs"]
    with pytest.raises(ValidationError, match="Revisit"):
        services.set_ahp_weights(
            actor=county.users.officer,
            indicator_group=None,
            upper=inconsistent,
            system=services.system_new_version(actor=county.users.officer, system=branch),
        )


def test_weights_entered_directly_must_add_up_to_one(county):
    branch, _ = defaults.install(actor=county.users.officer, owner=county.county)
    branch.state = "draft"
    branch.save()
    group = branch.indicators.get(code="D")
    kids = {k.pk: 0.5 for k in group.children.all()}
    first = next(iter(kids))
    kids[first] = 0.7
    with pytest.raises(ValidationError, match="add up"):
        services.set_direct_weights(actor=county.users.officer, system=branch, parent=group, weights=kids)


def test_scores_grades_ranks_and_the_veto(assessed):
    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    results = {r.organization.code: r for r in Result.objects.filter(run=assessed.run).select_related("organization")}
    assert set(results) == {"C-T1-V1", "C-T1-V2", "C-T2-V1", "C-T2-V2"}
    best = results["C-T1-V1"]
    assert best.rank_level == 1 and best.rank_siblings == 1 and not best.vetoed
    # An overdue key duty costs points in the weighted leaves that count it, once: no deduction counts it again.
    assert results["C-T1-V2"].weighted < best.weighted and results["C-T1-V2"].deductions == 0
    baishi = results["C-T2-V1"]
    assert baishi.vetoed and baishi.grade == "poor" and "村支委严重违纪" in baishi.veto_reason
    assert baishi.rank_level == 4
    assert all(r.closeness is not None and r.rank_low <= r.rank_high for r in results.values())


def test_a_veto_event_in_a_group_vetoes_its_branch_and_says_why(assessed):
    officer = assessed.users.officer
    group = Organization.objects.get(parent=assessed.v11, kind="group")
    services.veto_record(
        actor=officer,
        period=assessed.run.period,
        organization=group,
        reason="小组长违纪",
        occurred_on=dt.date(YEAR, 5, 1),
    )
    services.run_compute(actor=officer, run=assessed.run, asof=END)
    qingshan = Result.objects.get(run=assessed.run, organization=assessed.v11)
    assert qingshan.vetoed and qingshan.veto_reason == "小组长违纪"
    assert Result.objects.get(run=assessed.run, organization=assessed.v21).veto_reason == "村支委严重违纪"


def _values(run) -> dict:
    """Every indicator value of a run, by (organization id, indicator id), from its value sheets."""
    return {
        (sheet.organization_id, indicator): value
        for sheet in ValueSheet.objects.filter(run=run).select_related("run")
        for indicator, value in sheet.indicator_values().items()
    }


def _value(run, organization, code):
    return _values(run)[organization.pk, Indicator.objects.get(system=run.system, code=code).pk]


def test_every_computed_score_is_explained_by_its_numerator_and_denominator(assessed):
    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    meetings = _value(assessed.run, assessed.v12, "O1")
    # Liuwan held 6 theme days of the 12 required, and no other meeting of the required kinds.
    assert meetings.numerator == 6 and meetings.denominator > 12
    completion = _value(assessed.run, assessed.v11, "S1")
    assert completion.score == 100.0 and completion.numerator == completion.denominator
    # Claims counted against the members: two active claims of Qingshan's four members, one of Dongtou's.
    claims = _value(assessed.run, assessed.v11, "S2")
    assert (claims.numerator, claims.denominator) == (2, 4)
    assert _value(assessed.run, assessed.v21, "S2").numerator == 1


def test_a_closed_assessment_is_frozen_and_recomputing_makes_a_new_version(assessed):
    officer = assessed.users.officer
    services.run_compute(actor=officer, run=assessed.run, asof=END)
    services.run_publish(actor=officer, run=assessed.run)
    services.run_close(actor=officer, run=assessed.run)
    before = list(Result.objects.filter(run=assessed.run).values_list("organization_id", "score"))
    with pytest.raises(Conflict, match="frozen"):
        services.run_compute(actor=officer, run=assessed.run, asof=END)
    new = services.run_recompute(actor=officer, run=assessed.run, asof=END)
    assert new.version == 2 and new.state == RunState.COMPUTED
    assert list(Result.objects.filter(run=assessed.run).values_list("organization_id", "score")) == before


def test_one_time_rating_links_rate_once(assessed):
    officer = assessed.users.officer
    links = services.tokens_issue(actor=officer, run=assessed.run, kind="masses", organization=assessed.v11, count=4)
    questions = services.qualitative_indicators(assessed.run)
    grades = {q.pk: "excellent" for q in questions}
    for link in (links[0], links[2], links[3]):  # three raters, the fewest a group's opinion needs
        assert services.rating_submit(secret=link, grades=grades) == len(questions)
    with pytest.raises(Conflict, match="already been used"):
        services.rating_submit(secret=links[0], grades=grades)
    with pytest.raises(ValidationError):
        services.rating_submit(secret=links[1], grades={q.pk: "splendid" for q in questions})
    with pytest.raises(ValidationError, match="not valid"):
        services.rating_submit(secret="made-up", grades=grades)
    services.run_compute(actor=officer, run=assessed.run, asof=END)
    rated = _value(assessed.run, assessed.v11, "W1")
    assert rated.score == 100.0  # the top grade reaches the top of the scale


def test_the_assess_command_computes_and_prints_the_grades(assessed, capsys):
    from grassroots.cli import main

    assert main(["assess", str(YEAR), "--org", "C", "--as", "officer"]) == 0
    out = capsys.readouterr().out
    assert "4 organizations assessed" in out and "poor" in out
    assert main(["assess", "1850", "--as", "officer"]) == 1


def test_the_assess_command_run_as_a_member_is_refused_said_and_recorded(assessed, capsys):
    from grassroots.cli import main
    from grassroots.core.models import AuditEntry, AuditResult

    assert main(["assess", str(YEAR), "--org", "C", "--as", "member"]) == 1
    assert "refused:" in capsys.readouterr().err
    [entry] = AuditEntry.objects.filter(result=AuditResult.REFUSED)
    assert entry.action == "core.refused" and entry.actor_id == assessed.users.member.pk
    assert entry.after["command"] == "assess" and entry.after["console"] is True
    assert entry.after["policy_action"]


def _agreement(run, asof):
    """Every value and result of the engine against the per-organization reference computation."""
    from grassroots.assessment import reference

    run.refresh_from_db()
    outcomes = reference.assess(run, reference.assessed_organizations(run), asof=asof)
    values = _values(run)
    results = {r.organization_id: r for r in Result.objects.filter(run=run)}
    assert set(results) == set(outcomes)
    for org, outcome in outcomes.items():
        result = results[org]
        assert (result.grade, result.vetoed, result.not_assessed) == (
            outcome.grade,
            outcome.vetoed,
            outcome.not_assessed,
        ), org
        for name in ("weighted", "deductions", "bonus", "score", "coverage"):
            assert getattr(result, name) == pytest.approx(getattr(outcome, name)), (org, name)
        assert {i for (o, i) in values if o == org} == set(outcome.values), org
        for indicator, (num, den, _raw, score, status) in outcome.values.items():
            value = values[(org, indicator)]
            assert (value.numerator, value.denominator, value.score, value.status) == pytest.approx(
                (num, den, score, status)
            ), (org, indicator)
    return outcomes


@pytest.mark.parametrize("asof", [END, dt.date(YEAR, 7, 15)])
def test_the_engine_agrees_with_the_per_organization_computation(assessed, asof):
    """The set-based SQL and the plain ORM walk over each organization's records find the same numbers."""
    officer = assessed.users.officer
    run = assessed.run
    links = services.tokens_issue(actor=officer, run=run, kind="masses", organization=assessed.v12, count=2)
    questions = services.qualitative_indicators(run)
    services.rating_submit(secret=links[0], grades={q.pk: "good" for q in questions})
    services.rating_submit(secret=links[1], grades={q.pk: "fair" for q in questions})
    bonus = run.system.indicators.get(code="B1")  # a bonus given by hand, above its cap (as stored before the
    # service refused that): the engine caps it
    with pytest.raises(ValidationError, match="at most 5 points"):
        services.entered_value_set(actor=officer, run=run, organization=assessed.v11, indicator=bonus, value=9)
    EnteredValue.objects.create(run=run, organization=assessed.v11, indicator=bonus, value=9, entered_by=officer)
    services.run_compute(actor=officer, run=run, asof=asof)
    outcomes = _agreement(run, asof)
    assert outcomes[assessed.v21.pk].vetoed and not outcomes[assessed.v11.pk].vetoed
    assert 0 < outcomes[assessed.v11.pk].bonus < 9
    rated = [i for i, (votes, *_rest) in outcomes[assessed.v12.pk].values.items() if i in {q.pk for q in questions}]
    assert rated  # the ratings were counted on both sides


def test_the_engine_agrees_on_a_subtree(assessed):
    officer = assessed.users.officer
    sub = services.run_create(actor=officer, system=assessed.run.system, period=assessed.run.period, scope=assessed.t1)
    services.run_compute(actor=officer, run=sub, asof=END)
    assert {o for o in _agreement(sub, END)} == {assessed.v11.pk, assessed.v12.pk}


@pytest.mark.django_db
def test_columns_of_numbers_reach_the_database_as_written():
    """The engine's bulk writer (binary COPY on PostgreSQL, executemany on SQLite): integers, floats, NaN as NULL,
    rows with different NULLs in their given order."""
    import numpy as np
    from django.db import connection

    from grassroots.assessment.engine import store as engine

    engine._exec("CREATE TEMPORARY TABLE tmp_test_columns (k bigint, a float, b float)")
    try:
        keys = np.array([3, 1, 2, 2**40], dtype=np.int64)
        a = np.array([0.1, np.nan, -2.5, 1e300])
        b = np.array([np.nan, np.nan, 7.0, 1 / 3])
        engine._insert_columns("tmp_test_columns", ["k", "a", "b"], [keys, a, b])
        engine._insert_columns("tmp_test_columns", ["k", "a", "b"], [keys[:0], a[:0], b[:0]])  # nothing: no error
        with connection.cursor() as cursor:
            cursor.execute("SELECT k, a, b FROM tmp_test_columns")
            rows = cursor.fetchall()
    finally:
        engine._exec("DROP TABLE tmp_test_columns")
    assert sorted(rows) == sorted([(3, 0.1, None), (1, None, None), (2, -2.5, 7.0), (2**40, 1e300, 1 / 3)])


@pytest.mark.django_db
def test_many_rows_with_mixed_nulls_reach_the_database_whole():
    """Thousands of rows, NULLs at random, written in chunks of a few rows (PostgreSQL lays each NULL pattern out
    as its own block and streams them chunk by chunk): every row arrives once, every value intact."""
    import numpy as np
    from django.db import connection

    from grassroots.assessment.engine import store as engine

    rng = np.random.default_rng(7)
    n = 5000
    keys = np.arange(n, dtype=np.int64) * 3
    a, b = rng.normal(size=n), rng.normal(size=n)
    a[rng.random(n) < 0.3] = np.nan
    b[rng.random(n) < 0.5] = np.nan
    engine._exec("CREATE TEMPORARY TABLE tmp_test_columns (k bigint, a float, b float)")
    try:
        if connection.vendor == "postgresql":
            engine._copy_binary("tmp_test_columns", ["k", "a", "b"], [keys, a, b], chunk=7)
        else:
            engine._insert_columns("tmp_test_columns", ["k", "a", "b"], [keys, a, b])
        with connection.cursor() as cursor:
            cursor.execute("SELECT k, a, b FROM tmp_test_columns ORDER BY k")
            rows = cursor.fetchall()
    finally:
        engine._exec("DROP TABLE tmp_test_columns")
    expected = [
        (int(k), None if x != x else float(x), None if y != y else float(y)) for k, x, y in zip(keys, a, b, strict=True)
    ]
    assert rows == expected


def test_a_system_without_weighted_indicators_at_its_top_level_is_refused(county):
    """The engine weighs the top level; a system with nothing there (or only deductions) is refused when made."""
    officer = county.users.officer
    deduction = {"code": "D", "name": "扣分", "kind": "deduction", "metric": "overdue_key", "points": 1, "cap": 5}
    for spec in ([], [deduction]):
        with pytest.raises(ValidationError, match="at least one weighted indicator at its top level"):
            services.system_create(actor=officer, owner=county.county, code="empty", name="空", spec=spec)


def _system_run(assessed, code, spec):
    officer = assessed.users.officer
    system = services.system_create(actor=officer, owner=assessed.county, code=code, name=code, spec=spec)
    services.system_activate(actor=officer, system=system)
    return services.run_create(actor=officer, system=system, period=assessed.run.period, scope=assessed.county)


COMPLETION = {"code": "C1", "name": "完成率", "kind": "computed", "metric": "completion", "weight": 1}


def test_an_indicator_counted_from_records_keeps_its_count_over_entered_values_and_ratings(assessed):
    """A veto counted from records is the count, whatever is entered for it or however it is rated; the entered
    values and ratings of other organizations do not take its place either."""
    officer = assessed.users.officer
    run = _system_run(
        assessed,
        "veto-kinds",
        [
            COMPLETION,
            {"code": "EV", "name": "录入否决", "kind": "entered", "metric": "unexcused", "is_veto": True},
            {"code": "QV", "name": "评议否决", "kind": "qualitative", "metric": "unexcused", "is_veto": True},
        ],
    )
    ev, qv = run.system.indicators.get(code="EV"), run.system.indicators.get(code="QV")
    services.entered_value_set(actor=officer, run=run, organization=assessed.v11, indicator=ev, value=5)
    link = services.tokens_issue(actor=officer, run=run, kind="masses", organization=assessed.v12, count=1)[0]
    services.rating_submit(secret=link, grades={qv.pk: "good"})
    services.run_compute(actor=officer, run=run, asof=END)
    outcomes = _agreement(run, END)
    assert not any(o.vetoed for o in outcomes.values())  # nobody was absent without leave
    assert not Result.objects.filter(run=run, vetoed=True).exists()


def test_an_even_score_is_graded_by_its_band_whatever_the_weights(assessed):
    """Three entered 90s weighted 0.01, 0.42 and 0.57 make 90, graded excellent (the weighted sum is kept clear of
    rounding errors before it is graded)."""
    officer = assessed.users.officer
    spec = [
        {"code": f"E{i}", "name": f"录入{i}", "kind": "entered", "weight": w} for i, w in enumerate((0.01, 0.42, 0.57))
    ]
    run = _system_run(assessed, "even", spec)
    for indicator in run.system.indicators.all():
        services.entered_value_set(actor=officer, run=run, organization=assessed.v11, indicator=indicator, value=90)
    services.run_compute(actor=officer, run=run, asof=END)
    result = Result.objects.get(run=run, organization=assessed.v11)
    assert (result.score, result.grade) == (90.0, "excellent")
    _agreement(run, END)


@pytest.mark.parametrize("asof", [END, dt.date(YEAR, 7, 15)])
def test_meeting_rules_set_in_the_tree_override_the_default_nearest_first(assessed, asof):
    """Township 1 asks for two theme days a month (one of its villages for one again: the nearest rule wins) and for
    lectures of its party groups only (none of its branches); township 2 asks for an organizational life meeting
    every quarter (the yearly default requires none by mid-year) and alone for general meetings, whose default is
    gone. Engine and reference agree, for the county and for subtrees under the rules."""
    from grassroots.orglife.models import MeetingRule

    MeetingRule.objects.create(kind="theme_day", organization=assessed.t1, count=2, per="month")
    MeetingRule.objects.create(kind="theme_day", organization=assessed.v11, count=1, per="month")
    MeetingRule.objects.create(kind="lecture", organization=assessed.t1, count=1, per="month", applies_to_groups=True)
    MeetingRule.objects.create(kind="org_life", organization=assessed.t2, count=1, per="quarter")
    MeetingRule.objects.filter(kind="general", organization=None).delete()
    MeetingRule.objects.create(kind="general", organization=assessed.t2, count=1, per="quarter")
    spec = [{"code": "M", "name": "会议", "kind": "computed", "metric": "meetings", "weight": 1}]
    run = _system_run(assessed, "meetings", spec)
    officer = assessed.users.officer
    services.run_compute(actor=officer, run=run, asof=asof)
    _agreement(run, asof)
    codes = dict(Organization.objects.values_list("pk", "code"))
    required = {codes[org]: value.denominator for (org, _indicator), value in _values(run).items()}
    months, quarters, year = (12, 4, 1) if asof == END else (6, 2, 0)
    # Qingshan: theme day (its own rule), organizational life; its party group: the group meeting and the township's
    # lectures. No committee meeting: with fewer than 7 members the branch has no committee.
    assert required["C-T1-V1"] == months + year + (months + months)
    assert required["C-T1-V2"] == 2 * months + year
    # general (the township's rule), lecture (default), theme day, organizational life (the township's)
    assert required["C-T2-V1"] == quarters + quarters + months + quarters
    # Seven members make a committee, which meets monthly.
    MemberFactory.create_batch(7 - assessed.v22.members.count(), organization=assessed.v22)
    services.run_compute(actor=officer, run=run, asof=asof)
    _agreement(run, asof)
    required = {codes[org]: value.denominator for (org, _indicator), value in _values(run).items()}
    assert required["C-T2-V2"] == quarters + months + quarters + months + quarters
    for scope in (assessed.t2, assessed.v11):
        sub = services.run_create(actor=officer, system=run.system, period=run.period, scope=scope)
        services.run_compute(actor=officer, run=sub, asof=asof)
        _agreement(sub, asof)


def test_inside_a_transaction_the_members_are_read_on_the_runs_own_connection(assessed):
    """A test's records are not committed: a second connection would not see them, so the service reads them all on
    the run's connection."""
    timings = services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    assert "members_elsewhere" not in timings


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_members_are_read_on_a_second_connection_alike(default_rules, assessed):
    """Called outside any transaction (from a page, the API, the command line) with every record committed, the
    service reads the members on a second connection in a second thread while the run's reads the rest; the scores
    are the reference's, for the whole county and for a subtree (whose scope the second connection makes again)."""
    from django.db import connection

    from grassroots.organizations.models import Member
    from grassroots.orglife.models import StudyRecord, Talk

    assert not connection.in_atomic_block  # this test's records are committed
    # Study hours from 3 to 22 (some members short of the plan, some over it, one record not confirmed) and talks
    # with every other member, so that each column the second connection reads counts.
    for i, member in enumerate(Member.objects.order_by("pk")):
        StudyRecord.objects.create(
            member=member, title="学习", studied_on=dt.date(YEAR, 3, 1), hours=3 + i % 20, state="confirmed"
        )
        StudyRecord.objects.create(
            member=member, title="学习", studied_on=dt.date(YEAR, 4, 1), hours=5, state="pending"
        )
        if i % 2:
            Talk.objects.create(member=member, talked_on=dt.date(YEAR, 5, 1), topic="谈心")
    officer = assessed.users.officer
    assert "members_elsewhere" in services.run_compute(actor=officer, run=assessed.run, asof=END)
    _agreement(assessed.run, END)
    sub = services.run_create(actor=officer, system=assessed.run.system, period=assessed.run.period, scope=assessed.t1)
    assert "members_elsewhere" in services.run_compute(actor=officer, run=sub, asof=END)
    assert {o for o in _agreement(sub, END)} == {assessed.v11.pk, assessed.v12.pk}


@pytest.mark.django_db(transaction=True)
def test_the_values_move_between_rows_and_sheets_with_the_migration(default_rules, assessed):
    """Migration 0007 packs the values of runs computed before it into value sheets, and unpacks them back into rows
    on the way down (where the sheets go): the same values either way."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    services.run_compute(actor=assessed.users.officer, run=assessed.run, asof=END)
    before = _values(assessed.run)
    assert len(before) > 40
    rows = ("assessment", "0006_results_without_checked_foreign_keys")
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # back to where every app was (later migrations included)
    executor.migrate([rows])
    try:
        old = MigrationExecutor(connection).loader.project_state([rows]).apps
        stored = {
            (v.organization_id, v.indicator_id): (v.numerator, v.denominator, v.raw, v.score)
            for v in old.get_model("assessment", "IndicatorValue").objects.all()
        }
        # (Rows keep scores: the values without one, which only sheets keep with their status, are not rows.)
        assert stored == {
            key: (v.numerator, v.denominator, v.raw, v.score) for key, v in before.items() if v.score is not None
        }
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    # Back in sheets, the values with scores as they were (the rows kept no statuses: read as scored).
    numbers = {k: (v.numerator, v.denominator, v.raw, v.score) for k, v in before.items() if v.score is not None}
    assert {k: (v.numerator, v.denominator, v.raw, v.score) for k, v in _values(assessed.run).items()} == numbers


def test_a_sheet_keeps_only_the_fields_some_organization_has_and_reads_back_as_written():
    import numpy as np

    from grassroots.assessment.models import pack_sheets, unpack_sheet

    nan = np.nan
    group = np.array([[nan, nan, nan, 80.0, nan], [nan, nan, nan, 70.0, nan]])  # a score only
    # The second organization has no value; the first is scored (status 0).
    computed = np.array([[3.0, 4.0, 0.75, 75.0, 0.0], [nan, nan, nan, nan, nan]])
    # A status without a score: the indicator does not apply to the first (1), nothing recorded at the second (2).
    rated = np.array([[nan, nan, nan, nan, 1.0], [nan, nan, nan, 0.0, 2.0]])
    layout, sheets = pack_sheets({7: computed, 3: group, 9: rated}, 2)
    assert layout == [[3, "s"], [7, "ndrst"], [9, "st"]]
    assert sheets.shape == (2, 8 * 8)
    first, second = (unpack_sheet(layout, row.tobytes()) for row in sheets)
    assert (first[3].score, first[3].numerator, first[3].status) == (80.0, None, "scored")
    assert (first[7].numerator, first[7].denominator, first[7].raw, first[7].score) == (3.0, 4.0, 0.75, 75.0)
    assert (first[9].score, first[9].status) == (None, "not_applicable")
    assert (second[9].score, second[9].status) == (0.0, "no_data")
    assert set(second) == {3, 9}
    assert unpack_sheet(layout, b"") == {} and unpack_sheet([], sheets[0].tobytes()) == {}
    layout, sheets = pack_sheets({}, 3)  # nothing has a value yet: three empty sheets
    assert layout == [] and sheets.shape == (3, 0) and unpack_sheet(layout, sheets[1].tobytes()) == {}


def test_a_system_of_entered_values_computes_before_anything_is_entered(assessed):
    """Nothing entered yet: every organization has a result (0, the lowest grade), its value nothing recorded."""
    run = _system_run(assessed, "entered-only", [{"code": "E1", "name": "录入", "kind": "entered", "weight": 1}])
    services.run_compute(actor=assessed.users.officer, run=run, asof=END)
    run.refresh_from_db()
    results = Result.objects.filter(run=run)
    assert results.count() == 4 and {r.score for r in results} == {0.0}
    # Each value is there, with nothing recorded: 0 and flagged.
    assert {(v.score, v.status) for v in _values(run).values()} == {(0.0, "no_data")}
    assert ValueSheet.objects.filter(run=run).count() == 4
