"""Pages of organizational life: meetings with attendance, study, points, democratic appraisal, care and talks."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from grassroots.core.collation import by_reading
from grassroots.core.errors import ValidationError
from grassroots.core.policy import Action, PermissionDenied, can, restrict, subject
from grassroots.core.uploads import max_upload_mb, serve_file, serve_thumbnail
from grassroots.core.web import ServiceRefused, digits_only, parse_id, service_errors
from grassroots.duties.services import period_for
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import MemberCategory, MemberStatus, Organization

from . import selectors, services
from .forms import (
    AppraisalCloseForm,
    AppraisalOpenForm,
    AppraisalVoteForm,
    CareCaseForm,
    CareVisitForm,
    DecisionForm,
    MeetingForm,
    MeetingHoldForm,
    PointsCorrectForm,
    PointsEntryForm,
    StudyForm,
    TalkForm,
)
from .models import (
    AppraisalGrade,
    AppraisalState,
    AttendanceStatus,
    CareOccasion,
    Meeting,
    MeetingFile,
    MeetingKind,
    MeetingState,
    PointRule,
    RecordState,
    StudyRecord,
)

# Meeting files are served as inert content, like report evidence: no script, nothing fetched, in a sandbox.
RECENT_SHOWN = 10


# ---------------------------------------------------------------- helpers


def _org(request, pk, action=Action.VIEW) -> Organization:
    return get_object_or_404(org_selectors.organization_list(user=request.user, action=action), pk=pk)


def _meeting(request, pk) -> Meeting:
    return get_object_or_404(selectors.meeting_list(user=request.user).select_related("created_by"), pk=pk)


def _require_change(request, obj) -> None:
    if not can(request.user, Action.CHANGE, obj):
        raise PermissionDenied()


def _members(request, organization):
    """The active members of an organization the user can see, by name."""
    return (
        org_selectors.member_list(user=request.user, organization=organization)
        .filter(status=MemberStatus.ACTIVE)
        .order_by(by_reading("name", chinese=True), "id")
    )


def _pool(organization):
    return services.attendee_pool(organization).order_by(by_reading("name", chinese=True), "id")


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _this_year() -> int:
    return timezone.localdate().year


def _period(request):
    """The period chosen by code (2026, 2026-Q3, 2026-07); this year when none or a wrong one is given."""
    code = (request.GET.get("period") or str(_this_year())).strip().upper()[:16]
    try:
        with service_errors(request):
            if not (digits_only(code[:4]) and 1921 <= int(code[:4]) <= 2200):
                raise ValidationError(
                    _("%(code)s is not a period; write 2026, 2026-H1, 2026-Q3 or 2026-07.") % {"code": code}
                )
            return code, period_for(code)
    except ServiceRefused:
        code = str(_this_year())
        return code, period_for(code)


def _period_choices(code: str) -> list[str]:
    year = _this_year()
    codes = []
    for y in (year, year - 1):
        codes += [str(y)] + [f"{y}-Q{q}" for q in range(1, 5)] + [f"{y}-H{h}" for h in (1, 2)]
    if code not in codes:
        codes.insert(0, code)
    return codes


def _initial_int(request, name):
    value = request.GET.get(name, "")
    return parse_id(value)


def _year(request) -> int:
    """The year asked for (?year=), or this year when none or an impossible one is given."""
    year = _initial_int(request, "year")
    return year if year is not None and 1921 <= year <= 2200 else _this_year()


def _form_page(request, form, title, *, organization=None, member=None, back=None, extra=None):
    context = {"form": form, "title": title, "organization": organization, "member": member, "back": back}
    context.update(extra or {})
    return render(request, "orglife/form.html", context)


# ---------------------------------------------------------------- the organization's organizational life


@login_required
def org_life(request, pk):
    """What is due and missing, recent and planned meetings, study, points, appraisal, care and talks."""
    org = _org(request, pk)
    user = request.user
    code, period = _period(request)
    year = period.start.year
    today = timezone.localdate()
    can_change = can(user, Action.CHANGE, org)
    study = selectors.study_progress(organization=org, period=period, today=today)
    appraisal = selectors.appraisal_of(organization=org, year=year)
    me = subject(user).member
    context = {
        "organization": org,
        "period": period,
        "period_code": code,
        "periods": _period_choices(code),
        "year": year,
        "status": selectors.meeting_status(organization=org, period=period, today=today),
        "planned": list(selectors.meetings_planned(user=user, organization=org, today=today)[:RECENT_SHOWN]),
        "recent": list(selectors.meetings_held(user=user, organization=org)[:RECENT_SHOWN]),
        "study": study,
        "study_behind": [row for row in study if row["behind"]],
        "ranking": selectors.points_ranking(organization=org, year=year),
        "appraisal": appraisal,
        "voters": selectors.appraisal_voter_count(appraisal) if appraisal else 0,
        "alerts": selectors.care_alerts(user=user, organization=org, today=today),
        "talks_missing": list(selectors.talks_missing(organization=org, year=year)),
        "can_change": can_change,
        "pending_count": selectors.study_pending(user=user, organization=org).count() if can_change else 0,
        "may_vote": bool(
            appraisal
            and appraisal.state == AppraisalState.VOTING
            and me is not None
            and me.organization_id == org.pk
            and me.category == MemberCategory.FULL
        ),
        "open_form": AppraisalOpenForm(initial={"year": year}),
    }
    return render(request, "orglife/org.html", context)


# ---------------------------------------------------------------- meetings


@login_required
def meeting_list(request, pk):
    org = _org(request, pk)
    page = Paginator(selectors.meetings_held(user=request.user, organization=org), 30).get_page(request.GET.get("page"))
    context = {
        "organization": org,
        "page": page,
        "planned": selectors.meetings_planned(user=request.user, organization=org),
        "can_change": can(request.user, Action.CHANGE, org),
    }
    return render(request, "orglife/meetings.html", context)


def _meeting_form_page(request, org, form, *, planned):
    context = {
        "organization": org,
        "form": form,
        "planned": planned,
        "title": _("Plan a meeting") if planned else _("Record a meeting"),
        "files_lost": request.method == "POST" and bool(request.FILES),
        "max_mb": max_upload_mb(),
    }
    return render(request, "orglife/meeting_form.html", context)


def _meeting_new(request, pk, *, planned: bool):
    org = _org(request, pk, Action.CHANGE)
    pool = _pool(org)
    kind = request.GET.get("kind")
    initial = {"kind": kind} if kind in MeetingKind.values else {}
    form = MeetingForm(request.POST or None, request.FILES or None, pool=pool, planned=planned, initial=initial)
    if request.method == "POST" and form.is_valid():
        attendance = {} if planned else form.attendance()
        if not form.errors:
            data = form.cleaned_data
            try:
                with service_errors(request, form):
                    meeting = services.meeting_record(
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
                if planned:
                    messages.success(
                        request, _("Meeting planned for %(date)s.") % {"date": meeting.held_on.isoformat()}
                    )
                else:
                    messages.success(
                        request,
                        _("%(kind)s of %(date)s recorded with the attendance of %(n)d members.")
                        % {
                            "kind": meeting.get_kind_display(),
                            "date": meeting.held_on.isoformat(),
                            "n": len(attendance),
                        },
                    )
                return redirect(reverse("orglife:org", args=[org.pk]))
            except ServiceRefused:
                pass
    return _meeting_form_page(request, org, form, planned=planned)


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
        "can_change": can(request.user, Action.CHANGE, meeting.organization),
    }
    return render(request, "orglife/meeting.html", context)


@login_required
def meeting_hold(request, pk):
    """A planned meeting recorded as held: date, minutes, attendance, files."""
    meeting = _meeting(request, pk)
    org = meeting.organization
    _require_change(request, org)
    if meeting.state != MeetingState.PLANNED:
        messages.info(request, _("This meeting is not a planned one any more."))
        return redirect("orglife:meeting", pk=meeting.pk)
    today = timezone.localdate()
    initial = {"held_on": min(meeting.held_on, today), "minutes": meeting.minutes, "resolutions": meeting.resolutions}
    form = MeetingHoldForm(request.POST or None, request.FILES or None, pool=_pool(org), initial=initial)
    if request.method == "POST" and form.is_valid():
        attendance = form.attendance()
        if not form.errors:
            data = form.cleaned_data
            try:
                with service_errors(request, form):
                    services.meeting_hold(
                        actor=request.user,
                        meeting=meeting,
                        held_on=data["held_on"],
                        minutes=data["minutes"],
                        resolutions=data["resolutions"],
                        attendance=attendance,
                        files=data["files"] or (),
                    )
                messages.success(request, _("The meeting is recorded as held."))
                return redirect("orglife:meeting", pk=meeting.pk)
            except ServiceRefused:
                pass
    context = {
        "organization": org,
        "meeting": meeting,
        "form": form,
        "planned": False,
        "title": _("Record it as held"),
        "files_lost": request.method == "POST" and bool(request.FILES),
        "max_mb": max_upload_mb(),
    }
    return render(request, "orglife/meeting_form.html", context)


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
    return serve_thumbnail(_meeting_file(request, pk))


# ---------------------------------------------------------------- study


@login_required
def study_new(request):
    """A member records their own study; with ?org=<id>, a secretary records for a member of that organization."""
    user = request.user
    org_id = _initial_int(request, "org")
    me = subject(user).member
    if org_id is not None:
        org = _org(request, org_id, Action.CHANGE)
        members = _members(request, org)
        member_initial = _initial_int(request, "member")
    elif me is not None:
        org, members, member_initial = me.organization, None, None
    else:
        raise PermissionDenied(
            _("Your account is not linked to a member; secretaries record study from the organization's page.")
        )
    form = StudyForm(
        request.POST or None,
        members=members,
        courses=selectors.courses_for(org),
        initial={"member": member_initial},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = data.get("member") or me
        try:
            with service_errors(request, form):
                record = services.study_record_create(
                    actor=user,
                    member=member,
                    title=data["title"],
                    studied_on=data["studied_on"],
                    hours=data["hours"],
                    course=data.get("course"),
                )
            if record.state == RecordState.PENDING:
                messages.success(
                    request,
                    _("%(hours)s hours recorded; they count once the secretary confirms them.")
                    % {"hours": record.hours},
                )
            else:
                messages.success(
                    request, _("%(hours)s hours recorded for %(name)s.") % {"hours": record.hours, "name": member.name}
                )
            if members is not None:
                return redirect(reverse("orglife:study", args=[org.pk]))
            return redirect("orglife:study_new")
        except ServiceRefused:
            pass
    records = []
    if members is None and me is not None:
        records = list(selectors.study_records_of(user=user, member=me)[:20])
    context = {"form": form, "organization": org, "records": records, "for_others": members is not None}
    return render(request, "orglife/study_form.html", context)


@login_required
def study(request, pk):
    """The secretary's confirmation queue and every member's hours in the period against the plan."""
    org = _org(request, pk)
    code, period = _period(request)
    can_change = can(request.user, Action.CHANGE, org)
    context = {
        "organization": org,
        "period": period,
        "period_code": code,
        "periods": _period_choices(code),
        "pending": list(selectors.study_pending(user=request.user, organization=org)) if can_change else [],
        "rows": selectors.study_progress(organization=org, period=period),
        "can_change": can_change,
    }
    return render(request, "orglife/study.html", context)


@login_required
@require_POST
def study_decide(request, pk):
    """Confirm or reject a study record; htmx swaps the row in place."""
    record = get_object_or_404(
        restrict(request.user, Action.VIEW, StudyRecord.objects.select_related("member__organization", "course")),
        pk=pk,
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            with service_errors(request, form):
                record = services.study_record_decide(
                    actor=request.user, record=record, confirm=form.cleaned_data["decision"] == "confirm"
                )
        except ServiceRefused:
            pass
    if request.htmx:
        return render(request, "orglife/_study_row.html", {"r": record, "form": form, "can_change": True})
    back = _next(request, reverse("orglife:study", args=[record.member.organization_id]))
    if form.errors:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(back)
    names = {"name": record.member.name, "hours": record.hours}
    if record.state == RecordState.CONFIRMED:
        messages.success(request, _("Confirmed: %(name)s, %(hours)s hours.") % names)
    else:
        messages.success(request, _("Rejected: %(name)s, %(hours)s hours.") % names)
    return redirect(back)


# ---------------------------------------------------------------- points


@login_required
def point_rules(request):
    """The rule book: what earns or costs how many points, with the caps (admins change it in the admin)."""
    rules = PointRule.objects.order_by("-is_active", "source", "code")
    return render(request, "orglife/rules.html", {"rules": rules})


@login_required
def member_points(request, pk):
    """A member's points ledger by year; corrections are new lines that point at the line they correct."""
    member = get_object_or_404(org_selectors.member_list(user=request.user), pk=pk)
    year = _year(request)
    entries = list(selectors.point_ledger(user=request.user, member=member, year=year))
    context = {
        "member": member,
        "year": year,
        "years": [_this_year() - i for i in range(3)],
        "entries": entries,
        "total": sum((e.points for e in entries), 0),
        "can_change": can(request.user, Action.CHANGE, member),
    }
    return render(request, "orglife/ledger.html", context)


@login_required
def points_new(request, pk):
    """The secretary's hand entry of confirmed points (volunteering, other); caps are enforced with a message."""
    org = _org(request, pk, Action.CHANGE)
    form = PointsEntryForm(
        request.POST or None, members=_members(request, org), initial={"member": _initial_int(request, "member")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                entry = services.points_enter(
                    actor=request.user,
                    member=data["member"],
                    rule=data["rule"],
                    earned_on=data["earned_on"],
                    note=data["note"],
                    hours=form.cleaned_hours(),
                )
            messages.success(
                request,
                _("%(points)s points entered for %(name)s.") % {"points": entry.points, "name": entry.member.name},
            )
            return redirect("orglife:member_points", pk=entry.member_id)
        except ServiceRefused:
            pass
    rules_link = reverse("orglife:point_rules")
    return _form_page(request, form, _("Enter points"), organization=org, extra={"rules_link": rules_link})


@login_required
def points_correct(request, pk):
    """Correct a ledger line: a new line carries the difference, the old line stays."""
    entry = get_object_or_404(selectors.point_entry_list(user=request.user), pk=pk)
    _require_change(request, entry.member)
    form = PointsCorrectForm(request.POST or None, initial={"points": entry.points})
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors(request, form):
                services.points_correct(
                    actor=request.user,
                    entry=entry,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                )
            messages.success(request, _("Corrected; the ledger keeps the old line and the correction."))
            return redirect("orglife:member_points", pk=entry.member_id)
        except ServiceRefused:
            pass
    return _form_page(request, form, _("Correct points"), member=entry.member, extra={"entry": entry})


# ---------------------------------------------------------------- democratic appraisal


def _appraisal(request, pk):
    return get_object_or_404(selectors.appraisal_list(user=request.user), pk=pk)


def _voter(user, appraisal):
    me = subject(user).member
    if me is None or me.organization_id != appraisal.organization_id or me.category != MemberCategory.FULL:
        return None
    return me


@login_required
@require_POST
def appraisal_open(request, pk):
    org = _org(request, pk, Action.CHANGE)
    form = AppraisalOpenForm(request.POST)
    if form.is_valid():
        try:
            with service_errors(request):
                appraisal = services.appraisal_open(
                    actor=request.user, organization=org, year=form.cleaned_data["year"]
                )
            messages.success(
                request, _("The democratic appraisal of %(year)s is open for voting.") % {"year": appraisal.year}
            )
            return redirect("orglife:appraisal", pk=appraisal.pk)
        except ServiceRefused:
            pass
    else:
        messages.error(request, _("Give the year of the appraisal, like %(year)s.") % {"year": _this_year()})
    return redirect("orglife:org", pk=org.pk)


@login_required
def appraisal_detail(request, pk):
    appraisal = _appraisal(request, pk)
    org = appraisal.organization
    can_change = can(request.user, Action.CHANGE, org)
    voter = _voter(request.user, appraisal)
    closed = appraisal.state == AppraisalState.CLOSED
    results = list(selectors.appraisal_results(appraisal)) if closed else []
    summary = [(label, sum(1 for r in results if r.grade == g)) for g, label in AppraisalGrade.choices]
    for result in results:
        result.count_list = [(g, label, result.counts.get(g, 0)) for g, label in AppraisalGrade.choices]
    context = {
        "appraisal": appraisal,
        "organization": org,
        "can_change": can_change,
        "voter": voter,
        "voted": selectors.appraisal_voted(appraisal=appraisal, voter=voter) if voter else {},
        "voters": selectors.appraisal_voter_count(appraisal),
        "full_members": selectors.appraisal_full_members(appraisal).count(),
        "results": results,
        "summary": summary,
        "show_follow_up": can(request.user, Action.VIEW_PERSONAL, org),
    }
    return render(request, "orglife/appraisal.html", context)


@login_required
def appraisal_vote(request, pk):
    """A full member rates every full member, themselves included: four big buttons a member."""
    appraisal = _appraisal(request, pk)
    voter = _voter(request.user, appraisal)
    if voter is None:
        raise PermissionDenied(
            _("Only full members of %(org)s vote in its appraisal.") % {"org": appraisal.organization.display_name()}
        )
    form = AppraisalVoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        votes = form.grades()
        if not votes and not form.errors:
            form.add_error(None, _("Rate at least one member before sending."))
        if not form.errors:
            try:
                with service_errors(request, form):
                    n = services.appraisal_vote(actor=request.user, appraisal=appraisal, votes=votes)
                messages.success(request, _("Thank you: your %(n)d ratings were recorded.") % {"n": n})
                return redirect("orglife:appraisal", pk=appraisal.pk)
            except ServiceRefused:
                pass
    voted = selectors.appraisal_voted(appraisal=appraisal, voter=voter)
    chosen = form.grades() if form.is_bound else {}
    rows = [
        {"member": m, "voted": voted.get(m.pk), "chosen": chosen.get(m.pk, ""), "is_self": m.pk == voter.pk}
        for m in selectors.appraisal_full_members(appraisal)
    ]
    context = {
        "appraisal": appraisal,
        "organization": appraisal.organization,
        "form": form,
        "rows": rows,
        "grades": AppraisalGrade.choices,
        "open_rows": sum(1 for r in rows if not r["voted"]),
        "closed": appraisal.state != AppraisalState.VOTING,
    }
    return render(request, "orglife/appraisal_vote.html", context)


@login_required
def appraisal_close(request, pk):
    """The secretary sees the votes, decides each grade (excellent for at most a third) and closes the appraisal."""
    appraisal = _appraisal(request, pk)
    org = appraisal.organization
    _require_change(request, org)
    if appraisal.state != AppraisalState.VOTING:
        messages.info(request, _("This appraisal is already closed."))
        return redirect("orglife:appraisal", pk=appraisal.pk)
    form = AppraisalCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decisions = form.decisions()
        if not form.errors:
            try:
                with service_errors(request, form):
                    services.appraisal_close(actor=request.user, appraisal=appraisal, decisions=decisions)
                messages.success(request, _("The appraisal is closed and its results are recorded."))
                return redirect("orglife:appraisal", pk=appraisal.pk)
            except ServiceRefused:
                pass
    sheet = selectors.appraisal_sheet(appraisal)
    for row in sheet:
        pk_ = row["member"].pk
        row["grade"] = (request.POST.get(f"grade-{pk_}") or "") if form.is_bound else row["proposed"]
        row["follow_up"] = request.POST.get(f"follow-{pk_}", "") if form.is_bound else ""
        row["proposed_label"] = AppraisalGrade(row["proposed"]).label
        row["count_list"] = [(g, AppraisalGrade(g).label, n) for g, n in row["counts"]]
    quota = int(len(sheet) * float(appraisal.excellent_share))
    context = {
        "appraisal": appraisal,
        "organization": org,
        "form": form,
        "sheet": sheet,
        "grades": AppraisalGrade.choices,
        "quota": quota,
        "share": round(float(appraisal.excellent_share) * 100),
        "voters": selectors.appraisal_voter_count(appraisal),
    }
    return render(request, "orglife/appraisal_close.html", context)


# ---------------------------------------------------------------- care and talks


@login_required
def care(request, pk):
    """The ledger of members in difficulty with visits and alerts; details only for those who may read them."""
    org = _org(request, pk)
    user = request.user
    cases = selectors.care_ledger(user=user, organization=org)
    for case in cases:
        case.restricted = can(user, Action.VIEW_PERSONAL, case.member)
    context = {
        "organization": org,
        "cases": cases,
        "alerts": [c for c in cases if c.overdue],
        "can_change": can(user, Action.CHANGE, org),
    }
    return render(request, "orglife/care.html", context)


@login_required
def care_new(request, pk):
    org = _org(request, pk, Action.CHANGE)
    form = CareCaseForm(
        request.POST or None, members=_members(request, org), initial={"member": _initial_int(request, "member")}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                case = services.care_case_open(
                    actor=request.user,
                    member=data["member"],
                    category=data["category"],
                    details=data["details"],
                    opened_on=data["opened_on"],
                    interval_days=data["interval_days"],
                )
            messages.success(request, _("%(name)s is in the care ledger.") % {"name": case.member.name})
            return redirect("orglife:care", pk=org.pk)
        except ServiceRefused:
            pass
    return _form_page(
        request, form, _("Add to the care ledger"), organization=org, back=reverse("orglife:care", args=[org.pk])
    )


@login_required
def care_visit(request, pk):
    """Record a visit to a member in the ledger: who visited, on which occasion, what was done, money given."""
    org = _org(request, pk, Action.CHANGE)
    members = _members(request, org)
    form = CareVisitForm(
        request.POST or None,
        members=members,
        visitors=_pool(org),
        initial={"member": _initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                visit = services.care_visit_record(
                    actor=request.user,
                    member=data["member"],
                    visited_on=data["visited_on"],
                    help_given=data["help_given"],
                    visitor=data["visitor"],
                    visitor_name=data["visitor_name"],
                    occasion=data["occasion"] or CareOccasion.ROUTINE,
                    amount=data["amount"] or 0,
                )
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": visit.case.member.name})
            return redirect("orglife:care", pk=org.pk)
        except ServiceRefused:
            pass
    return _form_page(request, form, _("Record a visit"), organization=org, back=reverse("orglife:care", args=[org.pk]))


@login_required
@require_POST
def care_close(request, pk):
    case = get_object_or_404(selectors.care_case_list(user=request.user), pk=pk)
    try:
        with service_errors(request):
            services.care_case_close(actor=request.user, case=case)
        messages.success(request, _("%(name)s left the care ledger.") % {"name": case.member.name})
    except ServiceRefused:
        pass
    return redirect("orglife:care", pk=case.member.organization_id)


@login_required
def talks(request, pk):
    """This year's heart-to-heart talks and the members still without one."""
    org = _org(request, pk)
    year = _year(request)
    items = list(selectors.talk_list(user=request.user, organization=org, year=year))
    for talk in items:
        talk.restricted = can(request.user, Action.VIEW_PERSONAL, talk.member)
    context = {
        "organization": org,
        "year": year,
        "talks": items,
        "missing": list(selectors.talks_missing(organization=org, year=year)),
        "can_change": can(request.user, Action.CHANGE, org),
    }
    return render(request, "orglife/talks.html", context)


@login_required
def talk_new(request, pk):
    org = _org(request, pk, Action.CHANGE)
    form = TalkForm(
        request.POST or None,
        members=_members(request, org),
        talkers=_pool(org),
        initial={"member": _initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                talk = services.talk_record(
                    actor=request.user,
                    member=data["member"],
                    talked_on=data["talked_on"],
                    topic=data["topic"],
                    with_member=data["with_member"],
                    with_name=data["with_name"],
                    notes=data["notes"],
                )
            messages.success(request, _("Talk with %(name)s recorded.") % {"name": talk.member.name})
            return redirect("orglife:talks", pk=org.pk)
        except ServiceRefused:
            pass
    return _form_page(request, form, _("Record a talk"), organization=org, back=reverse("orglife:talks", args=[org.pk]))
