"""Reminders before the start, before the due date and on overdue; running twice sends nothing twice."""

import datetime as dt

from django.conf import settings
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from grassroots.core.notify import deliver_webhooks, notify

from .models import OPEN_STATES, Assignment, AssignmentState


def _recipients(assignment: Assignment, managers: dict) -> list:
    users = list(managers.get(assignment.organization_id, []))
    if assignment.responsible_id and assignment.responsible.user_id:
        users.append(assignment.responsible.user)
    return users


def _managers_by_org(org_ids) -> dict:
    from grassroots.organizations.models import Grant

    out: dict[int, list] = {}
    grants = Grant.objects.filter(organization_id__in=list(org_ids), role__in=["secretary", "officer"]).select_related(
        "user"
    )
    for grant in grants:
        if grant.user.is_active:
            out.setdefault(grant.organization_id, []).append(grant.user)
    return out


def remind(*, today: dt.date | None = None) -> dict:
    """Notify about assignments that start tomorrow, are due within the yellow window, or are overdue.

    Each notification carries a key made of the assignment and its date, so a second run (or a run the next
    day for the same overdue date) sends nothing again; a moved due date earns a fresh reminder.
    """
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=settings.GRASSROOTS_YELLOW_DAYS)
    base = Assignment.objects.select_related("duty", "responsible__user").order_by("id")
    starting = base.filter(state=AssignmentState.ISSUED, start_on=today + dt.timedelta(days=1))
    due_soon = base.filter(state__in=OPEN_STATES, due_on__gte=today, due_on__lte=soon).exclude(
        state=AssignmentState.SUBMITTED
    )
    overdue = base.filter(state__in=OPEN_STATES, due_on__lt=today).exclude(state=AssignmentState.SUBMITTED)
    counts = {"starts_soon": 0, "due_soon": 0, "overdue": 0}
    for kind, qs in (("starts_soon", starting), ("due_soon", due_soon), ("overdue", overdue)):
        for chunk in _chunks(qs.iterator(chunk_size=2000), 2000):
            managers = _managers_by_org({a.organization_id for a in chunk})
            for assignment in chunk:
                date = assignment.start_on if kind == "starts_soon" else assignment.due_on
                counts[kind] += notify(
                    _recipients(assignment, managers),
                    f"duties.{kind}",
                    params={
                        "duty": assignment.duty.title,
                        "start": str(assignment.start_on),
                        "due": str(date),
                    },
                    url=reverse("duties:assignment", args=[assignment.pk]),
                    obj=assignment,
                    dedupe_key=f"{kind}:{assignment.pk}:{date.isoformat()}",
                )
    counts["key_overdue_above"] = _pressure(today)
    counts["webhooks"] = deliver_webhooks()
    return counts


# Pressure up the chain: key work and major tasks overdue are told to the issuing organization's responsible person
# too (its managers where the duty names none), once per step reached: the day after the due day, then 7 and 30
# days after it.
PRESSURE_DAYS = (1, 7, 30)


def _pressure(today: dt.date) -> int:
    from django.db.models import Q

    rows = (
        Assignment.objects.filter(
            Q(duty__is_key=True) | Q(duty__is_major=True),
            state__in=OPEN_STATES,
            due_on__lte=today - dt.timedelta(days=PRESSURE_DAYS[0]),
        )
        .exclude(duty__organization_id=F("organization_id"))
        .select_related("duty__responsible__user", "organization")
        .order_by("id")
    )
    sent = 0
    for chunk in _chunks(rows.iterator(chunk_size=2000), 2000):
        managers = _managers_by_org({a.duty.organization_id for a in chunk})
        for a in chunk:
            days = (today - a.due_on).days
            step = max(d for d in PRESSURE_DAYS if d <= days)
            above = a.duty.responsible.user if a.duty.responsible_id and a.duty.responsible.user_id else None
            sent += notify(
                [above] if above is not None else managers.get(a.duty.organization_id, []),
                "duties.key_overdue_above",
                params={"org": a.organization.name, "duty": a.duty.title, "due": str(a.due_on), "days": days},
                url=reverse("duties:assignment", args=[a.pk]),
                obj=a,
                dedupe_key=f"key_overdue_above:{a.pk}:{a.due_on.isoformat()}:{step}",
            )
    return sent


def _chunks(iterator, size):
    chunk = []
    for item in iterator:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
