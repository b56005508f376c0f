"""Reads of organizational life: what is due or missing, totals against plans, rankings, alerts."""

from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from grassroots.core.models import Period
from grassroots.core.policy import Action, restrict
from grassroots.organizations.models import Member, MemberStatus, Organization, OrgKind, subtree_q

from .models import (
    Appraisal,
    CareCase,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    PointEntry,
    RecordState,
    StudyRecord,
    Talk,
)
from .services import plan_for

MONTHS_PER = {"month": 1, "quarter": 3, "year": 12}


def _months(period: Period) -> int:
    return (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1


def rules_for(organization: Organization) -> dict[str, MeetingRule]:
    """The meeting rules in force for an organization: the nearest one set above it wins over the default."""
    path = organization.path
    prefixes = [path[:i] for i in range(4, len(path) + 1, 4)]
    rules: dict[str, MeetingRule] = {}
    for rule in MeetingRule.objects.filter(
        Q(organization__isnull=True) | Q(organization__path__in=prefixes)
    ).select_related("organization"):
        current = rules.get(rule.kind)
        depth = rule.organization.depth if rule.organization else 0
        if current is None or depth > (current.organization.depth if current.organization else 0):
            rules[rule.kind] = rule
    is_group = organization.kind == OrgKind.GROUP
    return {k: r for k, r in rules.items() if r.applies_to_groups == is_group}


def required_count(rule: MeetingRule, period: Period) -> int:
    months = _months(period)
    per = MONTHS_PER[rule.per]
    return max(1, months // per) * rule.count if months >= per else rule.count


def meeting_status(*, organization: Organization, period: Period, today=None) -> list[dict]:
    """Per kind of meeting: required in the period, held, planned, missing, and whether it is due now."""
    today = today or timezone.localdate()
    rules = rules_for(organization)
    held = dict(
        Meeting.objects.filter(
            organization=organization, state=MeetingState.HELD, held_on__range=(period.start, period.end)
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    planned = dict(
        Meeting.objects.filter(organization=organization, state=MeetingState.PLANNED, held_on__gte=today)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    last = dict(
        Meeting.objects.filter(organization=organization, state=MeetingState.HELD)
        .order_by()
        .values_list("kind")
        .annotate(last=Max("held_on"))
    )
    elapsed = min(_months(period), max(0, (today.year - period.start.year) * 12 + today.month - period.start.month + 1))
    out = []
    for kind, rule in sorted(rules.items(), key=lambda kv: list(MeetingKind.values).index(kv[0])):
        required = required_count(rule, period)
        per = MONTHS_PER[rule.per]
        due_by_now = min(required, (elapsed // per) * rule.count) if today <= period.end else required
        n = held.get(kind, 0)
        out.append(
            {
                "kind": kind,
                "label": MeetingKind(kind).label,
                "rule": rule,
                "required": required,
                "held": n,
                "planned": planned.get(kind, 0),
                "missing": max(0, due_by_now - n),
                "last": last.get(kind),
                "ok": n >= due_by_now,
            }
        )
    return out


def meeting_list(*, user, organization: Organization | None = None):
    qs = restrict(user, Action.VIEW, Meeting.objects.select_related("organization", "host"))
    return qs.filter(organization=organization) if organization is not None else qs


def study_totals(*, organization: Organization, period: Period) -> list[dict]:
    """Confirmed hours of each member of the organization in the period, against the plan."""
    plan = plan_for(organization, period.start) or plan_for(organization, period.end)
    required = plan.required_hours if plan else Decimal(32)
    cadre_required = plan.required_hours_cadre if plan else Decimal(56)
    members = list(Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE).order_by("name"))
    hours = dict(
        StudyRecord.objects.filter(
            member__in=members, state=RecordState.CONFIRMED, studied_on__range=(period.start, period.end)
        )
        .order_by()
        .values_list("member_id")
        .annotate(total=Sum("hours"))
    )
    cadres = set(organization.posts.filter(ended_on__isnull=True).values_list("member_id", flat=True))
    out = []
    for m in members:
        need = cadre_required if m.pk in cadres else required
        got = hours.get(m.pk, Decimal(0))
        out.append(
            {"member": m, "hours": got, "required": need, "ok": got >= need, "share": float(got / need) if need else 1}
        )
    return out


def points_ranking(*, organization: Organization, year: int) -> list[dict]:
    rows = (
        PointEntry.objects.filter(member__organization=organization, earned_on__year=year)
        .order_by()
        .values("member_id", "member__name")
        .annotate(total=Sum("points"))
        .order_by("-total", "member__name")
    )
    out, rank, previous = [], 0, None
    for i, row in enumerate(rows, start=1):
        if row["total"] != previous:
            rank, previous = i, row["total"]
        out.append({"rank": rank, "member_id": row["member_id"], "name": row["member__name"], "total": row["total"]})
    return out


def care_alerts(*, user, organization: Organization | None = None, today=None) -> list[dict]:
    """Members in the ledger not visited within their interval (counted from entry into the ledger if never)."""
    today = today or timezone.localdate()
    qs = restrict(
        user, Action.VIEW, CareCase.objects.filter(closed_on__isnull=True).select_related("member__organization")
    )
    if organization is not None:
        qs = qs.filter(subtree_q(organization.path, "member__organization__path"))
    qs = qs.annotate(last_visit=Max("visits__visited_on"))
    out = []
    for case in qs:
        since = case.last_visit or case.opened_on
        days = (today - since).days
        if days > case.visit_interval_days:
            out.append({"case": case, "since": since, "days": days, "never": case.last_visit is None})
    return sorted(out, key=lambda a: -a["days"])


def talks_missing(*, organization: Organization, year: int):
    """Active members of the organization without a heart-to-heart talk this year."""
    talked = Talk.objects.filter(talked_on__year=year, member__organization=organization).values("member_id")
    return (
        Member.objects.filter(organization=organization, status=MemberStatus.ACTIVE)
        .exclude(pk__in=talked)
        .order_by("name")
    )


def appraisal_of(*, organization: Organization, year: int):
    return Appraisal.objects.filter(organization=organization, year=year).first()


def member_life(*, member: Member, year: int) -> dict:
    """The organizational life of one member this year, for the member page."""
    return {
        "meetings": member.attendance.select_related("meeting")
        .filter(meeting__held_on__year=year)
        .order_by("-meeting__held_on"),
        "study_hours": StudyRecord.objects.filter(
            member=member, state=RecordState.CONFIRMED, studied_on__year=year
        ).aggregate(total=Sum("hours"))["total"]
        or Decimal(0),
        "points": PointEntry.objects.filter(member=member, earned_on__year=year).aggregate(total=Sum("points"))["total"]
        or Decimal(0),
        "appraisals": member.appraisal_results.select_related("appraisal").order_by("-appraisal__year"),
        "care": CareCase.objects.filter(member=member).prefetch_related("visits"),
        "talks": Talk.objects.filter(member=member).order_by("-talked_on")[:10],
    }
