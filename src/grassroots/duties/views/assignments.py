"""An assignment as received: its page, the report form, the receiver's settings, a new due date, decomposing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.errors import ValidationError
from grassroots.core.uploads import max_upload_mb
from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import (
    AssignmentForm,
    DecomposeForm,
    DueDateRequestForm,
    ReportForm,
    ReviewForm,
)
from ..models import (
    AssignmentState,
    ReportState,
)
from .common import assignment_or_404, local_members, mark_review, member_pick_url, next_url, require_change


def _assignment_context(request, assignment, **forms) -> dict:
    user = request.user
    may_change = allowed(services.assignment_update_check, actor=user, assignment=assignment)
    reports = list(
        selectors.report_list(user=user)
        .filter(assignment=assignment)
        .select_related("author__member", "reviewer")
        .prefetch_related("evidence")
    )
    may_describe = services.may_report(user, assignment)  # the photos of its reports (evidence_describe_check)
    for report in reports:
        report.assignment = assignment  # the one loaded already, with its duty and organizations
        mark_review(user, report)
        report.may_withdraw = allowed(services.report_withdraw_check, actor=user, report=report)
        report.may_describe = may_describe
    returned = next((r for r in reports if r.state == ReportState.RETURNED), None)
    context = {
        "assignment": assignment,
        "duty": assignment.duty,
        "chain": selectors.issued_chain(assignment),
        "reports": reports,
        "last_returned": returned if assignment.state == AssignmentState.RETURNED else None,
        "requests": list(assignment.due_date_requests.select_related("requested_by").order_by("-created_at")[:5]),
        "decomposed": list(assignment.decomposed_duties.all()) if may_change else [],
        "may_change": may_change,
        "may_report": allowed(services.report_submit_check, actor=user, assignment=assignment),
        "may_request": allowed(services.due_date_request_check, actor=user, assignment=assignment),
        "may_decompose": allowed(services.duty_decompose_check, actor=user, assignment=assignment),
        "report_form": ReportForm(initial={"percent": assignment.percent}),
        "review_form": ReviewForm(),
        "due_form": DueDateRequestForm(),
        "next": request.get_full_path(),
        "max_mb": max_upload_mb(),
    }
    if may_change:
        context["assignment_form"] = AssignmentForm(
            initial={"responsible": assignment.responsible_id, "note": assignment.note},
            members=local_members(user, assignment.organization, keep=assignment.responsible_id),
            pick_url=member_pick_url(assignment.organization),
        )
    context.update(forms)
    return context


@login_required
def assignment_detail(request, pk):
    """One duty as received: its five elements, light and state, the reports with evidence, and what to do next."""
    assignment = assignment_or_404(request, pk)
    return render(request, "duties/assignment.html", _assignment_context(request, assignment))


@login_required
def report(request, pk):
    """The report form on its own, for a phone: what was done, how far, photos and files."""
    assignment = assignment_or_404(request, pk)
    try:
        services.report_submit_check(actor=request.user, assignment=assignment)  # who may not report is refused here
        reportable = True
    except ValidationError:
        reportable = False
    form = ReportForm(request.POST or None, request.FILES or None, initial={"percent": assignment.percent})
    if request.method == "POST" and form.is_valid():
        made = run_service(
            request,
            services.report_submit,
            form=form,
            actor=request.user,
            assignment=assignment,
            text=form.cleaned_data["text"],
            percent=form.cleaned_data["percent"],
            files=form.cleaned_data["files"],
        )
        if made is not REFUSED:
            messages.success(
                request,
                _("Report submitted: %(issuer)s will review it, and you will get a notification.")
                % {"issuer": assignment.duty.organization.display_name()},
            )
            return redirect(next_url(request, reverse("duties:assignment", args=[assignment.pk])))
    returned = None
    if assignment.state == AssignmentState.RETURNED:
        reports = selectors.report_list(user=request.user).filter(assignment=assignment)
        returned = reports.filter(state=ReportState.RETURNED).first()
    context = {
        "assignment": assignment,
        "duty": assignment.duty,
        "form": form,
        "reportable": reportable,
        "last_returned": returned,
        "files_lost": request.method == "POST" and bool(request.FILES),
        "next": next_url(request, ""),
        "max_mb": max_upload_mb(),
    }
    return render(request, "duties/report.html", context)


@login_required
@require_POST
def assignment_update(request, pk):
    """The receiver names its responsible person and adds its own requirement."""
    assignment = assignment_or_404(request, pk)
    members = local_members(request.user, assignment.organization, keep=assignment.responsible_id)
    form = AssignmentForm(request.POST, members=members, pick_url=member_pick_url(assignment.organization))
    if form.is_valid():
        saved = run_service(
            request,
            services.assignment_update,
            form=form,
            actor=request.user,
            assignment=assignment,
            responsible=form.cleaned_data["responsible"],
            note=form.cleaned_data["note"],
        )
        if saved is not REFUSED:
            messages.success(request, _("Saved."))
            return redirect("duties:assignment", pk=assignment.pk)
    context = _assignment_context(request, assignment, assignment_form=form)
    return render(request, "duties/assignment.html", context)


@login_required
@require_POST
def due_date_request(request, pk):
    assignment = assignment_or_404(request, pk)
    form = DueDateRequestForm(request.POST)
    if form.is_valid():
        made = run_service(
            request,
            services.due_date_request,
            form=form,
            actor=request.user,
            assignment=assignment,
            new_due=form.cleaned_data["new_due"],
            reason=form.cleaned_data["reason"],
        )
        if made is not REFUSED:
            messages.success(request, _("Your request for a new due date was sent to the issuer."))
            return redirect("duties:assignment", pk=assignment.pk)
    return render(request, "duties/assignment.html", _assignment_context(request, assignment, due_form=form))


@login_required
def decompose(request, pk):
    """The receiver makes the assignment a duty of its own, to add its requirement and issue it further down."""
    assignment = assignment_or_404(request, pk)
    require_change(request, assignment.organization)
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
        request.POST or None,
        initial=initial,
        members=local_members(request.user, assignment.organization),
        pick_url=member_pick_url(assignment.organization),
    )
    if request.method == "POST" and form.is_valid():
        new = run_service(
            request, services.duty_decompose, form=form, actor=request.user, assignment=assignment, **form.cleaned_data
        )
        if new is not REFUSED:
            messages.success(request, _("Your own duty is ready. Now issue it to the organizations below."))
            return redirect("duties:duty", pk=new.pk)
    context = {"form": form, "assignment": assignment, "title": _("Decompose for the organizations below")}
    return render(request, "duties/duty_form.html", context)


@login_required
@require_POST
def report_withdraw(request, pk):
    report = get_object_or_404(selectors.report_list(user=request.user), pk=pk)
    if run_service(request, services.report_withdraw, actor=request.user, report=report) is not REFUSED:
        messages.success(request, _("Report withdrawn; you can change it and report again."))
    return redirect("duties:assignment", pk=report.assignment_id)
