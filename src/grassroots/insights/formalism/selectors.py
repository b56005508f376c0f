"""Reads of the formalism part: the flags a user may see (the reviewing organization's subtree and above, never the
organization flagged unless it reviews itself), one flag with its records side by side, the notes beside reports
in the review queue, and the flags a diagnosis counts."""

from django.db.models import Prefetch, Q, QuerySet

from grassroots.core.notes import Note
from grassroots.core.policy import Action, restrict
from grassroots.core.tree import subtree_q
from grassroots.duties.models import ProgressReport
from grassroots.duties.review_notes import ReviewNote
from grassroots.orglife.models import Meeting

from ..models import Flag, FlagKind, FlagState
from .diff import side_by_side
from .words import describe

COUNTED_STATES = (FlagState.OPEN, FlagState.CONFIRMED)


def _visible(user) -> QuerySet[Flag]:
    """The flags the user may see, with the reference rows they name. The reports, their photos and the meetings
    they name are fetched apart (`prefetch_related`): on a Citus cluster those are distributed tables, which one
    statement joins only on their distribution columns (docs/citus.md)."""
    return restrict(user, Action.VIEW, Flag.objects.all()).select_related(
        "organization", "reviewing", "period", "other_organization", "decided_by"
    )


def flag_list(*, user, kind: str = "", state: str = "", organization=None) -> QuerySet[Flag]:
    """The flags the user may see, newest first, narrowed by kind, state and organization (its subtree)."""
    # (the meetings and reports on each side, which a reused photo's words name with their dates)
    # (and the other report's organization, which the review queue's notes name)
    flags = _visible(user).prefetch_related(
        "report",
        Prefetch("other_report", queryset=ProgressReport.objects.select_related("assignment__organization")),
        "meeting",
        "other_meeting",
    )
    if kind:
        flags = flags.filter(kind=kind)
    if state:
        flags = flags.filter(state=state)
    if organization is not None:
        flags = flags.filter(subtree_q(organization.path, "organization__path"))
    return flags.order_by("-created_at", "-id")


def flag_get(*, user, pk: int) -> Flag | None:
    reports = ProgressReport.objects.select_related("assignment__duty", "assignment__organization")
    meetings = Meeting.objects.select_related("organization")
    return (
        _visible(user)
        .select_related("duty_report__organization", "other_duty_report__organization", "case")
        .prefetch_related(
            Prefetch("report", queryset=reports),
            Prefetch("other_report", queryset=reports),
            "evidence",
            "other_evidence",
            "meeting_file",
            "other_meeting_file",
            Prefetch("meeting", queryset=meetings),
            Prefetch("other_meeting", queryset=meetings),
        )
        .filter(pk=pk)
        .first()
    )


def _text_of(flag: Flag, side: str) -> str:
    for field, attr in (("report", "text"), ("meeting", "minutes"), ("duty_report", "text")):
        record = getattr(flag, f"{side}{field}")
        if record is not None:
            return getattr(record, attr) or ""
    return ""


def flag_sides(flag: Flag) -> dict:
    """What the flag's page shows side by side: the two texts with their differences marked, or the two photos,
    or the meetings and reports of a burst."""
    view = {"text": describe(flag)}
    if flag.kind == FlagKind.COPIED_TEXT:
        view["left"], view["right"] = side_by_side(_text_of(flag, ""), _text_of(flag, "other_"))
    details = flag.details or {}
    if details.get("meetings"):
        view["meetings"] = list(Meeting.objects.filter(pk__in=details["meetings"]).order_by("held_on", "id"))
    if details.get("reports") and flag.kind == FlagKind.REPORT_BURST:
        view["reports"] = list(
            ProgressReport.objects.filter(pk__in=details["reports"])
            .select_related("assignment__duty")
            .order_by("created_at", "id")
        )
    return view


def flags_of_reports(*, user, report_ids) -> QuerySet[Flag]:
    """The open or confirmed flags on these reports (their text or a photo) that the user may see."""
    return flag_list(user=user).filter(
        Q(report_id__in=report_ids), state__in=COUNTED_STATES, kind__in=(FlagKind.COPIED_TEXT, FlagKind.REUSED_PHOTO)
    )


def review_notes(*, user, records) -> dict[int, list[ReviewNote]]:
    """Beside a report under review: each flag on it, with the other report's text or photo side by side."""
    ids = [r.pk for r in records]
    if not ids:
        return {}
    notes: dict[int, list[ReviewNote]] = {}
    flags = flags_of_reports(user=user, report_ids=ids)
    for flag in flags:
        context = {"flag": flag, "text": describe(flag)}
        if flag.kind == FlagKind.COPIED_TEXT:
            context["left"], context["right"] = side_by_side(flag.report.text, flag.other_report.text)
        notes.setdefault(flag.report_id, []).append(ReviewNote("insights/formalism/_review_note.html", context))
    return notes


def meeting_notes(*, user, records) -> dict[int, list[Note]]:
    """On a meeting's page: each open or confirmed flag on the meeting the user may see (a photo of it used before,
    beside the earlier use; its minutes copied; nothing in it), with the link to judge it."""
    ids = [m.pk for m in records]
    if not ids:
        return {}
    notes: dict[int, list[Note]] = {}
    flags = flag_list(user=user).filter(meeting_id__in=ids, state__in=COUNTED_STATES)
    for flag in flags.prefetch_related("meeting_file", "other_meeting_file", "other_evidence").order_by("id"):
        context = {"flag": flag, "text": describe(flag)}
        notes.setdefault(flag.meeting_id, []).append(Note("insights/formalism/_meeting_note.html", context))
    return notes


def flags_for_diagnosis(*, organizations, period) -> QuerySet[Flag]:
    """The open and confirmed flags of these organizations in a period (or the periods within it)."""
    return Flag.objects.filter(
        organization__in=organizations,
        state__in=COUNTED_STATES,
        period__start__lte=period.end,
        period__end__gte=period.start,
    ).select_related("organization", "other_organization")
