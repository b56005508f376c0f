"""The engine's run: the stages in order, timed, on one connection or two."""

import queue
import time
from concurrent.futures import ThreadPoolExecutor

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from ..models import (
    AssessmentRun,
    Result,
    ValueSheet,
)
from .base import Context, _analyze, _drop_work_tables, _settings, _work_tables, outside_used
from .rollup import _assessed, _roll_up
from .scoring import _group_scores, _leaf_scores, _sheet, _topsis_and_sensitivity, _totals, _tree, _veto_reasons
from .store import _store_results, _store_sheets
from .totals import (
    _care_and_vetoes,
    _duty_totals,
    _meeting_totals,
    _member_parts,
    _member_query,
    _member_rows,
    _members_elsewhere,
    _objective_totals,
    _offered_totals,
    _outside_totals,
    _take,
    members_moved,
    study_required,
)


def _quiet(stage, done: int, total: int) -> None:
    pass


# What each stage is called on a page that shows the computing's progress (core.jobs); the others keep the last.
STAGE_WORDS = {
    "scope": gettext_lazy("Finding the organizations and their members"),
    "duties": gettext_lazy("Counting duties and reports"),
    "meetings": gettext_lazy("Counting meetings"),
    "members": gettext_lazy("Counting members' study, talks and claims"),
    "roll_up": gettext_lazy("Adding up each level"),
    "leaves": gettext_lazy("Scoring the indicators"),
    "results": gettext_lazy("Totals and grades"),
    "store": gettext_lazy("Saving the value sheets"),
    "store_results": gettext_lazy("Saving the results"),
}
STAGES = 18  # the stages _compute times, in order


def compute(run: AssessmentRun, *, asof=None, vetoes_at=None, concurrent: bool = False, progress=_quiet) -> dict:
    """Compute a run's values and results (the caller checks that it is not closed, and moves its state); stores
    the figures of what it wrote on the run (how many assessed, the as-of day, the seconds, the sheets' layout);
    returns timings per stage.

    `vetoes_at`: the moment whose vetoes count (recorded by then and not taken back by then), which the caller
    stores as the run's computed_at so that its explanation lists the same vetoes later; now if not given.

    `concurrent`: run the members statement, the heaviest, in parts on a second connection in a second thread
    while this one reads the other record tables, then takes the parts left. Only for a caller whose transaction
    has written no record the run reads (the second connection sees committed rows only): a service called outside
    any transaction, the command line, the bench; never within a test's transaction or the demo's bulk load.

    `progress(stage, step, steps)` is told each stage as it starts (core.jobs.Progress)."""
    parts = queue.SimpleQueue()
    if not concurrent:
        with transaction.atomic():
            return _compute(run, asof, vetoes_at, None, parts, progress)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="assess") as pool:
        try:
            with transaction.atomic():
                return _compute(run, asof, vetoes_at, pool, parts, progress)
        except BaseException:
            # The run failed: the second connection takes no further part (the pool waits for the one under way).
            while _take(parts) is not None:
                pass
            raise


def _compute(run: AssessmentRun, asof, vetoes_at, pool, parts: queue.SimpleQueue, progress=_quiet) -> dict:
    started = time.perf_counter()
    timings = {}
    period = run.period
    asof = min(asof or timezone.localdate(), period.end)
    ctx = Context.of(run, asof)
    ctx.vetoes_at = vetoes_at or timezone.now()
    system = run.system
    indicators, children = _tree(system)
    ctx.outside = outside_used(indicators)
    required = study_required(ctx)
    moves = members_moved(ctx)  # the few members who moved or left in the period, counted where they were
    helper = None
    if pool:
        for part in _member_parts(ctx):
            parts.put(_member_query(ctx, required, part, moves))
        helper = pool.submit(_members_elsewhere, ctx, parts)
    ValueSheet.objects.filter(run=run).delete()
    Result.objects.filter(run=run).delete()
    _settings()

    said = [STAGE_WORDS["scope"]]

    def stage(name, fn, *args):
        said[0] = STAGE_WORDS.get(name, said[0])
        progress(said[0], len(timings), STAGES)
        t0 = time.perf_counter()
        value = fn(*args)
        timings[name] = time.perf_counter() - t0
        return value

    stage("scope", _work_tables, ctx)
    stage("duties", _duty_totals, ctx, float(system.key_work_weight), float(system.major_task_weight), moves)
    stage("meetings", _meeting_totals, ctx)
    stage("care", _care_and_vetoes, ctx, moves)
    stage("objectives", _objective_totals, ctx)
    stage("offered", _offered_totals, ctx)
    stage("outside", _outside_totals, ctx)
    elsewhere = stage("members", _member_rows, ctx, required, parts, helper, moves)
    if elsewhere is not None:
        timings["members_elsewhere"] = elsewhere
    stage("assessed", _assessed, ctx)
    _analyze("tmp_assessed")
    stage("roll_up", _roll_up, ctx)
    sheet, totals = stage("fetch", _sheet, ctx, indicators)
    stage("leaves", _leaf_scores, ctx, sheet, totals, indicators)
    stage("groups", _group_scores, sheet, children)
    outcome = stage("results", _totals, sheet, indicators, children)
    if pool:
        # TOPSIS and the sensitivity (numpy only) in the second thread while this one writes the value sheets.
        figures = pool.submit(_topsis_and_sensitivity, sheet, outcome, children)
        stage("store", _store_sheets, ctx, sheet)
        figures = stage("topsis", figures.result)
    else:
        figures = stage("topsis", _topsis_and_sensitivity, sheet, outcome, children)
        stage("store", _store_sheets, ctx, sheet)
    reasons = stage("veto_reasons", _veto_reasons, ctx, sheet, outcome, indicators)
    stage("store_results", _store_results, ctx, sheet, outcome, figures, reasons)
    _drop_work_tables(ctx)
    run.assessed_count = Result.objects.filter(run=run).count()
    run.asof = asof
    run.computed_seconds = time.perf_counter() - started
    run.save(update_fields=["assessed_count", "asof", "computed_seconds", "sheet_layout", "updated_at"])
    timings["total"] = run.computed_seconds
    return timings
