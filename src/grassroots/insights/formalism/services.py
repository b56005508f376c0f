"""Writes of the formalism part: flags raised by the detectors (when a report is submitted, a meeting recorded, a
report on duty written, or a period scanned), and a reviewer's decision on each (dismissed with a reason,
confirmed, a case opened from a confirmed one), each checked by the policy and audited. A flag never changes a
score: it is a question put to a person."""

import datetime as dt
import heapq
import logging

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.accountability import services as accountability
from grassroots.accountability.models import DutyReport
from grassroots.accountability.models import ReportState as DutyReportState
from grassroots.core.audit import audit, snapshot
from grassroots.core.context import after_answer
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import Period
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, require
from grassroots.duties.models import Evidence, ProgressReport, ReportState
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Meeting, MeetingFile, MeetingState

from ..models import Flag, FlagKind, FlagState, PhotoSignature, TextSource
from . import detectors, index, notices
from .words import describe

log = logging.getLogger(__name__)
REASON_MAX = 500


# ---------------------------------------------------------------- where a record belongs


def reviewing_of(organization: Organization, issuer: Organization | None = None) -> Organization:
    """Who judges a flag on `organization`: the issuer of the flagged work, else the level above."""
    if issuer is not None and issuer.pk != organization.pk:
        return issuer
    return organization.parent or organization


def report_period(report: ProgressReport) -> Period:
    return report.assignment.duty.duty_list.period or period_for(str(timezone.localdate(report.created_at).year))


def _report(report: ProgressReport) -> ProgressReport:
    return ProgressReport.objects.select_related(
        "assignment__organization__parent", "assignment__duty__organization", "assignment__duty__duty_list__period"
    ).get(pk=report.pk)


# ---------------------------------------------------------------- raising flags (the system)


def _raise(*, key: str, kind: str, organization, reviewing, period, **fields) -> Flag | None:
    """One flag per finding, however often the detectors run: None when the finding has a flag already."""
    if Flag.objects.filter(key=key).exists():
        return None
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                key=key, kind=kind, organization=organization, reviewing=reviewing, period=period, **fields
            )
            audit("insights.flag.raise", obj=flag, after=snapshot(flag, flag.audit_fields))
            notices.tell_reviewers(flag)
            return flag
    except IntegrityError:
        return None  # raised meanwhile by another process


def _raise_found(found: detectors.Found) -> Flag | None:
    meetings, reports = found.meetings, found.reports
    details = dict(found.details)
    if meetings:
        details["meetings"] = [m.pk for m in meetings]
    if reports:
        details["reports"] = [r.pk for r in reports]
    issuer = reports[0].assignment.duty.organization if reports else None
    return _raise(
        key=found.key,
        kind=found.kind,
        organization=found.organization,
        reviewing=reviewing_of(found.organization, issuer),
        period=found.period,
        meeting=meetings[0] if meetings else None,
        other_meeting=meetings[-1] if len(meetings) > 1 else None,
        report=reports[0] if reports else None,
        other_report=reports[-1] if len(reports) > 1 else None,
        details=details,
    )


def _text_flags(*, source: str, record, text: str, sig, organization, reviewing, period, thread: int = 0) -> list[Flag]:
    """The record's text kept in the index (its signature `sig` made already) and a copied-text flag beside the
    closest earlier text it copies."""
    matches = index.index_text(
        source=source,
        record_id=record.pk,
        text=text,
        organization=organization,
        period=period,
        thread=thread,
        sig=sig,
    )
    raised = []
    field = {TextSource.REPORT: "report", TextSource.MEETING: "meeting", TextSource.DUTY_REPORT: "duty_report"}[source]
    model = {TextSource.REPORT: ProgressReport, TextSource.MEETING: Meeting, TextSource.DUTY_REPORT: DutyReport}[source]
    for match in matches[:1]:  # the closest one: a text copied by many is flagged once, beside its nearest copy
        other = model.objects.filter(pk=match.other.record_id).first()
        if other is None:
            continue
        flag = _raise(
            key=f"text:{source}:{record.pk}:{match.other.record_id}",
            kind=FlagKind.COPIED_TEXT,
            organization=organization,
            reviewing=reviewing,
            period=period,
            other_organization=match.other.organization,
            similarity=round(match.similarity, 3),
            details={"source": source, "shared_shingles": match.shared},
            **{field: record, f"other_{field}": other},
        )
        if flag is not None:
            raised.append(flag)
    return raised


def _earlier_use(signature) -> tuple[str, dict]:
    """A kept photo as a flag names its earlier use: its key part and fields (a report's evidence, or a meeting's
    file)."""
    if signature.evidence_id:
        # The report apart, by its id and assignment (one shard): evidence and reports lie by assignment, so Citus
        # cannot join them on the report's id alone.
        evidence = Evidence.objects.get(pk=signature.evidence_id)
        report = ProgressReport.objects.get(pk=evidence.report_id, assignment_id=evidence.assignment_id)
        return str(evidence.pk), {"other_report": report, "other_evidence": evidence}
    upload = MeetingFile.objects.select_related("meeting").get(pk=signature.meeting_file_id)
    return f"m{upload.pk}", {"other_meeting": upload.meeting, "other_meeting_file": upload}


def _photo_flags(matches, own: dict, *, organization, reviewing, period) -> list[Flag]:
    """A reused-photo flag for each match: this photo (own: the report and evidence, or the meeting and file) beside
    the earlier use of it, in a report or at a meeting."""
    upload = own.get("evidence") or own["meeting_file"]
    mine = str(upload.pk) if "evidence" in own else f"m{upload.pk}"
    raised = []
    for match in matches:
        theirs, other = _earlier_use(match.other)
        earlier = other.get("other_evidence") or other["other_meeting_file"]
        where = {"organization": organization, "reviewing": reviewing, "period": period, **own, **other}
        details = {"distance": match.distance, "same_file": upload.sha256 == earlier.sha256}
        similarity = round(1 - match.distance / 64, 3)
        flag = _raise(
            key=f"photo:{mine}:{theirs}",
            kind=FlagKind.REUSED_PHOTO,
            similarity=similarity,
            details=details,
            **where,
            other_organization=match.other.organization,
        )
        if flag is not None:
            raised.append(flag)
    return raised


def check_report(report: ProgressReport) -> list[Flag]:
    """A submitted report checked against the indexes (its text, its photos) and for a rush: what it raises. The
    signatures are made first, the index searched and written in one transaction after them."""
    report = _report(report)
    assignment = report.assignment
    organization, period = assignment.organization, report_period(report)
    reviewing = reviewing_of(organization, assignment.duty.organization)
    sig = index.text_signature(TextSource.REPORT, report.text)
    photos = [(e, index.photo_hashes(e)) for e in Evidence.objects.filter(report=report, kind="image")]
    with transaction.atomic(savepoint=False):
        raised = _text_flags(
            source=TextSource.REPORT,
            record=report,
            text=report.text,
            sig=sig,
            organization=organization,
            reviewing=reviewing,
            period=period,
            thread=assignment.pk,
        )
        for evidence, hashes in photos:
            # the closest one: a photo used by many is flagged once on each report, beside its nearest copy
            matches = index.index_photo(
                evidence=evidence, organization=organization, thread=assignment.pk, hashes=hashes
            )
            own = {"report": report, "evidence": evidence}
            raised += _photo_flags(matches[:1], own, organization=organization, reviewing=reviewing, period=period)
        if assignment.due_on == timezone.localdate(report.created_at):
            found = detectors.report_rush(organization, assignment.due_on)
            if found is not None and (flag := _raise_found(found)) is not None:
                raised.append(flag)
    return raised


def check_meeting(meeting: Meeting) -> list[Flag]:
    """A meeting recorded as held, checked: its minutes against the index, empty, in a burst, attendance copied.
    The signatures first, then the index and the flags in one transaction."""
    meeting = Meeting.objects.select_related("organization__parent").get(pk=meeting.pk)
    if meeting.state != MeetingState.HELD:
        return []
    organization = meeting.organization
    quarter = detectors.quarter_of(meeting.held_on)
    minutes = (meeting.minutes or "").strip()
    sig = index.text_signature(TextSource.MEETING, meeting.minutes) if minutes else None
    uploads = MeetingFile.objects.filter(meeting=meeting, kind="image").order_by("id")
    photos = [(upload, index.photo_hashes(upload)) for upload in uploads]
    raised = []
    with transaction.atomic(savepoint=False):
        if minutes:
            raised += _text_flags(
                source=TextSource.MEETING,
                record=meeting,
                text=meeting.minutes,
                sig=sig,
                organization=organization,
                reviewing=reviewing_of(organization),
                period=quarter,
            )
        for upload, hashes in photos:
            # a meeting's photos are one thread (minus its id): two shots of one meeting are not copies of each other
            matches = index.index_photo(
                meeting_file=upload, organization=organization, thread=-meeting.pk, hashes=hashes
            )
            raised += _photo_flags(
                matches[:1],
                {"meeting": meeting, "meeting_file": upload},
                organization=organization,
                reviewing=reviewing_of(organization),
                period=quarter,
            )
        for found in (
            detectors.empty_meeting(meeting),
            detectors.meeting_burst(organization, quarter),
            detectors.same_attendance(organization, meeting.held_on.year),
        ):
            if found is not None and (flag := _raise_found(found)) is not None:
                raised.append(flag)
    return raised


def check_duty_report(report: DutyReport) -> list[Flag]:
    """A report on duty checked against the others kept (another branch's, or the same one's of an earlier year)."""
    report = DutyReport.objects.select_related("review__organization", "review__period", "organization").get(
        pk=report.pk
    )
    if report.state != DutyReportState.SUBMITTED:
        return []
    sig = index.text_signature(TextSource.DUTY_REPORT, report.text)
    with transaction.atomic(savepoint=False):
        return _text_flags(
            source=TextSource.DUTY_REPORT,
            record=report,
            text=report.text,
            sig=sig,
            organization=report.organization,
            reviewing=report.review.organization,
            period=report.review.period,
            thread=report.member_id,
        )


def _guarded(check, record) -> list[Flag]:
    """Run a detector on a record just written; a detector's failure never stops the work it looks at."""
    try:
        if transaction.get_connection().in_atomic_block:
            # A savepoint: a failure undoes the check alone (the check's own block makes none inside it).
            with transaction.atomic():
                return check(record)
        # After the answer: the check writes in a transaction of its own once its signatures are made, so that
        # SQLite's one writer never waits for the hashing.
        return check(record)
    except ObjectDoesNotExist:  # checked after the answer, and the write that made it was rolled back
        log.warning("formalism check of %s %s: not there to check", type(record).__name__, record.pk)
        return []
    except Exception:  # noqa: BLE001 - logged; the report, meeting or review goes ahead unflagged
        log.exception("formalism check of %s %s failed", type(record).__name__, record.pk)
        return []


def _after_answer(check, record) -> None:
    """Check a record once the request that wrote it has been answered (at once outside a request): the signatures,
    the reused-photo search and the flags are about half of a report's cost, and nothing in the answer shows them.
    A record whose transaction was rolled back is not there to check."""

    after_answer(lambda: _guarded(check, record))


def on_report_submitted(sender, report, **kwargs):
    _after_answer(check_report, report)


def on_meeting_recorded(sender, meeting, **kwargs):
    _after_answer(check_meeting, meeting)


def on_duty_report_submitted(sender, report, **kwargs):
    _after_answer(check_duty_report, report)


# ---------------------------------------------------------------- the whole corpus (the command, the bench)


def formalism_index_check(*, actor) -> None:
    """Rebuilding the indexes reads every organization's records: for a system administrator."""
    require(actor, Action.MANAGE_STRUCTURE, _root_or_refuse())


def _root_or_refuse() -> Organization:
    root = Organization.objects.filter(parent__isnull=True).order_by("path").first()
    if root is None:
        raise ValidationError(_("There is no organization yet."))
    return root


def _corpus_samples(limit: int = 20000) -> dict[str, list[str]]:
    """The latest texts of each kind, from which its template phrases are learnt."""
    return {
        TextSource.REPORT: list(ProgressReport.objects.order_by("-id").values_list("text", flat=True)[:limit]),
        TextSource.MEETING: list(
            Meeting.objects.exclude(minutes="").order_by("-id").values_list("minutes", flat=True)[:limit]
        ),
        TextSource.DUTY_REPORT: list(
            DutyReport.objects.exclude(text="").order_by("-id").values_list("text", flat=True)[:limit]
        ),
    }


def formalism_index(*, actor, since: dt.date | None = None) -> dict:
    """Learn the template phrases from the corpus, then index every record from `since` on in the order they came,
    raising the flags each finds against those before it. Returns counts."""
    formalism_index_check(actor=actor)
    learnt = sum(index.relearn_stop_list(texts, source=source) for source, texts in _corpus_samples().items())
    index.clear_texts()
    if since is None:  # photos are indexed again from the first on, in the order they came (earlier: kept)
        PhotoSignature.objects.all().delete()
    counts = {"stop_shingles": learnt, "reports": 0, "meetings": 0, "duty_reports": 0, "flags": 0}
    reports = ProgressReport.objects.exclude(state=ReportState.WITHDRAWN).order_by("created_at", "id")
    meetings = Meeting.objects.filter(state=MeetingState.HELD).order_by("created_at", "id")
    duty_reports = DutyReport.objects.filter(state=DutyReportState.SUBMITTED).order_by("submitted_at", "id")
    if since is not None:
        reports = reports.filter(created_at__date__gte=since)
        meetings = meetings.filter(created_at__date__gte=since)
        duty_reports = duty_reports.filter(submitted_at__date__gte=since)
    # Reports and meetings in the order they came, so that a photo is flagged where it was used again, either way.
    for record in heapq.merge(
        reports.iterator(chunk_size=500), meetings.iterator(chunk_size=500), key=lambda r: r.created_at
    ):
        is_report = isinstance(record, ProgressReport)
        counts["flags"] += len(_guarded(check_report if is_report else check_meeting, record))
        counts["reports" if is_report else "meetings"] += 1
    for duty_report in duty_reports.iterator(chunk_size=500):
        counts["flags"] += len(_guarded(check_duty_report, duty_report))
        counts["duty_reports"] += 1
    audit("insights.formalism.index", actor=actor, object_type="insights.flag", object_repr="index", after=counts)
    return counts


# ---------------------------------------------------------------- a reviewer's decision


def _locked(flag: Flag) -> Flag:
    return (
        Flag.objects.select_for_update(of=("self",))
        .select_related("organization", "reviewing", "period")
        .get(pk=flag.pk)
    )


def flag_decide_check(*, actor, flag: Flag) -> None:
    """A flag is judged by those who review the reviewing organization's work, while it is open."""
    require(
        actor, Action.CHANGE, flag.reviewing, _("Only the reviewing organization and those above it judge this flag.")
    )
    if flag.state != FlagState.OPEN:
        raise Conflict(_("This flag was already decided: %(state)s.") % {"state": flag.get_state_display()})


def _decided(flag: Flag, *, actor, state: str, reason: str, action: str) -> Flag:
    before = snapshot(flag, flag.audit_fields)
    flag.state, flag.reason = state, reason
    flag.decided_by, flag.decided_at = actor, timezone.now()
    flag.version += 1
    flag.save()
    audit(action, actor=actor, obj=flag, before=before, after=snapshot(flag, flag.audit_fields))
    return flag


@transaction.atomic
def flag_dismiss(*, actor, flag: Flag, reason: str) -> Flag:
    """Dismiss a flag: the records are in order after all, and the reason says why."""
    flag = _locked(flag)
    flag_decide_check(actor=actor, flag=flag)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the flag is dismissed.")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("The reason is at most 500 characters.")})
    return _decided(flag, actor=actor, state=FlagState.DISMISSED, reason=reason, action="insights.flag.dismiss")


@transaction.atomic
def flag_confirm(*, actor, flag: Flag, note: str = "") -> Flag:
    """Confirm a flag: the work was done for show. It then counts in the diagnosis and may open a case."""
    flag = _locked(flag)
    flag_decide_check(actor=actor, flag=flag)
    note = (note or "").strip()
    if len(note) > REASON_MAX:
        raise ValidationError({"reason": _("The reason is at most 500 characters.")})
    return _decided(flag, actor=actor, state=FlagState.CONFIRMED, reason=note, action="insights.flag.confirm")


def flag_open_case_check(*, actor, flag: Flag) -> None:
    """A case is opened from a confirmed flag, once, by those who pursue above the organization flagged."""
    if flag.state != FlagState.CONFIRMED:
        raise Conflict(_("Only a confirmed flag opens a case."))
    if flag.case_id is not None:
        raise Conflict(_("A case was already opened from this flag."))
    accountability.case_open_check(actor=actor, organization=flag.organization)


def flag_evidence(flag: Flag) -> list[dict]:
    """The records of a flag as a case keeps its evidence: labels with links inside the site."""
    out = [{"label": _("Formalism flag: %(kind)s") % {"kind": flag.get_kind_display()}, "url": flag_url(flag)}]
    for report in (flag.report, flag.other_report):
        if report is not None:
            out.append(
                {
                    "label": _("Report of %(org)s, %(when)s")
                    % {"org": report.assignment.organization.name, "when": f"{report.created_at:%Y-%m-%d}"},
                    "url": reverse("duties:assignment", args=[report.assignment_id]),
                }
            )
    for meeting in (flag.meeting, flag.other_meeting):
        if meeting is not None:
            out.append(
                {
                    "label": _("Meeting of %(org)s, %(when)s")
                    % {"org": meeting.organization.name, "when": f"{meeting.held_on:%Y-%m-%d}"},
                    "url": reverse("orglife:meeting", args=[meeting.pk]),
                }
            )
    return out


def flag_url(flag: Flag) -> str:
    return reverse("insights:flag", args=[flag.pk])


@transaction.atomic
def flag_open_case(*, actor, flag: Flag, title: str = "", facts: str = ""):
    """Open a case of accountability from a confirmed flag, its records as the case's evidence."""
    flag = _locked(flag)
    flag_open_case_check(actor=actor, flag=flag)
    title = (title or "").strip() or _("Work done for show: %(kind)s") % {"kind": flag.get_kind_display()}
    facts = (facts or "").strip() or flag_facts(flag)
    case = accountability.case_open(
        actor=actor,
        organization=flag.organization,
        title=title,
        facts=facts,
        period=flag.period,
        evidence=flag_evidence(flag),
    )
    before = snapshot(flag, flag.audit_fields)
    flag.case = case
    flag.version += 1
    flag.save(update_fields=["case", "version", "updated_at"])
    audit("insights.flag.case", actor=actor, obj=flag, before=before, after=snapshot(flag, flag.audit_fields))
    return case


def flag_facts(flag: Flag) -> str:
    """The flag in plain words, in the active language (the case's facts, the diagnosis's finding)."""
    text = describe(flag)
    if flag.reason:
        text += " " + _("The reviewer's note: %(note)s") % {"note": flag.reason}
    return text
