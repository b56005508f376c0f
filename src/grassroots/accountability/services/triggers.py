"""The rules of pursuit run over the records (`grassroots pursue`): each condition found opens one case, however
often the rules run (its key); the rules in force for each organization decide whether and from what threshold."""

import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db.models import Count, Max, Q, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from grassroots.assessment.models import AssessmentRun, Grade, Result, VetoEvent
from grassroots.core.notify import notify
from grassroots.core.periods import period_for
from grassroots.duties import services as duties
from grassroots.duties.models import OPEN_STATES, Assignment, ProgressReport, ReportState
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, ancestor_paths
from grassroots.orglife.models import CareCase, RecordState, StudyPlan, StudyRecord

from ..models import Rectification, Trigger
from .cases import open_automatically
from .rules import RuleBook

# Study is judged against the plan from this many days into the year (too little has passed before).
STUDY_FROM_DAY = 90


def _deciding_for(assignment: Assignment) -> Organization | None:
    """Who decides a case on an assignment: the organization that issued it, else the one above the receiver."""
    if assignment.duty.organization_id != assignment.organization_id:
        return assignment.duty.organization
    return assignment.organization.parent


def _period_of(assignment: Assignment):
    return assignment.duty.duty_list.period or period_for(str(assignment.due_on.year))


def _link(label: str, name: str, *args) -> dict:
    return {"label": label, "url": reverse(name, args=args)}


def _overdue_key(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """Key work and major tasks overdue beyond the threshold (days), not accepted."""
    lowest = book.lowest(Trigger.OVERDUE_KEY)
    rows = (
        Assignment.objects.filter(
            Q(duty__is_key=True) | Q(duty__is_major=True),
            state__in=OPEN_STATES,
            due_on__lt=date - dt.timedelta(days=lowest),
            rectification__isnull=True,
        )
        .select_related("duty__organization", "duty__duty_list__period", "organization__parent", "responsible")
        .order_by("due_on", "id")
    )
    rows = list(rows)
    secretaries = _secretaries(a.organization for a in rows)
    for a in rows:
        enabled, threshold = book.rule(Trigger.OVERDUE_KEY, a.organization.path)
        days = (date - a.due_on).days
        deciding = _deciding_for(a)
        if not enabled or days <= threshold or deciding is None:
            continue
        yield {
            "key": f"overdue_key:assignment:{a.pk}",
            "trigger": Trigger.OVERDUE_KEY,
            "organization": a.organization,
            "deciding": deciding,
            "period": _period_of(a),
            "title": _("Key work overdue: %(duty)s") % {"duty": a.duty.title},
            "facts": _("Due on %(due)s and not accepted: %(days)s days overdue on %(date)s, %(percent)s%% done.")
            % {"due": a.due_on.isoformat(), "days": days, "date": date.isoformat(), "percent": a.percent},
            "evidence": [_link(a.duty.title, "duties:assignment", a.pk)],
            "person": a.responsible or secretaries.get(a.organization_id),
            "assignment": a,
        }


def _returned(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """The reports on one assignment returned more often than the threshold."""
    lowest = book.lowest(Trigger.RETURNED)
    counts = dict(
        ProgressReport.objects.filter(state=ReportState.RETURNED)
        .values_list("assignment")
        .annotate(n=Count("id"))
        .filter(n__gt=lowest)
        .order_by()
    )
    rows = Assignment.objects.filter(pk__in=list(counts)).select_related(
        "duty__organization", "duty__duty_list__period", "organization__parent", "responsible"
    )
    rows = list(rows.order_by("id"))
    secretaries = _secretaries(a.organization for a in rows)
    for a in rows:
        enabled, threshold = book.rule(Trigger.RETURNED, a.organization.path)
        deciding = _deciding_for(a)
        if not enabled or counts[a.pk] <= threshold or deciding is None:
            continue
        yield {
            "key": f"returned:assignment:{a.pk}",
            "trigger": Trigger.RETURNED,
            "organization": a.organization,
            "deciding": deciding,
            "period": _period_of(a),
            "title": _("Reports returned again and again: %(duty)s") % {"duty": a.duty.title},
            "facts": _("The reports on this assignment were returned %(n)s times.") % {"n": counts[a.pk]},
            "evidence": [_link(a.duty.title, "duties:assignment", a.pk)],
            "person": a.responsible or secretaries.get(a.organization_id),
            "assignment": a,
        }


def _secretaries(orgs) -> dict[int, Member]:
    return duties.secretaries_of([o.pk for o in orgs])


def _vetoes(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """Each veto event in force."""
    events = list(VetoEvent.objects.in_force().select_related("organization__parent", "period").order_by("id"))
    secretaries = _secretaries(e.organization for e in events)
    for event in events:
        org = event.organization
        enabled, _threshold = book.rule(Trigger.VETO, org.path)
        if not enabled or org.parent is None:
            continue
        yield {
            "key": f"veto:{event.pk}",
            "trigger": Trigger.VETO,
            "organization": org,
            "deciding": org.parent,
            "period": event.period,
            "title": _("A veto recorded: %(reason)s") % {"reason": event.reason},
            "facts": _("Recorded as occurred on %(day)s: %(reason)s")
            % {"day": event.occurred_on.isoformat(), "reason": event.reason},
            "person": secretaries.get(org.pk),
        }


def _final_results(grade: str):
    return (
        Result.objects.filter(run__in=AssessmentRun.objects.final(), grade=grade, vetoed=False)
        .select_related("organization", "run__system", "run__period", "run__scope")
        .order_by("run_id", "organization_id")
    )


def _graded(trigger: str, result: Result, title: str, facts: str, secretaries: dict) -> dict:
    run = result.run
    org = result.organization
    return {
        # Per system, period and scope, whatever version of the run published it.
        "key": f"{trigger}:{run.system.code}:{run.period.code}:{run.scope_id}:{org.pk}",
        "trigger": trigger,
        "organization": org,
        "deciding": run.scope,
        "period": run.period,
        "title": title,
        "facts": facts,
        "evidence": [_link(run.system.name, "assessment:explain", run.pk, org.pk)],
        "person": secretaries.get(org.pk),
        "run": run,
    }


def _poor(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """A grade of poor in published results (a vetoed one has the veto's case)."""
    results = list(_final_results(Grade.POOR))
    secretaries = _secretaries(r.organization for r in results)
    for r in results:
        if not book.rule(Trigger.POOR_GRADE, r.organization.path)[0] or r.organization_id == r.run.scope_id:
            continue
        yield _graded(
            Trigger.POOR_GRADE,
            r,
            _("Graded poor in %(period)s") % {"period": r.run.period.code},
            _("%(system)s, %(period)s: %(score)s points, graded poor.")
            % {"system": r.run.system.name, "period": r.run.period.code, "score": f"{r.score or 0:.2f}"},
            secretaries,
        )


def _fair_twice(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """Graded fair in published results two periods in a row (the same system and scope)."""
    results = [r for r in _final_results(Grade.FAIR) if book.rule(Trigger.FAIR_TWICE, r.organization.path)[0]]
    secretaries = _secretaries(r.organization for r in results)
    # The grades of the periods before, all in one query: per (system, scope, kind of period, its end, organization),
    # the grade of the latest published version.
    before_grades: dict[tuple, tuple[int, str, bool, str]] = {}
    for code, scope, kind, end, org, version, grade, vetoed, period in Result.objects.filter(
        run__in=AssessmentRun.objects.final(), organization_id__in={r.organization_id for r in results}
    ).values_list(
        "run__system__code",
        "run__scope_id",
        "run__period__kind",
        "run__period__end",
        "organization_id",
        "run__version",
        "grade",
        "vetoed",
        "run__period__code",
    ):
        key = (code, scope, kind, end, org)
        if key not in before_grades or version > before_grades[key][0]:
            before_grades[key] = (version, grade, vetoed, period)
    for r in results:
        run = r.run
        key = (
            run.system.code,
            run.scope_id,
            run.period.kind,
            run.period.start - dt.timedelta(days=1),
            r.organization_id,
        )
        _version, grade, vetoed, before = before_grades.get(key, (0, "", False, ""))
        if grade != Grade.FAIR or vetoed:
            continue
        yield _graded(
            Trigger.FAIR_TWICE,
            r,
            _("Graded fair twice in a row, %(period)s") % {"period": run.period.code},
            _("Graded fair in %(before)s and again in %(period)s.") % {"before": before, "period": run.period.code},
            secretaries,
        )


def _care(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """A member in the care ledger not visited beyond the threshold (days past the visit interval)."""
    lowest = book.lowest(Trigger.CARE_NOT_VISITED)
    cases = list(
        CareCase.objects.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=date),
            opened_on__lte=date,
            member__status=MemberStatus.ACTIVE,
        )
        .annotate(last=Max("visits__visited_on", filter=Q(visits__visited_on__lte=date)))
        .select_related("member__organization__parent")
        .order_by("id")
    )
    late = []
    for c in cases:
        since = c.last or c.opened_on
        days = (date - since).days - c.visit_interval_days
        if days > lowest:
            late.append((c, since, days))
    secretaries = _secretaries(c.member.organization for c, _s, _d in late)
    for c, since, days in late:
        org = c.member.organization
        enabled, threshold = book.rule(Trigger.CARE_NOT_VISITED, org.path)
        if not enabled or days <= threshold or org.parent is None:
            continue
        yield {
            "key": f"care_not_visited:{c.pk}:{since.isoformat()}",
            "trigger": Trigger.CARE_NOT_VISITED,
            "organization": org,
            "deciding": org.parent,
            "period": period_for(str(date.year)),
            "title": _("A member in difficulty not visited: %(name)s") % {"name": c.member.name},
            "facts": _(
                "Last visited on %(since)s; a visit is due every %(interval)s days: %(days)s days late on %(date)s."
            )
            % {"since": since.isoformat(), "interval": c.visit_interval_days, "days": days, "date": date.isoformat()}
            if c.last
            else _(
                "Never visited since entered in the ledger on %(since)s: %(days)s days past the visit interval on %(date)s."
            )
            % {"since": since.isoformat(), "days": days, "date": date.isoformat()},
            "evidence": [_link(org.name, "orglife:care", org.pk)],
            "person": secretaries.get(org.pk),
            "care_case": c,
        }


def _study(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """A branch whose members together studied no more than the threshold (% of the plan's hours due by the day),
    judged from STUDY_FROM_DAY days into the year, once a year."""
    start = dt.date(date.year, 1, 1)
    passed = (date - start).days + 1
    if passed < STUDY_FROM_DAY:
        return
    period = period_for(str(date.year))
    share = passed / ((dt.date(date.year, 12, 31) - start).days + 1)
    members = dict(
        Member.objects.filter(
            status=MemberStatus.ACTIVE, organization__kind=OrgKind.BRANCH, organization__is_active=True
        )
        .values_list("organization")
        .annotate(n=Count("id"))
        .order_by()
    )
    hours = dict(
        StudyRecord.objects.filter(
            member__status=MemberStatus.ACTIVE,
            member__organization_id__in=list(members),
            studied_on__gte=start,
            studied_on__lte=date,
        )
        .exclude(state=RecordState.REJECTED)
        .values_list("member__organization")
        .annotate(h=Sum("hours"))
        .order_by()
    )
    plans = {
        p.organization.path: float(p.required_hours)
        for p in StudyPlan.objects.filter(period__start__lte=date, period__end__gte=date).select_related("organization")
    }
    orgs = Organization.objects.filter(pk__in=list(members)).select_related("parent")
    secretaries = _secretaries(orgs)
    for org in orgs.order_by("path"):
        enabled, threshold = book.rule(Trigger.STUDY_BELOW, org.path)
        if not enabled or org.parent is None:
            continue
        plan = next((plans[p] for p in reversed(ancestor_paths(org.path)) if p in plans), 32.0)
        due = members[org.pk] * plan * share
        done = float(hours.get(org.pk) or 0)
        if due <= 0 or 100.0 * done / due > threshold:
            continue
        yield {
            "key": f"study_below:{date.year}:{org.pk}",
            "trigger": Trigger.STUDY_BELOW,
            "organization": org,
            "deciding": org.parent,
            "period": period,
            "title": _("Study far below the plan, %(year)s") % {"year": date.year},
            "facts": _(
                "By %(date)s its %(n)s members studied %(done)s hours of the %(due)s due by the plan (%(share)s%%)."
            )
            % {
                "date": date.isoformat(),
                "n": members[org.pk],
                "done": f"{done:.1f}",
                "due": f"{due:.1f}",
                "share": f"{100.0 * done / due:.0f}",
            },
            "evidence": [_link(org.name, "orglife:org", org.pk)],
            "person": secretaries.get(org.pk),
        }


def _rectifications(date: dt.date, book: RuleBook) -> Iterator[dict]:
    """A rectification overdue beyond the threshold (days): a case of its own, and a notice above."""
    lowest = book.lowest(Trigger.RECTIFICATION_OVERDUE)
    rows = (
        Rectification.objects.filter(
            assignment__state__in=OPEN_STATES, assignment__due_on__lt=date - dt.timedelta(days=lowest)
        )
        .select_related("case__deciding", "case__organization", "case__person", "case__period", "assignment__duty")
        .order_by("id")
    )
    for r in rows:
        case, a = r.case, r.assignment
        enabled, threshold = book.rule(Trigger.RECTIFICATION_OVERDUE, case.organization.path)
        days = (date - a.due_on).days
        if not enabled or days <= threshold:
            continue
        yield {
            "key": f"rectification_overdue:{a.pk}",
            "trigger": Trigger.RECTIFICATION_OVERDUE,
            "organization": case.organization,
            "deciding": case.deciding,
            "period": case.period,
            "title": _("A rectification overdue: %(duty)s") % {"duty": a.duty.title},
            "facts": _("Due on %(due)s and not accepted: %(days)s days overdue on %(date)s.")
            % {"due": a.due_on.isoformat(), "days": days, "date": date.isoformat()},
            "evidence": [_link(a.duty.title, "duties:assignment", a.pk)],
            "person": case.person,
            "assignment": a,
            "follows": case,
        }


FINDERS = {
    Trigger.OVERDUE_KEY: _overdue_key,
    Trigger.RETURNED: _returned,
    Trigger.VETO: _vetoes,
    Trigger.POOR_GRADE: _poor,
    Trigger.FAIR_TWICE: _fair_twice,
    Trigger.CARE_NOT_VISITED: _care,
    Trigger.STUDY_BELOW: _study,
    Trigger.RECTIFICATION_OVERDUE: _rectifications,
}


def pursue(*, date: dt.date | None = None) -> dict[str, int]:
    """Run every rule of pursuit as of `date` (today): the cases opened, per rule. Idempotent: a condition opens one
    case, not one a run. The texts of the cases are written in the site's language."""
    date = date or timezone.localdate()
    book = RuleBook()
    opened: dict[str, int] = {}
    per_decider: dict[int, int] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for trigger, find in FINDERS.items():
            opened[trigger] = 0
            for found in find(date, book):
                case = open_automatically(**found)
                if case is None:
                    continue
                opened[trigger] += 1
                per_decider[case.deciding_id] = per_decider.get(case.deciding_id, 0) + 1
                if trigger == Trigger.RECTIFICATION_OVERDUE and case.deciding.parent_id:
                    # The escalation: the organization above the deciding one is told.
                    notify(
                        duties.managers_of([case.deciding.parent_id]),
                        "accountability.escalated",
                        params={"org": case.organization.name, "title": case.title, "deciding": case.deciding.name},
                        url=reverse("accountability:case", args=[case.pk]),
                        obj=case,
                    )
    # The deciding organizations' managers are told once a run how many cases wait for them (not once a case).
    for deciding_id, n in per_decider.items():
        notify(
            duties.managers_of([deciding_id]),
            "accountability.cases_opened",
            params={"n": n, "date": date.isoformat()},
            url=reverse("accountability:cases") + "?state=opened",
            dedupe_key=f"cases_opened:{deciding_id}:{date.isoformat()}",
        )
    return opened
