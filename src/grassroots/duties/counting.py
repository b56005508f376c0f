"""The roll-up's rule stored on each assignment: `Assignment.counted`, kept equal to the rule by the services that
change what it reads, so that a dashboard counts a subtree's work as a plain aggregate instead of testing every
assignment against the whole table.

The rule (duties.selectors.ROLLUP_RULE): an assignment is counted when it is issued (not a draft, not cancelled),
unless it is a middle one (decomposed into a duty issued further down, whose assignments are the work) that was
neither reported on itself (a report not withdrawn) nor accepted. It depends on the assignment's state, its reports
and the assignments of the duties decomposed from it; whatever changes one of them refreshes the flag of the
assignment and of the one it was decomposed from (`refresh_counted`): saving an assignment or a report (signals
below), and the services' bulk writes (issuing, cancelling, withdrawing a report). No service deletes an assignment
or a report (no delete signal, which would slow every cascade). `rebuild_counted` sets every flag
from the rule (`grassroots rebuild-counted`, and after the demo's bulk generation); the tests prove that it changes
nothing after the services ran.
"""

from django.db.models import Q
from django.db.models.signals import post_save

from .models import Assignment, AssignmentState, Duty, ProgressReport, ReportState
from .signals import assignments_changed

NOT_LIVE = (AssignmentState.DRAFT, AssignmentState.CANCELLED)


def counted_q() -> Q:
    """The rule as a condition on an assignment. Whether it is a middle one is an uncorrelated `IN` over the live
    assignments' duties' sources, and whether a middle one was reported on one over the reports of assignments some
    duty was decomposed from (few): Citus, assignments and reports being distributed, refuses a subquery correlated
    with the assignments."""
    below = (
        Assignment.objects.filter(duty__source_assignment__isnull=False)
        .exclude(state__in=NOT_LIVE)
        .values("duty__source_assignment_id")
    )
    sources = Duty.objects.filter(source_assignment__isnull=False).values("source_assignment_id")
    reported = (
        ProgressReport.objects.filter(assignment_id__in=sources)
        .exclude(state=ReportState.WITHDRAWN)
        .values("assignment_id")
    )
    middle = Q(pk__in=below) & ~Q(pk__in=reported) & ~Q(state=AssignmentState.ACCEPTED)
    return ~Q(state__in=NOT_LIVE) & ~middle


def counted_among(ids) -> set[int]:
    """Which of these assignments the rule counts, read with plain selects bounded by the ids (no correlated
    subquery, no update joining another table: the statements a distributed database such as Citus runs alike)."""
    ids = list(ids)
    live = dict(Assignment.objects.filter(pk__in=ids).exclude(state__in=NOT_LIVE).values_list("pk", "state"))
    middles = set(
        Assignment.objects.filter(duty__source_assignment_id__in=list(live))
        .exclude(state__in=NOT_LIVE)
        .values_list("duty__source_assignment_id", flat=True)
    )
    reported = set()
    if middles:
        reported = set(
            ProgressReport.objects.filter(assignment_id__in=list(middles))
            .exclude(state=ReportState.WITHDRAWN)
            .values_list("assignment_id", flat=True)
        )
    return {
        pk
        for pk, state in live.items()
        if not (pk in middles and pk not in reported and state != AssignmentState.ACCEPTED)
    }


def _store(chunk) -> set[int]:
    """Set the flag of these assignments from the rule; returns those whose flag changed."""
    counted = counted_among(chunk)
    rest = set(chunk) - counted
    wrong = list(
        Assignment.objects.filter(Q(pk__in=list(counted), counted=False) | Q(pk__in=list(rest), counted=True))
        .order_by()
        .values_list("pk", flat=True)
    )
    if wrong:
        flip = set(wrong)
        Assignment.objects.filter(pk__in=sorted(flip & counted)).update(counted=True)
        Assignment.objects.filter(pk__in=sorted(flip & rest)).update(counted=False)
    return set(wrong)


CHUNK = 2000


def refresh_counted(assignment_ids=(), duty_ids=(), *, announce_all: bool = True) -> int:
    """Set the flag from the rule on these assignments (and those of these duties) and on the assignments they were
    decomposed from; returns how many flags changed. The figures kept from them hear of them all, or, with
    `announce_all=False` (nothing else of theirs changed), of those whose flag changed."""
    ids = {int(pk) for pk in assignment_ids if pk is not None}
    duty_ids = [int(pk) for pk in duty_ids if pk is not None]
    if duty_ids:
        ids.update(Assignment.objects.filter(duty_id__in=duty_ids).values_list("pk", flat=True))
    if not ids and not duty_ids:
        return 0
    sources = set(
        Duty.objects.filter(Q(assignments__pk__in=ids) | Q(pk__in=duty_ids), source_assignment__isnull=False)
        .values_list("source_assignment_id", flat=True)
        .distinct()
    )
    ids |= sources
    ordered = sorted(ids)
    changed = set().union(*(_store(ordered[start : start + CHUNK]) for start in range(0, len(ordered), CHUNK)))
    told = ordered if announce_all else sorted(changed)
    if told:
        assignments_changed.send(sender=Assignment, ids=told)  # figures kept from them (the dashboards' totals)
    return len(changed)


def rebuild_counted() -> int:
    """Set every assignment's flag from the rule, a chunk of ids at a time; returns how many changed (none when the
    services kept them)."""
    changed, last = 0, 0
    while True:
        chunk = list(Assignment.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not chunk:
            return changed
        changed += len(_store(chunk))
        last = chunk[-1]


def _assignment_saved(sender, instance, created=False, **kwargs):
    # A save that moved the state only between open ones (reported, returned...) changes neither its flag nor the
    # figures kept from it; every other save counts again.
    unchanged = not created and instance.rollup_unchanged()
    instance.remember_rollup()
    if not unchanged:
        refresh_counted([instance.pk])


def _report_changed(sender, instance, **kwargs):
    # A report can change only the flag of its own assignment, and only of a middle one (decomposed into a duty
    # issued below; a report changes no state, and no source's rule reads the reports below it): one select says
    # whether it is one, instead of reading the whole rule. The figures hear of it when the flag changed.
    below = Assignment.objects.filter(duty__source_assignment_id=instance.assignment_id).exclude(state__in=NOT_LIVE)
    if below.exists():
        refresh_counted([instance.assignment_id], announce_all=False)


def connect() -> None:
    post_save.connect(_assignment_saved, sender=Assignment, dispatch_uid="duties.counted.assignment")
    post_save.connect(_report_changed, sender=ProgressReport, dispatch_uid="duties.counted.report")
