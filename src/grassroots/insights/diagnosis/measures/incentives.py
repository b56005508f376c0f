"""Problem 4, imperfect assessment and incentives: the democratic appraisal not held, members in difficulty not
visited, heart-to-heart talks missing, and commendations and cases that do not follow the published results."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Max, Q
from django.utils.translation import gettext_lazy

from grassroots.accountability.models import Case, CaseState, Commendation, CommendationKind, CommendationState
from grassroots.assessment.models import AssessmentRun, Grade, Result
from grassroots.organizations.models import Member, MemberStatus
from grassroots.orglife.models import Appraisal, AppraisalGrade, AppraisalResult, AppraisalState, CareCase, Talk

from ..checks import Finding, check
from .base import CHANGE, PURSUE, active_counts, as_of, detailed, ids, link, months_back, percent, ratio, started, url
from .base import tr as _


def _finding(code, org_id, text, **kwargs):
    return Finding(organization_id=org_id, problem="incentives", code=code, text=text, **kwargs)


@check(code="incentives.appraisal", problem="incentives", label=gettext_lazy("Democratic appraisal not held"))
def appraisal_missing(organizations, period, threshold):
    """No appraisal closed for the period's year or the year before (it is held once a year, often early in the next)."""
    if not started(period):
        return
    year = period.end.year
    members = active_counts(organizations)
    held = dict(
        Appraisal.objects.filter(organization__in=ids(organizations), year__in=[year, year - 1])
        .order_by()
        .values_list("organization_id")
        .annotate(closed=Count("id", filter=Q(state=AppraisalState.CLOSED)))
    )
    for org_id in members:
        if held.get(org_id):
            continue
        voting = org_id in held
        text = (
            _("The democratic appraisal of %(year)d or %(last)d is open and not closed: no member has a result yet.")
            if voting
            else _("No democratic appraisal of the members was held for %(year)d or %(last)d.")
        ) % {"year": year, "last": year - 1}
        yield _finding(
            "incentives.appraisal",
            org_id,
            text,
            measured=Decimal(0),
            evidence=[link(_("Organizational life"), "orglife:org", org_id)],
            actions=[link(_("Open the democratic appraisal"), "orglife:org", org_id, CHANGE)],
            missing_data=True,
            unit="count",
        )


@check(
    code="incentives.care",
    problem="incentives",
    label=gettext_lazy("Members in difficulty not visited"),
    threshold=Decimal("0"),
    rule=gettext_lazy("Days past a member's visit interval before it is a finding: at most"),
)
def care_not_visited(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    cases = (
        CareCase.objects.filter(
            member__organization__in=ids(organizations),
            member__status=MemberStatus.ACTIVE,
            opened_on__lte=upto,
        )
        .exclude(closed_on__lte=upto)
        .annotate(last=Max("visits__visited_on", filter=Q(visits__visited_on__lte=upto)))
        .order_by("member__organization_id", "member__name")
        .values_list("member__organization_id", "member_id", "member__name", "opened_on", "visit_interval_days", "last")
    )
    late: dict[int, list[tuple[int, str, int, bool]]] = {}
    for org_id, member_id, name, opened, interval, last in cases:
        days = (upto - (last or opened)).days
        if days > interval + int(threshold):
            late.setdefault(org_id, []).append((member_id, name, days, last is None))
    for org_id, rows in late.items():
        rows.sort(key=lambda r: -r[2])
        member_id, name, days, never = rows[0]
        shown = rows[:5] if detailed() else []
        text = _(
            "%(n)d members in difficulty are past their visit interval; the longest wait is %(name)s's, %(days)d days%(never)s."
        ) % {"n": len(rows), "name": name, "days": days, "never": _(" (never visited)") if never else ""}
        yield _finding(
            "incentives.care",
            org_id,
            text,
            measured=Decimal(len(rows)),
            threshold=threshold,
            evidence=[
                *(link(n, "organizations:member", m) for m, n, _d, _v in shown),
                link(_("The care ledger"), "orglife:care", org_id),
            ],
            actions=[
                link(_("Schedule a visit to %(name)s") % {"name": n}, "orglife:care_visit", org_id, CHANGE, member=m)
                for m, n, _d, _v in shown[:3]
            ]
            or [link(_("Record a visit"), "orglife:care_visit", org_id, CHANGE)],
            unit="count",
        )


@check(
    code="incentives.talks",
    problem="incentives",
    label=gettext_lazy("Heart-to-heart talks missing"),
    threshold=Decimal("0.20"),
    rule=gettext_lazy(
        "Share of the active members with no heart-to-heart talk in the twelve months up to the day read: at most"
    ),
)
def talks_missing(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    since = months_back(upto, 12) + dt.timedelta(days=1)
    members = active_counts(organizations)
    # NOT IN the members talked with (one uncorrelated subquery), not NOT EXISTS per member: Citus runs no
    # correlated subquery on the talks (distributed by member) beside the members (a reference table).
    talked = Talk.objects.filter(talked_on__range=(since, upto)).values("member_id")
    missing_qs = Member.objects.filter(organization__in=ids(organizations), status=MemberStatus.ACTIVE).exclude(
        pk__in=talked
    )
    missing = dict(missing_qs.order_by().values_list("organization_id").annotate(n=Count("id")))
    first = {}
    if detailed() and missing:
        for org_id, member_id, name in missing_qs.order_by("organization_id", "name").values_list(
            "organization_id", "pk", "name"
        ):
            first.setdefault(org_id, (member_id, name))
    for org_id, n in missing.items():
        share = ratio(n, members.get(org_id, 0))
        if share <= threshold:
            continue
        actions = [link(_("Record a talk"), "orglife:talk_new", org_id, CHANGE)]
        if org_id in first:
            member_id, name = first[org_id]
            actions = [
                link(
                    _("Record a talk with %(name)s") % {"name": name},
                    "orglife:talk_new",
                    org_id,
                    CHANGE,
                    member=member_id,
                )
            ]
        yield _finding(
            "incentives.talks",
            org_id,
            _(
                "%(n)d of the %(all)d members had no heart-to-heart talk from %(since)s to %(upto)s (%(share)s; at most "
                "%(threshold)s)."
            )
            % {
                "n": n,
                "all": members.get(org_id, 0),
                "since": since.isoformat(),
                "upto": upto.isoformat(),
                "share": percent(share),
                "threshold": percent(threshold),
            },
            measured=share,
            threshold=threshold,
            evidence=[link(_("Talks"), "orglife:talks", org_id)],
            actions=actions,
            missing_data=n == members.get(org_id, 0),
            unit="share",
        )


def _case_action(org_code: str, period, title: str, facts: str, evidence: str = ""):
    return link(
        _("Open a case"),
        "accountability:case_new",
        permission=PURSUE,
        organization=org_code,
        period=period.code,
        title=title,
        facts=facts,
        evidence=evidence,
    )


@check(
    code="incentives.follow_results",
    problem="incentives",
    label=gettext_lazy("Honours and cases that do not follow results"),
)
def follow_results(organizations, period, threshold):
    """A published grade of poor with no case; an organization commended though graded fair or poor (or vetoed); a
    member commended excellent though appraised basically qualified or unqualified that year."""
    if not started(period):
        return
    final = AssessmentRun.objects.final().filter(period=period)
    results: dict[int, tuple] = {}
    for org_id, run_id, grade, vetoed in (
        Result.objects.filter(run__in=final.values("pk"), organization__in=ids(organizations))
        .order_by("organization_id", "run_id")
        .values_list("organization_id", "run_id", "grade", "vetoed")
    ):
        results[org_id] = (run_id, grade, vetoed)  # the latest run's result wins
    codes = dict(organizations.order_by().values_list("pk", "code"))
    cased = set(
        Case.objects.filter(organization__in=ids(organizations), period=period)
        .exclude(state=CaseState.WITHDRAWN)
        .values_list("organization_id", flat=True)
    )
    for org_id, (run_id, grade, _vetoed) in results.items():
        if grade == Grade.POOR and org_id not in cased:
            facts = _("Graded poor in the published assessment of %(period)s; no case was opened.") % {
                "period": period.code
            }
            yield _finding(
                "incentives.follow_results",
                org_id,
                facts,
                evidence=[link(_("The assessment"), "assessment:run", run_id)],
                actions=[
                    _case_action(
                        codes[org_id],
                        period,
                        _("Graded poor in the assessment of %(period)s") % {"period": period.code},
                        facts,
                        f"{_('The assessment')} | {url('assessment:run', run_id)}",
                    )
                ],
                unit="count",
            )
    honours = Commendation.objects.filter(
        organization__in=ids(organizations), period=period, kind=CommendationKind.ADVANCED_ORGANIZATION
    ).exclude(state=CommendationState.WITHDRAWN)
    for org_id, commendation_id in honours.values_list("organization_id", "pk"):
        run_id, grade, vetoed = results.get(org_id, (None, None, False))
        if grade in (Grade.FAIR, Grade.POOR) or vetoed:
            yield _finding(
                "incentives.follow_results",
                org_id,
                _(
                    "Commended as an advanced organization for %(period)s, though graded %(grade)s in the published assessment."
                )
                % {"period": period.code, "grade": Grade(grade).label if grade in Grade.values else grade},
                evidence=[
                    link(_("The commendation"), "accountability:commendation", commendation_id),
                    link(_("The assessment"), "assessment:run", run_id),
                ],
                actions=[link(_("Review the commendation"), "accountability:commendation", commendation_id, PURSUE)],
                unit="count",
            )
    # The members appraised basically qualified or unqualified that year, asked by an uncorrelated `IN` (the results
    # are distributed by appraisal on Citus, which refuses a subquery correlated with them).
    weak = AppraisalResult.objects.filter(
        appraisal__year=period.end.year,
        grade__in=[AppraisalGrade.BASIC, AppraisalGrade.UNQUALIFIED],
    ).values("member_id")
    members = (
        Commendation.objects.filter(
            organization__in=ids(organizations), period=period, kind=CommendationKind.EXCELLENT_MEMBER
        )
        .exclude(state=CommendationState.WITHDRAWN)
        .filter(member_id__in=weak)
        .values_list("organization_id", "pk", "member__name")
    )
    for org_id, commendation_id, name in members:
        yield _finding(
            "incentives.follow_results",
            org_id,
            _(
                "%(name)s is commended as an excellent member for %(period)s, though appraised basically qualified or "
                "unqualified that year."
            )
            % {"name": name, "period": period.code},
            evidence=[link(_("The commendation"), "accountability:commendation", commendation_id)],
            actions=[link(_("Review the commendation"), "accountability:commendation", commendation_id, PURSUE)],
            unit="count",
        )
