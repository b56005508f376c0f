"""Problem 1, weak political and ideological guidance: study hours against the plan, party lectures and theme days
held against the meeting rules, members with no study for months."""

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy

from grassroots.organizations.models import Member, MemberStatus
from grassroots.orglife.models import (
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    RecordState,
    StudyPlan,
    StudyRecord,
)
from grassroots.orglife.selectors import MONTHS_PER

from ..checks import Finding, check
from .base import (
    CHANGE,
    active_counts,
    as_of,
    detailed,
    elapsed_share,
    ids,
    link,
    member_names,
    months_back,
    nearest,
    number,
    paths_of,
    percent,
    ratio,
    started,
    whole_months,
)
from .base import tr as _

ONE_DAY = dt.timedelta(days=1)
DEFAULT_HOURS = Decimal(32)  # hours a member studies in a year where no plan says otherwise (the party's rule)
LECTURE_KINDS = (MeetingKind.LECTURE, MeetingKind.THEME_DAY)


def _expected_hours(period, upto, paths: dict[int, str]) -> dict[int, Decimal]:
    """Hours each member of each organization should have studied by `upto`: the nearest study plan set at or above
    it whose period holds the period's first day, pro rata of the plan's days gone by; else 32 hours a year."""
    plans = {
        p.organization.path: p
        for p in StudyPlan.objects.filter(period__start__lte=period.start, period__end__gte=period.start)
        .select_related("organization", "period")
        .order_by("period__start")
    }
    out = {}
    for org_id, path in paths.items():
        plan = nearest(path, plans)
        if plan is None:
            year_start = period.start.replace(month=1, day=1)
            share = elapsed_share(year_start, year_start.replace(month=12, day=31), upto) - elapsed_share(
                year_start, year_start.replace(month=12, day=31), period.start - ONE_DAY
            )
            out[org_id] = DEFAULT_HOURS * share
        else:
            share = elapsed_share(plan.period.start, plan.period.end, upto) - elapsed_share(
                plan.period.start, plan.period.end, period.start - ONE_DAY
            )
            out[org_id] = plan.required_hours * share
    return out


@check(
    code="guidance.study_hours",
    problem="guidance",
    label=gettext_lazy("Study hours against the plan"),
    threshold=Decimal("0.80"),
    rule=gettext_lazy("Share of the study plan's hours (pro rata to the day) the members studied, confirmed: at least"),
)
def study_hours(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    members = active_counts(organizations)
    paths = {k: v for k, v in paths_of(organizations).items() if k in members}
    expected = _expected_hours(period, upto, paths)
    hours = dict(
        StudyRecord.objects.filter(
            member__organization__in=ids(organizations),
            member__status=MemberStatus.ACTIVE,
            state=RecordState.CONFIRMED,
            studied_on__range=(period.start, upto),
        )
        .order_by()
        .values_list("member__organization_id")
        .annotate(total=Sum("hours"))
    )
    for org_id, n in members.items():
        got = hours.get(org_id, Decimal(0))
        due = expected[org_id] * n
        if due <= 0:
            continue
        share = ratio(got, due)
        evidence = [link(_("Study of the members"), "orglife:study", org_id)]
        actions = [link(_("Record study"), "orglife:study_new", permission=CHANGE, org=org_id)]
        if not got:
            text = _(
                "No confirmed study is recorded for the %(n)d members in %(period)s, though %(due)s hours were due by "
                "now: the data is missing, the study cannot be judged."
            ) % {"n": n, "period": period.code, "due": number(due)}
        elif share < threshold:
            text = _(
                "The members studied %(got)s hours of the %(due)s due by now (%(share)s; at least %(threshold)s asked)."
            ) % {"got": number(got), "due": number(due), "share": percent(share), "threshold": percent(threshold)}
        else:
            continue
        yield Finding(
            organization_id=org_id,
            problem="guidance",
            code="guidance.study_hours",
            text=text,
            measured=share,
            threshold=threshold,
            evidence=evidence,
            actions=actions,
            missing_data=not got,
            unit="share",
        )


def _required_meetings(period, upto, paths: dict[int, str]) -> dict[int, dict[str, int]]:
    """Party lectures and theme days each organization must have held by `upto`: the nearest meeting rule set at or
    above it, else the default, times the whole months gone by."""
    months = whole_months(period.start, upto)
    rules: dict[str, dict[str, MeetingRule]] = {kind: {} for kind in LECTURE_KINDS}
    for rule in MeetingRule.objects.filter(kind__in=LECTURE_KINDS, applies_to_groups=False).select_related(
        "organization"
    ):
        rules[rule.kind][rule.organization.path if rule.organization else ""] = rule
    out = {}
    for org_id, path in paths.items():
        need = {}
        for kind in LECTURE_KINDS:
            rule = nearest(path, rules[kind])
            if rule is not None:
                need[kind] = rule.count * (months // MONTHS_PER[rule.per])
        out[org_id] = need
    return out


@check(
    code="guidance.lectures",
    problem="guidance",
    label=gettext_lazy("Party lectures and theme days held"),
    threshold=Decimal("1.00"),
    rule=gettext_lazy(
        "Share of the party lectures and theme days the meeting rules ask for by now that were held: at least"
    ),
)
def lectures(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    paths = paths_of(organizations)
    required = _required_meetings(period, upto, paths)
    held: dict[int, dict[str, int]] = {}
    anything: dict[int, int] = {}
    rows = (
        Meeting.objects.filter(
            organization__in=ids(organizations), state=MeetingState.HELD, held_on__range=(period.start, upto)
        )
        .order_by()
        .values_list("organization_id", "kind")
        .annotate(n=Count("id"))
    )
    for org_id, kind, n in rows:
        held.setdefault(org_id, {})[kind] = n
        anything[org_id] = anything.get(org_id, 0) + n
    labels = dict(MeetingKind.choices)
    for org_id, need in required.items():
        due = sum(need.values())
        if due <= 0:
            continue
        got = held.get(org_id, {})
        done = sum(min(got.get(kind, 0), n) for kind, n in need.items())
        share = ratio(done, due)
        evidence = [link(_("Meetings held"), "orglife:meetings", org_id)]
        short = [kind for kind, n in need.items() if got.get(kind, 0) < n]
        actions = [
            link(
                _("Plan a %(kind)s") % {"kind": str(labels[kind]).lower()},
                "orglife:meeting_plan",
                org_id,
                CHANGE,
                kind=kind,
            )
            for kind in short
        ]
        if not anything.get(org_id):
            text = _(
                "No meeting at all is recorded in %(period)s, though %(due)d party lectures and theme days were due by "
                "now: the data is missing, the guidance cannot be judged."
            ) % {"period": period.code, "due": due}
        elif share < threshold:
            parts = ", ".join(
                _("%(kind)s %(held)d of %(need)d") % {"kind": labels[kind], "held": got.get(kind, 0), "need": n}
                for kind, n in need.items()
            )
            text = _(
                "Party lectures and theme days held by now: %(parts)s (%(share)s; at least %(threshold)s asked)."
            ) % {
                "parts": parts,
                "share": percent(share),
                "threshold": percent(threshold),
            }
        else:
            continue
        yield Finding(
            organization_id=org_id,
            problem="guidance",
            code="guidance.lectures",
            text=text,
            measured=share,
            threshold=threshold,
            evidence=evidence,
            actions=actions,
            missing_data=not anything.get(org_id),
            unit="share",
        )


@check(
    code="guidance.no_study",
    problem="guidance",
    label=gettext_lazy("Members with no study for months"),
    threshold=Decimal("3"),
    rule=gettext_lazy("Months a member may go without confirmed study: at most"),
)
def no_study(organizations, period, threshold):
    if not started(period):
        return
    upto = as_of(period)
    cutoff = months_back(upto, int(threshold))
    # NOT IN the members who studied (one uncorrelated subquery), not NOT EXISTS per member: Citus runs no
    # correlated subquery on the study records (distributed by member) beside the members (a reference table).
    recent = StudyRecord.objects.filter(
        state=RecordState.CONFIRMED, studied_on__gte=cutoff, studied_on__lte=upto
    ).values("member_id")
    idle = (
        Member.objects.filter(organization__in=ids(organizations), status=MemberStatus.ACTIVE)
        .filter(Q(joined_on__isnull=True) | Q(joined_on__lt=cutoff))
        .exclude(pk__in=recent)
    )
    counts = dict(idle.order_by().values_list("organization_id").annotate(n=Count("id")))
    names = {}
    if detailed() and counts:
        names = member_names(idle.order_by("organization_id", "name").values_list("organization_id", "pk", "name"))
    for org_id, n in counts.items():
        shown = names.get(org_id, [])
        evidence = [link(name, "organizations:member", member_id) for member_id, name in shown]
        evidence.append(link(_("Study of the members"), "orglife:study", org_id))
        actions = [
            link(
                _("Record study for %(name)s") % {"name": name},
                "orglife:study_new",
                permission=CHANGE,
                org=org_id,
                member=member_id,
            )
            for member_id, name in shown[:1]
        ] or [link(_("Record study"), "orglife:study_new", permission=CHANGE, org=org_id)]
        yield Finding(
            organization_id=org_id,
            problem="guidance",
            code="guidance.no_study",
            text=_("%(n)d members have no confirmed study in the %(months)s months up to %(day)s.")
            % {"n": n, "months": number(threshold), "day": upto.isoformat()},
            measured=Decimal(n),
            threshold=threshold,
            evidence=evidence,
            actions=actions,
            unit="count",
        )
