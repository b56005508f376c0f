"""Each flag in plain words, in the reader's language: what was found and the figure that shows it."""

from django.utils.translation import gettext as _

from ..models import Flag, FlagKind


def _org(org) -> str:
    return org.display_name() if org is not None else ""


def use_of(flag: Flag, side: str) -> str:
    """Where a flagged photo was used, on one side of the flag: a meeting or a report, and its date."""
    meeting = getattr(flag, f"{side}meeting") if getattr(flag, f"{side}meeting_file_id") else None
    if meeting is not None:
        return _("the meeting of %(date)s") % {"date": f"{meeting.held_on:%Y-%m-%d}"}
    report = getattr(flag, f"{side}report")
    return _("the report of %(date)s") % {"date": f"{report.created_at:%Y-%m-%d}"} if report is not None else ""


def describe(flag: Flag) -> str:
    d = flag.details or {}
    org = _org(flag.organization)
    if flag.kind == FlagKind.COPIED_TEXT:
        percent = round(float(flag.similarity or 0) * 100)
        if flag.other_organization_id == flag.organization_id:
            return _(
                "The text of %(org)s repeats its own text of an earlier period: %(percent)s%% of the wording "
                "that is not common to everyone is the same."
            ) % {"org": org, "percent": percent}
        return _(
            "The text of %(org)s nearly repeats that of %(other)s: %(percent)s%% of the wording that is not common "
            "to everyone is the same."
        ) % {"org": org, "other": _org(flag.other_organization), "percent": percent}
    if flag.kind == FlagKind.REUSED_PHOTO and (flag.meeting_file_id or flag.other_meeting_file_id):
        return _("A photo of %(org)s in %(this)s was already used by %(other)s in %(where)s.") % {
            "org": org,
            "this": use_of(flag, ""),
            "other": _org(flag.other_organization),
            "where": use_of(flag, "other_"),
        }
    if flag.kind == FlagKind.REUSED_PHOTO:
        if flag.other_organization_id == flag.organization_id:
            return _("A photo of %(org)s was already used as evidence of another of its reports.") % {"org": org}
        return _("A photo of %(org)s was already used as evidence by %(other)s.") % {
            "org": org,
            "other": _org(flag.other_organization),
        }
    if flag.kind == FlagKind.MEETING_BURST:
        return _(
            "%(org)s recorded %(late)s of the quarter's %(held)s meetings within %(hours)s hours around its end, "
            "each dated more than a week earlier."
        ) % {"org": org, "late": d.get("late"), "held": d.get("held"), "hours": d.get("hours")}
    if flag.kind == FlagKind.REPORT_BURST:
        return _("%(org)s submitted %(n)s reports within %(minutes)s minutes on %(day)s, each on its due date.") % {
            "org": org,
            "n": d.get("count"),
            "minutes": d.get("minutes"),
            "day": d.get("day"),
        }
    if flag.kind == FlagKind.EMPTY_MEETING:
        if d.get("no_minutes") and d.get("no_attendance"):
            return _("A meeting of %(org)s was recorded with no minutes and no attendance.") % {"org": org}
        if d.get("no_minutes"):
            return _("A meeting of %(org)s was recorded with no minutes.") % {"org": org}
        return _("A meeting of %(org)s was recorded with no attendance.") % {"org": org}
    if flag.kind == FlagKind.SAME_ATTENDANCE:
        return _(
            "All %(n)s meetings of %(org)s this year have the very same attendance (%(people)s people, each with "
            "the same status)."
        ) % {"org": org, "n": d.get("meetings"), "people": d.get("people")}
    return flag.get_kind_display()
