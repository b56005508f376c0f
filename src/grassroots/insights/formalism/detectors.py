"""The detectors that read records as they are: meetings recorded in a burst before a quarter's deadline, reports
submitted in a rush at their due time, meetings with no minutes or no attendance, attendance identical at every
meeting. Each returns what it found (the records, the figures); the services turn a finding into a flag."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from grassroots.core.models import Period
from grassroots.core.periods import period_for
from grassroots.duties.models import ProgressReport, ReportState
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Attendance, Meeting, MeetingState

# Meetings of a quarter recorded from this long before its end to this long after it, backdated by more than a week
BURST_BEFORE = dt.timedelta(hours=48)
BURST_AFTER = dt.timedelta(days=7)
BACKDATED_DAYS = 7
BURST_MIN_MEETINGS = 3
BURST_SHARE = 0.75  # ... and at least this share of the quarter's meetings: a burst
# Reports of one organization submitted within this window, each on its due date: a rush.
RUSH_WINDOW = dt.timedelta(minutes=60)
RUSH_MIN_REPORTS = 3
# Attendance the same at this many meetings or more in a year, every one of them: a list copied, not taken.
SAME_ATTENDANCE_MIN_MEETINGS = 4
SAME_ATTENDANCE_MIN_PEOPLE = 3


@dataclass
class Found:
    kind: str
    organization: Organization
    period: Period
    key: str
    meetings: list = field(default_factory=list)
    reports: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


def quarter_of(day: dt.date) -> Period:
    return period_for(f"{day.year}-Q{(day.month - 1) // 3 + 1}")


def _end_of(period: Period) -> dt.datetime:
    """The deadline of a period: the end of its last day, in the server's time zone."""
    return timezone.make_aware(dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min))


def empty_meeting(meeting: Meeting) -> Found | None:
    """A meeting recorded as held with no minutes, or with nobody's attendance."""
    if meeting.state != MeetingState.HELD:
        return None
    no_minutes = not (meeting.minutes or "").strip()
    no_attendance = not Attendance.objects.filter(meeting=meeting).exists()
    if not (no_minutes or no_attendance):
        return None
    return Found(
        kind="empty_meeting",
        organization=meeting.organization,
        period=quarter_of(meeting.held_on),
        key=f"empty_meeting:{meeting.pk}",
        meetings=[meeting],
        details={"no_minutes": no_minutes, "no_attendance": no_attendance},
    )


def meeting_burst(organization: Organization, quarter: Period) -> Found | None:
    """A quarter's meetings recorded in the last hours before its end (or just after), dated long before."""
    held = list(
        Meeting.objects.filter(
            organization=organization,
            state=MeetingState.HELD,
            held_on__gte=quarter.start,
            held_on__lte=quarter.end,
        ).order_by("created_at", "id")
    )
    deadline = _end_of(quarter)
    late = [
        m
        for m in held
        if deadline - BURST_BEFORE <= m.created_at <= deadline + BURST_AFTER
        and (timezone.localdate(m.created_at) - m.held_on).days > BACKDATED_DAYS
    ]
    if len(late) < BURST_MIN_MEETINGS or len(late) < BURST_SHARE * len(held):
        return None
    span = late[-1].created_at - late[0].created_at
    return Found(
        kind="meeting_burst",
        organization=organization,
        period=quarter,
        key=f"meeting_burst:{organization.pk}:{quarter.code}",
        meetings=late,
        details={"late": len(late), "held": len(held), "hours": round(span.total_seconds() / 3600, 1)},
    )


def report_rush(organization: Organization, day: dt.date) -> Found | None:
    """Several reports of one organization submitted within an hour of each other, each on its due date."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    reports = [
        r
        for r in ProgressReport.objects.filter(
            assignment__organization=organization,
            created_at__gte=start,
            created_at__lt=start + dt.timedelta(days=1),
        )
        .exclude(state=ReportState.WITHDRAWN)
        .select_related("assignment")
        .order_by("created_at", "id")
        if r.assignment.due_on == day
    ]
    best: list = []
    for i, first in enumerate(reports):
        window = [r for r in reports[i:] if r.created_at - first.created_at <= RUSH_WINDOW]
        if len(window) > len(best):
            best = window
    if len(best) < RUSH_MIN_REPORTS:
        return None
    minutes = (best[-1].created_at - best[0].created_at).total_seconds() / 60
    return Found(
        kind="report_burst",
        organization=organization,
        period=period_for(str(day.year)),
        key=f"report_burst:{organization.pk}:{day.isoformat()}",
        reports=best,
        details={"count": len(best), "minutes": round(minutes), "day": day.isoformat()},
    )


def same_attendance(organization: Organization, year: int) -> Found | None:
    """Every meeting of a year with the very same attendance, person by person and status by status."""
    meetings = list(
        Meeting.objects.filter(organization=organization, state=MeetingState.HELD, held_on__year=year).order_by(
            "held_on", "id"
        )
    )
    if len(meetings) < SAME_ATTENDANCE_MIN_MEETINGS:
        return None
    lists: dict[int, set] = {m.pk: set() for m in meetings}
    for meeting_id, member_id, status in Attendance.objects.filter(meeting__in=meetings).values_list(
        "meeting_id", "member_id", "status"
    ):
        lists[meeting_id].add((member_id, status))
    first = lists[meetings[0].pk]
    if len(first) < SAME_ATTENDANCE_MIN_PEOPLE or any(lists[m.pk] != first for m in meetings):
        return None
    return Found(
        kind="same_attendance",
        organization=organization,
        period=period_for(str(year)),
        key=f"same_attendance:{organization.pk}:{year}",
        meetings=meetings,
        details={"meetings": len(meetings), "people": len(first)},
    )
