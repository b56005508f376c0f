"""The records behind a metric as rows a page or the API shows, restricted by the policy: one maker per metric."""

import datetime as dt
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, restrict, subject
from grassroots.duties.models import (
    Assignment,
    AssignmentState,
    ClaimState,
    ReportState,
)
from grassroots.organizations.models import (
    Organization,
)
from grassroots.orglife.models import (
    Attendance,
    AttendanceStatus,
    Meeting,
)

from .. import outside
from ..models import (
    AssessmentRun,
    Metric,
)
from .records import (
    RECORDS_SHOWN,
    MemberLine,
    Scope,
    _meeting_orgs,
    held_meetings,
    meeting_records,
    member_lines,
    record_query,
    study_required,
)
from .runs import run_asof


@dataclass
class Records:
    """The rows behind one indicator: what the reader may see of them, and how many they may not."""

    metric: str
    rows: list = field(default_factory=list)
    hidden: int = 0
    more: int = 0
    note: str = ""

    @property
    def count(self) -> int:
        return len(self.rows)


def record_row(kind, obj_id, title, **fields) -> dict:
    """A row of the explanation (what _row makes), for the records of an outside metric (outside.Source.row):
    url, organization, date, flag ("ok", "late" or "open"), flag_label, details."""
    return _row(kind, obj_id, title, **fields)


def _row(kind, obj_id, title, *, url="", organization=None, date=None, flag="", flag_label="", details=()):
    return {
        "type": kind,
        "id": obj_id,
        "title": title,
        "url": url,
        "organization": organization.display_name() if organization is not None else "",
        "organization_id": organization.pk if organization is not None else None,
        "date": date,
        "flag": flag,
        "flag_label": str(flag_label),
        "details": [str(d) for d in details if d],
    }


def _restricted(user, qs):
    """The rows of `qs` the user may view, and how many others the count includes."""
    if qs.model is Attendance:  # attendance is seen with its meeting
        visible = qs.filter(meeting__in=restrict(user, Action.VIEW, Meeting.objects.all()))
        if subject(user).is_superuser:
            visible = qs
    else:
        visible = restrict(user, Action.VIEW, qs)
    if visible is qs:
        return qs, 0
    total = qs.count()
    shown = visible.count()
    return visible, max(0, total - shown)


def _assignment_row(a: Assignment, asof: dt.date) -> dict:
    duty = a.duty
    details = [AssignmentState(a.state).label, _("due %(date)s") % {"date": a.due_on.isoformat()}]
    if a.accepted_on:
        details.append(_("accepted %(date)s") % {"date": a.accepted_on.isoformat()})
    if duty.is_major:
        details.insert(0, _("major task"))
    elif duty.is_key:
        details.insert(0, _("key work"))
    if a.state == AssignmentState.ACCEPTED:
        if a.accepted_on and a.accepted_on > a.due_on:
            days = (a.accepted_on - a.due_on).days
            flag, label = "late", _("accepted %(n)d days late") % {"n": days}
        else:
            flag, label = "ok", _("on time")
    elif a.due_on < asof:
        days = (asof - a.due_on).days
        flag, label = "late", _("not done, %(n)d days overdue") % {"n": days}
    else:
        flag, label = "open", _("not due yet")
    return _row(
        "assignment",
        a.pk,
        duty.title,
        url=reverse("duties:assignment", args=[a.pk]),
        organization=a.organization,
        date=a.due_on,
        flag=flag,
        flag_label=label,
        details=details,
    )


def _limit(records: Records, qs, make) -> Records:
    items = list(qs[: RECORDS_SHOWN + 1])
    if len(items) > RECORDS_SHOWN:
        records.more = qs.count() - RECORDS_SHOWN
        items = items[:RECORDS_SHOWN]
    records.rows = [make(item) for item in items]
    return records


@dataclass
class Asked:
    """What the rows of one metric are made for: the reader, the run, the organization, the day the run counted to."""

    user: object
    run: AssessmentRun
    organization: Organization
    asof: dt.date

    def visible(self, records: Records):
        """The records of `records.metric` the reader may view; how many others there are goes to `records.hidden`."""
        qs, records.hidden = _restricted(self.user, record_query(records.metric)(self.run, self.organization))
        return qs


# The maker of each metric's rows: (Records, Asked) -> Records, registered by _rows_of.
ROW_MAKERS: dict = {}


def _rows_of(*metrics):
    def register(make):
        for metric in metrics:
            ROW_MAKERS[metric] = make
        return make

    return register


def records_for(*, user, run: AssessmentRun, organization: Organization, metric: str) -> Records:
    """The records behind a metric for an organization's subtree, as rows, restricted by the policy."""
    records = Records(metric)
    make = ROW_MAKERS.get(metric)
    if make is None and outside.source_of(metric) is not None:
        make = _outside_rows
    if make is None:
        return records
    return make(records, Asked(user, run, organization, run_asof(run)))


@_rows_of(Metric.MEETINGS, Metric.MISSING_MEETINGS)
def _meeting_rows(records: Records, asked: Asked) -> Records:
    """Per organization and kind of meeting, the count held against the count required (only the missing ones for
    MISSING_MEETINGS); for MEETINGS, a note of how many meetings were held."""
    run, organization = asked.run, asked.organization
    visible = restrict(asked.user, Action.VIEW, _meeting_orgs(Scope(run, organization, asked.user))).values_list("pk")
    visible = {pk for (pk,) in set(visible)}
    rows = []
    hidden = 0
    for status in meeting_records(run, organization):
        org = status["organization"]
        if org.pk not in visible:
            hidden += 1
            continue
        if records.metric == Metric.MISSING_MEETINGS and not status["missing"]:
            continue
        flag = "late" if status["missing"] else "ok"
        label = _("%(n)d missing") % {"n": status["missing"]} if status["missing"] else _("held as the rules require")
        rows.append(
            _row(
                "meeting_kind",
                status["kind"],
                str(status["label"]),
                url=reverse("orglife:meetings", args=[org.pk]),
                organization=org,
                flag=flag,
                flag_label=label,
                details=[
                    _("required by %(day)s: %(r)d, held %(h)d")
                    % {"day": date_format(asked.asof, "Y-m-d"), "r": status["required"], "h": status["held"]}
                ],
            )
        )
    rows.sort(key=lambda r: (r["flag"] != "late",))
    records.rows, records.hidden = rows, hidden
    if records.metric == Metric.MEETINGS:
        meetings, _hidden = _restricted(asked.user, held_meetings(run, organization))
        records.note = _("%(n)d meetings held in the period.") % {"n": meetings.count()}
    return records


@_rows_of(Metric.COMPLETION, Metric.ON_TIME, Metric.KEY_WORK, Metric.OVERDUE_KEY, Metric.MAJOR_FAILED)
def _assignment_rows(records: Records, asked: Asked) -> Records:
    # The ones that cost points come first.
    rows = _limit(records, asked.visible(records), lambda a: _assignment_row(a, asked.asof)).rows
    rows.sort(key=lambda r: ({"late": 0, "open": 1, "ok": 2}.get(r["flag"], 3), r["date"] or dt.date.min))
    return records


@_rows_of(Metric.RETURNED)
def _report_rows(records: Records, asked: Asked) -> Records:
    def report_row(r):
        returned = r.state == ReportState.RETURNED
        return _row(
            "report",
            r.pk,
            r.assignment.duty.title,
            url=reverse("duties:assignment", args=[r.assignment_id]),
            organization=r.assignment.organization,
            date=timezone.localdate(r.reviewed_at) if r.reviewed_at else None,
            flag="late" if returned else "ok",
            flag_label=_("returned") if returned else _("accepted"),
            details=[r.return_reason] if returned else [],
        )

    return _limit(records, asked.visible(records), report_row)


@_rows_of(Metric.ATTENDANCE, Metric.UNEXCUSED)
def _attendance_rows(records: Records, asked: Asked) -> Records:
    def attendance_row(a):
        absent = a.status == AttendanceStatus.ABSENT
        return _row(
            "attendance",
            a.pk,
            f"{a.member.name} · {a.meeting.get_kind_display()}",
            url=reverse("orglife:meeting", args=[a.meeting_id]),
            organization=a.meeting.organization,
            date=a.meeting.held_on,
            flag="late" if absent else "open",
            flag_label=AttendanceStatus(a.status).label,
            details=[a.reason],
        )

    return _limit(records, asked.visible(records), attendance_row)


@_rows_of(Metric.STUDY)
def _study_rows(records: Records, asked: Asked) -> Records:
    """A row per member counted (per stay for one who moved or left): the hours recorded, confirmed and waiting for
    confirmation, against the plan's hours by the as-of day (a cadre's for a secretary, deputy or committee member),
    times the share of the days counted that the member was there."""
    qs = asked.visible(records)
    plain, cadre = study_required(asked.run)
    members = list(qs[: RECORDS_SHOWN + 1])
    if len(members) > RECORDS_SHOWN:
        records.more = qs.count() - RECORDS_SHOWN
        members = members[:RECORDS_SHOWN]

    def study_row(line: MemberLine):
        need = (cadre if line.is_cadre else plain) * line.share
        ok = line.hours >= need
        m = line.member
        details = [
            _("%(confirmed)s h confirmed, %(pending)s h waiting for confirmation")
            % {"confirmed": _num(line.confirmed), "pending": _num(line.pending)},
            _("secretary, deputy secretary or committee member") if line.is_cadre else "",
        ]
        if line.share < 1:
            details.append(
                _("a member here from %(first)s to %(last)s, %(pct)s%% of the days counted")
                % {
                    "first": date_format(line.first, "Y-m-d"),
                    "last": date_format(line.last, "Y-m-d"),
                    "pct": _num(100 * line.share),
                }
            )
        return _row(
            "member",
            m.pk,
            m.name,
            url=reverse("organizations:member", args=[m.pk]),
            organization=line.organization,
            flag="ok" if ok else "late",
            flag_label=_("%(got)s of %(need)s hours") % {"got": _num(line.hours), "need": _num(need)},
            details=details,
        )

    records.rows = [study_row(line) for line in member_lines(asked.run, asked.organization, members)]
    records.rows.sort(key=lambda r: r["flag"] != "late")
    return records


@_rows_of(Metric.CARE)
def _care_rows(records: Records, asked: Asked) -> Records:
    def care_row(c):
        due_from = asked.asof - dt.timedelta(days=c.visit_interval_days)
        in_time = c.last_visit is not None and c.last_visit >= due_from
        return _row(
            "care_case",
            c.pk,
            f"{c.member.name} · {c.get_category_display()}",
            url=reverse("orglife:care", args=[c.member.organization_id]),
            organization=c.member.organization,
            date=c.last_visit,
            flag="ok" if in_time else "late",
            flag_label=(
                _("last visit %(date)s") % {"date": c.last_visit.isoformat()} if c.last_visit else _("never visited")
            ),
            details=[_("visit at least every %(n)d days") % {"n": c.visit_interval_days}],
        )

    records = _limit(records, asked.visible(records), care_row)
    records.rows.sort(key=lambda r: r["flag"] != "late")
    return records


@_rows_of(Metric.TALKS)
def _talk_rows(records: Records, asked: Asked) -> Records:
    return _limit(
        records,
        asked.visible(records),
        lambda m: _row(
            "member",
            m.pk,
            m.name,
            url=reverse("orglife:talks", args=[m.organization_id]),
            organization=m.organization,
            flag="late",
            flag_label=_("no talk in the period"),
        ),
    )


@_rows_of(Metric.CLAIMS)
def _claim_rows(records: Records, asked: Asked) -> Records:
    return _limit(
        records,
        asked.visible(records),
        lambda c: _row(
            "claim",
            c.pk,
            c.duty.title,
            organization=c.member.organization if c.member_id else None,
            date=timezone.localdate(c.created_at),
            flag="ok",
            flag_label=ClaimState(c.state).label,
            details=[c.member.name if c.member_id else ""],
        ),
    )


@_rows_of(Metric.OBJECTIVES)
def _objective_rows(records: Records, asked: Asked) -> Records:
    def objective_row(o):
        share = o.attainment(o.latest_value)
        return _row(
            "objective",
            o.pk,
            o.name,
            organization=o.organization,
            date=o.latest_on,
            flag="ok" if share >= 1 else "late",
            flag_label=_("%(pct)d%% of the way to the target") % {"pct": round(100 * share)},
            details=[
                _("baseline %(b)s, target %(t)s, latest %(v)s")
                % {
                    "b": _num(o.baseline),
                    "t": _num(o.target),
                    "v": _num(o.latest_value) if o.latest_value is not None else "—",
                }
            ],
        )

    return _limit(records, asked.visible(records), objective_row)


@_rows_of(Metric.VETO_EVENTS)
def _veto_rows(records: Records, asked: Asked) -> Records:
    return _limit(
        records,
        asked.visible(records),
        lambda v: _row(
            "veto_event",
            v.pk,
            _veto_text(v),
            organization=v.organization,
            date=v.occurred_on,
            flag="late",
            flag_label=_("veto"),
        ),
    )


def _veto_text(event) -> str:
    """A veto's reason, and when and why it was taken back if it was (after the closed run that counted it)."""
    if event.withdrawn_at is None:
        return event.reason
    return _("%(reason)s (taken back on %(day)s: %(why)s)") % {
        "reason": event.reason,
        "day": date_format(timezone.localdate(event.withdrawn_at), "Y-m-d"),
        "why": event.withdrawn_reason,
    }


def _num(value) -> str:
    if value is None:
        return ""
    number = float(value)
    return f"{number:.0f}" if number == int(number) else f"{number:.1f}"


def _outside_rows(records: Records, asked: Asked) -> Records:
    """The records of an outside metric (outside.py), as its source makes their rows; those that cost points first."""
    source = outside.source_of(records.metric)
    records = _limit(records, asked.visible(records), lambda record: source.row(record, asked.asof))
    records.rows.sort(key=lambda r: {"late": 0, "open": 1, "ok": 2}.get(r["flag"], 3))
    return records
