"""Pages of duties: my work, duty lists, issuing down, assignments, reports with evidence, review."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can, can_anywhere, restrict, subject
from grassroots.core.uploads import max_upload_mb, serve_file, serve_thumbnail
from grassroots.core.web import ServiceRefused, service_errors
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization, OrgKind, subtree_q

from . import selectors, services
from .forms import (
    AssignmentForm,
    CopyListForm,
    DecomposeForm,
    DueDateDecisionForm,
    DueDateRequestForm,
    DutyFilterForm,
    DutyForm,
    DutyListForm,
    IssueForm,
    ReportForm,
    ReviewForm,
    active_members,
)
from .models import (
    OPEN_STATES,
    AssignmentState,
    ClaimState,
    DueDateRequest,
    Duty,
    Evidence,
    Light,
    ReportState,
)

REPORTABLE = (AssignmentState.ISSUED, AssignmentState.IN_PROGRESS, AssignmentState.RETURNED)
DONE_SHOWN = 20
PICK_SHOWN = 200
# Evidence is served as inert content: no script, no plugin, nothing fetched, in a sandbox.


# ---------------------------------------------------------------- helpers


def _org(request, pk, action=Action.VIEW) -> Organization:
    return get_object_or_404(org_selectors.organization_list(user=request.user, action=action), pk=pk)


def _assignment(request, pk):
    return get_object_or_404(selectors.assignment_list(user=request.user), pk=pk)


def _duty(request, pk) -> Duty:
    duties = Duty.objects.select_related(
        "organization", "duty_list__period", "responsible", "objective", "series", "source_assignment__duty"
    )
    return get_object_or_404(restrict(request.user, Action.VIEW, duties), pk=pk)


def _duty_list(request, pk):
    return get_object_or_404(selectors.duty_list_list(user=request.user), pk=pk)


def _require_change(request, organization) -> None:
    if not can(request.user, Action.CHANGE, organization):
        raise PermissionDenied()


def _next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def _form_errors_as_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def _local_members(user, organization, keep=None):
    """Members who can be named responsible: of the organization and the level below it, and the one named now."""
    members = org_selectors.member_list(user=user, organization=organization, subtree=True)
    return active_members(members.filter(Q(organization__depth__lte=organization.depth + 1) | Q(pk=keep)))


# ---------------------------------------------------------------- my work


@login_required
def my_work(request):
    """What is due for this user, by light; the open duties they may claim; what waits for them as a manager."""
    user = request.user
    items = list(selectors.my_work(user=user))
    groups = {Light.RED: [], Light.YELLOW: [], Light.GREEN: [], Light.DONE: []}
    today = timezone.localdate()
    for item in items:
        groups[item.light_code].append(item)
        item.days_left = (item.due_on - today).days
        item.days_late = -item.days_left
    returned = [a.pk for a in items if a.state == AssignmentState.RETURNED]
    if returned:
        reasons = {}
        for report in selectors.report_list(user=user).filter(assignment_id__in=returned, state=ReportState.RETURNED):
            reasons.setdefault(report.assignment_id, report.return_reason)
        for item in items:
            item.return_reason = reasons.get(item.pk, "")
    done = groups[Light.DONE][::-1]
    claims = list(selectors.my_claims(user=user))
    claimed = {c.duty_id for c in claims if c.state == ClaimState.ACTIVE}
    pool = list(selectors.claimable_duties(user=user))
    for duty in pool:
        duty.claimed_by_me = duty.pk in claimed
        duty.full = bool(duty.claim_limit) and duty.claim_count >= duty.claim_limit
    is_manager = can_anywhere(user, Action.CHANGE)
    subj = subject(user)
    context = {
        "red": groups[Light.RED],
        "yellow": groups[Light.YELLOW],
        "green": groups[Light.GREEN],
        "done": done[:DONE_SHOWN],
        "done_count": len(done),
        "open_count": len(items) - len(done),
        "several_orgs": len({a.organization_id for a in items}) > 1,
        "pool": pool,
        "claims": claims,
        "member": subj.member,
        "is_manager": is_manager,
        "review_count": selectors.review_queue(user=user).count() if is_manager else 0,
        "request_count": selectors.pending_due_date_requests(user=user).count() if is_manager else 0,
        "list_roots": org_selectors.visible_roots(user=user)[:5] if subj.grants or subj.is_superuser else [],
    }
    return render(request, "duties/my_work.html", context)


@login_required
@require_POST
def claim(request, pk):
    duty = get_object_or_404(selectors.claimable_duties(user=request.user), pk=pk)
    try:
        with service_errors(request):
            services.claim_create(
                actor=request.user,
                duty=duty,
                member=subject(request.user).member,
                note=request.POST.get("note", ""),
            )
        messages.success(request, _("You claimed “%(duty)s”. Thank you for taking it on.") % {"duty": duty.title})
    except ServiceRefused:
        pass
    return redirect("duties:my_work")


@login_required
@require_POST
def claim_withdraw(request, pk):
    claim = get_object_or_404(selectors.my_claims(user=request.user), pk=pk)
    try:
        with service_errors(request):
            services.claim_withdraw(actor=request.user, claim=claim)
        messages.success(request, _("Your claim was withdrawn."))
    except ServiceRefused:
        pass
    return redirect("duties:my_work")


# ---------------------------------------------------------------- assignments and reports


def _assignment_context(request, assignment, **forms) -> dict:
    user = request.user
    may_change = can(user, Action.CHANGE, assignment.organization)
    may_review = can(user, Action.CHANGE, assignment.duty.organization)
    may_report = services.may_report(user, assignment)
    reports = list(
        selectors.report_list(user=user)
        .filter(assignment=assignment)
        .select_related("author__member", "reviewer")
        .prefetch_related("evidence")
    )
    for report in reports:
        report.may_review = may_review and report.state == ReportState.SUBMITTED and report.author_id != user.pk
        # The issuer accepts or returns; withdrawing is for the author and the receiver's managers.
        receiver_side = report.author_id == user.pk or (may_change and not may_review)
        report.may_withdraw = report.state == ReportState.SUBMITTED and receiver_side
    returned = next((r for r in reports if r.state == ReportState.RETURNED), None)
    context = {
        "assignment": assignment,
        "duty": assignment.duty,
        "reports": reports,
        "last_returned": returned if assignment.state == AssignmentState.RETURNED else None,
        "requests": list(assignment.due_date_requests.select_related("requested_by").order_by("-created_at")[:5]),
        "decomposed": list(assignment.decomposed_duties.all()) if may_change else [],
        "may_change": may_change,
        "may_review": may_review,
        "may_report": may_report and assignment.state in REPORTABLE,
        "may_request": may_report and assignment.state in OPEN_STATES,
        "may_decompose": may_change and assignment.state in OPEN_STATES,
        "report_form": ReportForm(initial={"percent": assignment.percent}),
        "review_form": ReviewForm(),
        "due_form": DueDateRequestForm(),
        "next": request.get_full_path(),
        "max_mb": max_upload_mb(),
    }
    if may_change:
        context["assignment_form"] = AssignmentForm(
            initial={"responsible": assignment.responsible_id, "note": assignment.note},
            members=_local_members(user, assignment.organization, keep=assignment.responsible_id),
        )
    context.update(forms)
    return context


@login_required
def assignment_detail(request, pk):
    """One duty as received: its five elements, light and state, the reports with evidence, and what to do next."""
    assignment = _assignment(request, pk)
    return render(request, "duties/assignment.html", _assignment_context(request, assignment))


@login_required
def report(request, pk):
    """The report form on its own, for a phone: what was done, how far, photos and files."""
    assignment = _assignment(request, pk)
    if not services.may_report(request.user, assignment):
        raise PermissionDenied(_("Only the receiving organization or the responsible person can report."))
    form = ReportForm(request.POST or None, request.FILES or None, initial={"percent": assignment.percent})
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors(request, form):
                services.report_submit(
                    actor=request.user,
                    assignment=assignment,
                    text=form.cleaned_data["text"],
                    percent=form.cleaned_data["percent"],
                    files=form.cleaned_data["files"],
                )
            messages.success(
                request,
                _("Report submitted: %(issuer)s will review it, and you will get a notification.")
                % {"issuer": assignment.duty.organization.display_name()},
            )
            return redirect(_next(request, reverse("duties:assignment", args=[assignment.pk])))
        except ServiceRefused:
            pass
    returned = None
    if assignment.state == AssignmentState.RETURNED:
        reports = selectors.report_list(user=request.user).filter(assignment=assignment)
        returned = reports.filter(state=ReportState.RETURNED).first()
    context = {
        "assignment": assignment,
        "duty": assignment.duty,
        "form": form,
        "reportable": assignment.state in REPORTABLE,
        "last_returned": returned,
        "files_lost": request.method == "POST" and bool(request.FILES),
        "next": _next(request, ""),
        "max_mb": max_upload_mb(),
    }
    return render(request, "duties/report.html", context)


@login_required
@require_POST
def assignment_update(request, pk):
    """The receiver names its responsible person and adds its own requirement."""
    assignment = _assignment(request, pk)
    members = _local_members(request.user, assignment.organization, keep=assignment.responsible_id)
    form = AssignmentForm(request.POST, members=members)
    if form.is_valid():
        try:
            with service_errors(request, form):
                services.assignment_update(
                    actor=request.user,
                    assignment=assignment,
                    responsible=form.cleaned_data["responsible"],
                    note=form.cleaned_data["note"],
                )
            messages.success(request, _("Saved."))
            return redirect("duties:assignment", pk=assignment.pk)
        except ServiceRefused:
            pass
    context = _assignment_context(request, assignment, assignment_form=form)
    return render(request, "duties/assignment.html", context)


@login_required
@require_POST
def due_date_request(request, pk):
    assignment = _assignment(request, pk)
    form = DueDateRequestForm(request.POST)
    if form.is_valid():
        try:
            with service_errors(request, form):
                services.due_date_request(
                    actor=request.user,
                    assignment=assignment,
                    new_due=form.cleaned_data["new_due"],
                    reason=form.cleaned_data["reason"],
                )
            messages.success(request, _("Your request for a new due date was sent to the issuer."))
            return redirect("duties:assignment", pk=assignment.pk)
        except ServiceRefused:
            pass
    return render(request, "duties/assignment.html", _assignment_context(request, assignment, due_form=form))


@login_required
def decompose(request, pk):
    """The receiver makes the assignment a duty of its own, to add its requirement and issue it further down."""
    assignment = _assignment(request, pk)
    _require_change(request, assignment.organization)
    duty = assignment.duty
    requirement = duty.requirement + (f"\n{assignment.note}" if assignment.note else "")
    initial = {
        "title": duty.title,
        "description": duty.description,
        "requirement": requirement,
        "evidence_expected": duty.evidence_expected,
        "start_on": assignment.start_on,
        "due_on": assignment.due_on,
        "responsible": assignment.responsible_id,
    }
    form = DecomposeForm(
        request.POST or None, initial=initial, members=_local_members(request.user, assignment.organization)
    )
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors(request, form):
                new = services.duty_decompose(actor=request.user, assignment=assignment, **form.cleaned_data)
            messages.success(request, _("Your own duty is ready. Now issue it to the organizations below."))
            return redirect("duties:duty", pk=new.pk)
        except ServiceRefused:
            pass
    context = {"form": form, "assignment": assignment, "title": _("Decompose for the organizations below")}
    return render(request, "duties/duty_form.html", context)


@login_required
@require_POST
def report_withdraw(request, pk):
    report = get_object_or_404(selectors.report_list(user=request.user), pk=pk)
    try:
        with service_errors(request):
            services.report_withdraw(actor=request.user, report=report)
        messages.success(request, _("Report withdrawn; you can change it and report again."))
    except ServiceRefused:
        pass
    return redirect("duties:assignment", pk=report.assignment_id)


@login_required
@require_POST
def report_review(request, pk):
    """Accept a report, or return it with a reason; htmx swaps the reviewed item in place."""
    report = get_object_or_404(
        selectors.report_list(user=request.user).select_related(
            "assignment__duty", "assignment__organization", "author__member"
        ),
        pk=pk,
    )
    form = ReviewForm(request.POST)
    decision = None
    if form.is_valid():
        try:
            with service_errors(request, form):
                if form.cleaned_data["decision"] == "accept":
                    services.report_accept(actor=request.user, report=report)
                else:
                    services.report_return(actor=request.user, report=report, reason=form.cleaned_data["reason"])
            decision = form.cleaned_data["decision"]
        except ServiceRefused:
            pass
    if request.htmx:
        report.refresh_from_db()
        report.may_review = decision is None and report.state == ReportState.SUBMITTED
        return render(request, "duties/_review_item.html", {"report": report, "form": form, "decision": decision})
    if decision == "accept":
        messages.success(request, _("Accepted: %(duty)s, %(org)s.") % _report_names(report))
    elif decision == "return":
        messages.success(request, _("Returned to %(org)s with your reason.") % _report_names(report))
    else:
        _form_errors_as_messages(request, form)
    return redirect(_next(request, reverse("duties:review")))


def _report_names(report) -> dict:
    return {"duty": report.assignment.duty.title, "org": report.assignment.organization.display_name()}


# ---------------------------------------------------------------- evidence files


def _evidence(request, pk) -> Evidence:
    return get_object_or_404(restrict(request.user, Action.VIEW, Evidence.objects.all()), pk=pk)


@login_required
@xframe_options_sameorigin
def evidence_file(request, pk):
    """An evidence file as stored: photos and PDF shown inline (PDF in a frame of our own page), office files saved."""
    return serve_file(_evidence(request, pk))


@login_required
def evidence_thumb(request, pk):
    return serve_thumbnail(_evidence(request, pk))


# ---------------------------------------------------------------- review queue


@login_required
def review_queue(request):
    """Submitted reports waiting for this user's review, and requests for a new due date."""
    user = request.user
    if not can_anywhere(user, Action.CHANGE):
        raise PermissionDenied(_("Only those who issue duties review reports."))
    reports = selectors.review_queue(user=user).select_related("author__member")
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    for report in page:
        report.may_review = True
    requests = selectors.pending_due_date_requests(user=user).order_by("created_at", "id")[:50]
    context = {"page": page, "requests": requests, "form": ReviewForm(), "decision_form": DueDateDecisionForm()}
    return render(request, "duties/review.html", context)


@login_required
@require_POST
def due_date_decide(request, pk):
    due_request = get_object_or_404(
        restrict(request.user, Action.VIEW, DueDateRequest.objects.select_related("assignment__duty")), pk=pk
    )
    form = DueDateDecisionForm(request.POST)
    if form.is_valid():
        grant = form.cleaned_data["decision"] == "grant"
        try:
            with service_errors(request, form):
                services.due_date_decide(
                    actor=request.user, request=due_request, grant=grant, note=form.cleaned_data["note"]
                )
            if grant:
                messages.success(request, _("New due date granted: %(date)s.") % {"date": due_request.new_due})
            else:
                messages.success(request, _("Request refused; the reason was sent."))
        except ServiceRefused:
            _form_errors_as_messages(request, form)
    else:
        _form_errors_as_messages(request, form)
    return redirect(_next(request, reverse("duties:review")))


# ---------------------------------------------------------------- duty lists


def _this_year() -> str:
    return str(timezone.localdate().year)


def _org_lists_context(request, org, **forms) -> dict:
    user = request.user
    lists = list(selectors.duty_list_list(user=user, organization=org))
    code = (request.GET.get("period") or request.POST.get("period") or _this_year()).strip().upper()
    year = int(_this_year())
    codes = {dl.period.code for dl in lists if dl.period} | {str(year), str(year + 1)}
    current = next((dl for dl in lists if dl.period and dl.period.code == code and not dl.is_template), None)
    earlier = [dl for dl in lists if dl.period and not dl.is_template and dl.period.code != code]
    templates = list(selectors.duty_list_list(user=user).filter(is_template=True).select_related("organization")[:50])
    sources = sorted(earlier, key=lambda dl: dl.period.start, reverse=True) + templates
    context = {
        "organization": org,
        "lists": lists,
        "periods": sorted(codes, reverse=True),
        "period_code": code,
        "current": current,
        "sources": sources,
        "can_change": can(user, Action.CHANGE, org),
        "list_form": DutyListForm(initial={"period": code}),
        "copy_form": CopyListForm(initial={"period": code}, sources=sources),
    }
    if current is not None:
        duties = selectors.duties_of_list(user=user, duty_list=current)
        context["duties"] = duties
        context["summary"] = _summary(duties)
    context.update(forms)
    return context


def _summary(duties) -> dict:
    lights = [d.progress["light"] for d in duties]
    return {
        "count": len(duties),
        "red": lights.count(Light.RED),
        "yellow": lights.count(Light.YELLOW),
        "done": lights.count(Light.DONE),
    }


@login_required
def org_lists(request, pk):
    """An organization's duty lists by period: open one, start a new one, or copy last period's or a template."""
    org = _org(request, pk)
    return render(request, "duties/org_lists.html", _org_lists_context(request, org))


@login_required
@require_POST
def list_new(request, pk):
    org = _org(request, pk)
    form = DutyListForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                period = None if data["is_template"] or not data["period"] else services.period_for(data["period"])
                if data["is_template"]:
                    title = data["title"] or _("Template of %(org)s") % {"org": org.display_name()}
                    new = services.duty_list_create(
                        actor=request.user, organization=org, period=None, title=title, is_template=True
                    )
                elif data["title"]:
                    new = services.duty_list_create(
                        actor=request.user, organization=org, period=period, title=data["title"]
                    )
                else:
                    _require_period(period)
                    new = services.duty_list_for(actor=request.user, organization=org, period=period)
            messages.success(request, _("Duty list “%(title)s” is ready; add its duties.") % {"title": new.title})
            return redirect("duties:list", pk=new.pk)
        except ServiceRefused:
            pass
    return render(request, "duties/org_lists.html", _org_lists_context(request, org, list_form=form))


def _require_period(period) -> None:
    from grassroots.core.errors import ValidationError

    if period is None:
        raise ValidationError({"period": _("Say which period the list is for, such as 2026.")})


@login_required
@require_POST
def list_copy(request, pk):
    org = _org(request, pk)
    context = _org_lists_context(request, org)
    form = CopyListForm(request.POST, sources=context["sources"])
    if form.is_valid():
        source = get_object_or_404(selectors.duty_list_list(user=request.user), pk=form.cleaned_data["source"])
        try:
            with service_errors(request, form):
                period = services.period_for(form.cleaned_data["period"])
                target = services.duty_list_copy(actor=request.user, source=source, organization=org, period=period)
            count = target.duties.count()
            messages.success(
                request,
                ngettext(
                    "%(n)d duty copied into “%(title)s”; check the dates and people.",
                    "%(n)d duties copied into “%(title)s”; check the dates and people.",
                    count,
                )
                % {"n": count, "title": target.title},
            )
            return redirect("duties:list", pk=target.pk)
        except ServiceRefused:
            pass
    context["copy_form"] = form
    return render(request, "duties/org_lists.html", context)


@login_required
def duty_list(request, pk):
    """The duties of one list with their roll-ups, filtered by area, key work, light, state and person."""
    user = request.user
    the_list = _duty_list(request, pk)
    responsibles = list(selectors.responsibles_of_list(user=user, duty_list=the_list))
    form = DutyFilterForm(request.GET or None, responsibles=responsibles)
    filters = {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}
    duties = selectors.duties_of_list(user=user, duty_list=the_list, filters=filters)
    context = {
        "duty_list": the_list,
        "organization": the_list.organization,
        "duties": duties,
        "summary": _summary(duties),
        "form": form,
        "filtered": bool(filters),
        "can_change": can(user, Action.CHANGE, the_list.organization),
    }
    return render(request, "duties/list.html", context)


def _duty_form(request, organization, period, keep=None, **kwargs):
    return DutyForm(
        request.POST or None,
        members=_local_members(request.user, organization, keep=keep),
        organization=organization,
        period=period,
        **kwargs,
    )


@login_required
def duty_new(request, pk):
    """A new duty of a list, with the five things named: who, which post, what, by when, to which standard."""
    the_list = _duty_list(request, pk)
    _require_change(request, the_list.organization)
    form = _duty_form(request, the_list.organization, the_list.period)
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors(request, form):
                duty = services.duty_create(actor=request.user, duty_list=the_list, **form.cleaned_data)
            messages.success(request, _("Duty added. Issue it down, or keep it for your own organization."))
            return redirect("duties:duty", pk=duty.pk)
        except ServiceRefused:
            pass
    context = {"form": form, "duty_list": the_list, "title": _("New duty")}
    return render(request, "duties/duty_form.html", context)


@login_required
def duty_edit(request, pk):
    duty = _duty(request, pk)
    _require_change(request, duty.organization)
    initial = {name: getattr(duty, name) for name in DutyForm.base_fields}
    form = _duty_form(request, duty.organization, duty.duty_list.period, keep=duty.responsible_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("duties:duty", pk=duty.pk)
        try:
            with service_errors(request, form):
                services.duty_update(actor=request.user, duty=duty, **changes)
            messages.success(request, _("Saved."))
            return redirect("duties:duty", pk=duty.pk)
        except ServiceRefused:
            pass
    context = {"form": form, "duty": duty, "duty_list": duty.duty_list, "title": _("Edit duty")}
    return render(request, "duties/duty_form.html", context)


@login_required
def duty_detail(request, pk):
    """A duty with its roll-up, the tree of its assignments, progress by child organization, occurrences, claims."""
    user = request.user
    duty = _duty(request, pk)
    page = Paginator(selectors.assignments_of_duty(user=user, duty=duty), 100).get_page(request.GET.get("page"))
    for assignment in page:
        assignment.indent = max(0, assignment.organization.depth - duty.organization.depth - 1)
    children = org_selectors.organization_list(user=user).filter(parent=duty.organization).order_by("path")
    by_child = selectors.progress_by_child(organization=duty.organization, duty=duty)
    child_rows = [(child, by_child[child.path]) for child in children if child.path in by_child]
    occurrences = list(duty.occurrences.order_by("due_on")) if duty.is_series else []
    progress_of = selectors.duty_progress_many(occurrences)
    for occurrence in occurrences:
        occurrence.progress = progress_of.get(occurrence.pk, selectors.EMPTY_PROGRESS)
    context = {
        "duty": duty,
        "progress": selectors.duty_progress(duty),
        "page": page,
        "child_rows": child_rows,
        "occurrences": occurrences,
        "claims": selectors.claim_list(user=user).filter(duty=duty),
        "can_change": can(user, Action.CHANGE, duty.organization),
    }
    return render(request, "duties/duty.html", context)


# ---------------------------------------------------------------- issuing down


def _issue_scope(request, duty):
    """The organizations below the issuer that this user can see, and the roots a kind can be chosen within."""
    below = (
        org_selectors.organization_list(user=request.user)
        .filter(subtree_q(duty.organization.path))
        .exclude(pk=duty.organization_id)
        .filter(is_active=True)
    )
    roots = [duty.organization] + list(
        below.filter(kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH]).order_by("path")[:300]
    )
    return below, roots


def _resolve(duty, data, roots):
    if data["mode"] == "self":
        return None
    root = next((o for o in roots if o.pk == data["root"]), None) if data["mode"] == "kind" else None
    return services.resolve_targets(
        issuer=duty.organization,
        mode=data["mode"],
        kind=data["kind"],
        unit_type=data["unit_type"],
        root=root,
        ids=data["ids"],
    )


@login_required
def duty_issue(request, pk):
    """Choose the receivers, see how many they are, then issue (one assignment each).

    Every POST only counts the receivers, unless it carries `confirm`: the Enter key never issues by accident.
    """
    duty = _duty(request, pk)
    _require_change(request, duty.organization)
    below, roots = _issue_scope(request, duty)
    posted = request.method == "POST"
    form = IssueForm(request.POST if posted else None, roots=roots, initial={"mode": "children"})
    count, sample = None, []
    if form.is_valid():
        try:
            with service_errors(request, form):
                targets = _resolve(duty, form.cleaned_data, roots)
                if request.POST.get("confirm"):
                    made = services.duty_issue(
                        actor=request.user, duty=duty, targets=targets, note=form.cleaned_data["note"]
                    )
                    messages.success(request, _issued_message(targets, made))
                    return redirect("duties:duty", pk=duty.pk)
                count = 1 if targets is None else targets.count()
                sample = [duty.organization] if targets is None else list(targets.order_by("path")[:8])
        except ServiceRefused:
            pass
    picked = set(form.cleaned_data.get("ids") or []) if form.is_bound else set()
    query = request.POST.get("q", "").strip()
    matches = below.filter(name__icontains=query) if query else below
    shown = [o for o in matches.order_by("path")[:PICK_SHOWN] if o.pk not in picked]
    candidates = list(below.filter(pk__in=picked).order_by("path")) + shown
    for org in candidates:
        org.indent = max(0, org.depth - duty.organization.depth - 1)
    context = {
        "duty": duty,
        "form": form,
        "count": count,
        "sample": sample,
        "candidates": candidates,
        "picked": picked,
        "query": query,
        "more_matches": len(shown) >= PICK_SHOWN,
    }
    fragment = request.POST.get("fragment") if request.htmx else None
    if fragment == "count":
        return render(request, "duties/_issue_count.html", context)
    if fragment == "candidates":
        return render(request, "duties/_issue_candidates.html", context)
    return render(request, "duties/issue.html", context)


def _issued_message(targets, made: int) -> str:
    if targets is None:
        return _("Issued to your own organization.")
    receivers = targets.count()
    if not made:
        return _("Every chosen organization already has this duty; nothing was issued again.")
    message = ngettext("Issued to %(n)d organization.", "Issued to %(n)d organizations.", receivers) % {"n": receivers}
    if made != receivers:
        # A recurring duty makes one assignment per occurrence; receivers that had it already get nothing new.
        message += " " + ngettext("%(n)d assignment made.", "%(n)d assignments made.", made) % {"n": made}
    return message


# ---------------------------------------------------------------- business objectives


@login_required
def objectives(request, pk):
    """The unit's business objectives with their latest values and attainment; add one, record a value."""
    from .forms import ObjectiveForm, ObjectiveValueForm

    org = _org(request, pk)
    may_change = can(request.user, Action.CHANGE, org)
    form = ObjectiveForm(request.POST or None, initial={"period": str(timezone.localdate().year)})
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied()
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                with service_errors(request, form):
                    period = services.period_for(data.pop("period"))
                    objective = services.objective_create(actor=request.user, organization=org, period=period, **data)
                messages.success(request, _("Objective “%(name)s” added.") % {"name": objective.name})
                return redirect("duties:objectives", pk=org.pk)
            except ServiceRefused:
                pass
    rows = []
    for objective in selectors.objectives_of(user=request.user, organization=org):
        latest = objective.latest_value()
        rows.append(
            {
                "objective": objective,
                "latest": latest,
                "attainment": round(100 * objective.attainment(latest.value if latest else None)),
                "duties": objective.duties.count(),
                "value_form": ObjectiveValueForm(prefix=f"o{objective.pk}"),
            }
        )
    context = {"organization": org, "rows": rows, "form": form, "may_change": may_change}
    return render(request, "duties/objectives.html", context)


@login_required
@require_POST
def objective_value(request, pk):
    from .forms import ObjectiveValueForm
    from .models import BusinessObjective

    objective = get_object_or_404(restrict(request.user, Action.CHANGE, BusinessObjective.objects.all()), pk=pk)
    form = ObjectiveValueForm(request.POST, prefix=f"o{objective.pk}")
    if form.is_valid():
        try:
            with service_errors(request):
                services.objective_record_value(actor=request.user, objective=objective, **form.cleaned_data)
            messages.success(request, _("Value recorded."))
        except ServiceRefused:
            pass
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("duties:objectives", pk=objective.organization_id)
