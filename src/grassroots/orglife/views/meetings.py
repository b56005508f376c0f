"""Pages of meetings: the list, recording one held with its attendance, planning one, holding a planned one, files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from grassroots.core.errors import Conflict
from grassroots.core.policy import Action, can
from grassroots.core.uploads import max_upload_mb, serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import MeetingForm, MeetingHoldForm
from ..meeting_notes import attach_meeting_notes
from ..models import AttendanceStatus, Meeting, MeetingFile, MeetingKind, MeetingState
from .common import attendee_choices, next_url, org_or_404


def _meeting(request, pk) -> Meeting:
    return get_object_or_404(selectors.meeting_list(user=request.user).select_related("created_by"), pk=pk)


@login_required
def meeting_list(request, pk):
    org = org_or_404(request, pk)
    page = Paginator(selectors.meetings_held(user=request.user, organization=org), 30).get_page(request.GET.get("page"))
    context = {
        "organization": org,
        "page": page,
        "planned": selectors.meetings_planned(user=request.user, organization=org),
        "can_change": can(request.user, Action.CHANGE, org),
    }
    return render(request, "orglife/meetings.html", context)


def _meeting_form_page(request, org, form, *, planned, title, meeting=None):
    context = {
        "organization": org,
        "meeting": meeting,
        "form": form,
        "planned": planned,
        "title": title,
        "files_lost": request.method == "POST" and bool(request.FILES),
        "max_mb": max_upload_mb(),
    }
    return render(request, "orglife/meeting_form.html", context)


def _recorded_message(meeting, attendance: dict, *, planned: bool) -> str:
    if planned:
        return _("Meeting planned for %(date)s.") % {"date": meeting.held_on.isoformat()}
    return _("%(kind)s of %(date)s recorded with the attendance of %(n)d members.") % {
        "kind": meeting.get_kind_display(),
        "date": meeting.held_on.isoformat(),
        "n": len(attendance),
    }


def _meeting_new(request, pk, *, planned: bool):
    org = org_or_404(request, pk, Action.CHANGE)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in MeetingKind.values else {}
    form = MeetingForm(
        request.POST or None,
        request.FILES or None,
        pool=attendee_choices(org),
        planned=planned,
        initial=initial,
        organization=org,
    )
    if request.method == "POST" and form.is_valid():
        attendance = {} if planned else form.attendance()
        if not form.errors:
            data = form.cleaned_data
            meeting = run_service(
                request,
                services.meeting_record,
                form=form,
                actor=request.user,
                organization=org,
                kind=data["kind"],
                held_on=data["held_on"],
                topic=data["topic"],
                state=MeetingState.PLANNED if planned else MeetingState.HELD,
                place=data["place"],
                host=data["host"],
                minutes=data.get("minutes", ""),
                resolutions=data.get("resolutions", ""),
                attendance=attendance,
                files=data.get("files") or (),
            )
            if meeting is not REFUSED:
                messages.success(request, _recorded_message(meeting, attendance, planned=planned))
                return redirect(reverse("orglife:org", args=[org.pk]))
    title = _("Plan a meeting") if planned else _("Record a meeting")
    return _meeting_form_page(request, org, form, planned=planned, title=title)


@login_required
def meeting_new(request, pk):
    """Record a meeting held, with its attendance marked by tapping names, photos and files (a phone's page)."""
    return _meeting_new(request, pk, planned=False)


@login_required
def meeting_plan(request, pk):
    """Plan a meeting ahead; it shows as planned on the organization's page until it is recorded as held."""
    return _meeting_new(request, pk, planned=True)


@login_required
def meeting_detail(request, pk):
    meeting = _meeting(request, pk)
    attach_meeting_notes(request.user, [meeting])  # what other apps say of it (a photo used before elsewhere)
    rows = selectors.meeting_attendance(meeting)
    counts = {status: 0 for status in AttendanceStatus.values}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    context = {
        "meeting": meeting,
        "organization": meeting.organization,
        "rows": rows,
        "counts": [(AttendanceStatus(s).label, s, n) for s, n in counts.items()],
        "files": list(meeting.files.order_by("id")),
        "may_hold": allowed(services.meeting_hold_check, actor=request.user, meeting=meeting),
        "may_describe": can(request.user, Action.CHANGE, meeting.organization),
    }
    return render(request, "orglife/meeting.html", context)


@login_required
def meeting_hold(request, pk):
    """A planned meeting recorded as held: date, minutes, attendance, files."""
    meeting = _meeting(request, pk)
    org = meeting.organization
    try:
        services.meeting_hold_check(actor=request.user, meeting=meeting)
    except Conflict as exc:
        messages.info(request, str(exc.message))
        return redirect("orglife:meeting", pk=meeting.pk)
    today = timezone.localdate()
    initial = {"held_on": min(meeting.held_on, today), "minutes": meeting.minutes, "resolutions": meeting.resolutions}
    form = MeetingHoldForm(request.POST or None, request.FILES or None, pool=attendee_choices(org), initial=initial)
    if request.method == "POST" and form.is_valid():
        attendance = form.attendance()
        if not form.errors:
            data = form.cleaned_data
            held = run_service(
                request,
                services.meeting_hold,
                form=form,
                actor=request.user,
                meeting=meeting,
                held_on=data["held_on"],
                minutes=data["minutes"],
                resolutions=data["resolutions"],
                attendance=attendance,
                files=data["files"] or (),
            )
            if held is not REFUSED:
                messages.success(request, _("The meeting is recorded as held."))
                return redirect("orglife:meeting", pk=meeting.pk)
    return _meeting_form_page(request, org, form, planned=False, title=_("Record it as held"), meeting=meeting)


# Meeting files are served as inert content, like report evidence: no script, nothing fetched, in a sandbox.
def _meeting_file(request, pk) -> MeetingFile:
    meetings = selectors.meeting_list(user=request.user)
    return get_object_or_404(MeetingFile.objects.filter(meeting__in=meetings), pk=pk)


@login_required
@xframe_options_sameorigin
def meeting_file(request, pk):
    """A meeting's file as stored: photos and PDF inline (PDF in a frame of our own page), office files saved."""
    return serve_file(_meeting_file(request, pk))


@login_required
def meeting_file_thumb(request, pk):
    """A photo's thumbnail; `?size=small` the square the lists show (96 CSS px, 192 px for a 2x screen)."""
    return serve_thumbnail(_meeting_file(request, pk), request.GET.get("size"))


@login_required
@require_POST
def meeting_file_describe(request, pk):
    """Say what a meeting's photo shows; back to the meeting's page."""
    file = _meeting_file(request, pk)
    done = run_service(
        request,
        services.meeting_file_describe,
        actor=request.user,
        file=file,
        description=request.POST.get("description", "")[:1000],
    )
    if done is not REFUSED:
        messages.success(request, _("The photo's description is saved."))
    return redirect(next_url(request, reverse("orglife:meeting", args=[file.meeting_id])))
