"""Review by the issuer: the queue of reports and due-date requests, accepting, returning, deciding."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.core.web import REFUSED, allowed, parse_id, run_service
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..forms import (
    DueDateDecisionForm,
    ReviewFilterForm,
    ReviewForm,
    ReviewManyForm,
)
from ..review_notes import attach_review_notes
from .common import form_errors_as_messages, mark_review, next_url


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
        take_over = form.cleaned_data["take_over"]
        if form.cleaned_data["decision"] == "accept":
            done = run_service(
                request, services.report_accept, form=form, actor=request.user, report=report, take_over=take_over
            )
        else:
            reason = form.cleaned_data["reason"]
            done = run_service(
                request,
                services.report_return,
                form=form,
                actor=request.user,
                report=report,
                reason=reason,
                take_over=take_over,
            )
        if done is not REFUSED:
            decision = form.cleaned_data["decision"]
    if request.htmx:
        report.refresh_from_db()
        mark_review(request.user, report)
        return render(request, "duties/_review_item.html", {"report": report, "form": form, "decision": decision})
    if decision == "accept":
        messages.success(request, _("Accepted: %(duty)s, %(org)s.") % _report_names(report))
    elif decision == "return":
        messages.success(request, _("Returned to %(org)s with your reason.") % _report_names(report))
    else:
        form_errors_as_messages(request, form)
    return redirect(next_url(request, reverse("duties:review")))


def _report_names(report) -> dict:
    return {"duty": report.assignment.duty.title, "org": report.assignment.organization.display_name()}


def _narrowed_queue(request, *, others: bool):
    """The user's queue, its filter form (duties and townships offered from the queue itself) and the queue cut
    down by the form."""
    user = request.user
    queue = selectors.review_queue(user=user, others=others)
    form = ReviewFilterForm(request.GET or None, **selectors.review_queue_choices(queue))
    if form.is_valid():
        data = form.cleaned_data
        under = org_selectors.organization_list(user=user).filter(pk=data["under"]).first() if data["under"] else None
        queue = selectors.review_queue_narrowed(queue, duty=data["duty"], under=under, light=data["light"])
    return queue, form


# What a review item shows and its review check reads (views.common.mark_review): a page of 25 reports with their
# duties, organizations and authors reads no other column.
QUEUE_FIELDS = (
    *("id", "assignment_id", "author_id", "text", "percent", "state", "created_at"),
    *("assignment__duty_id", "assignment__organization_id", "assignment__due_on", "assignment__duty__title"),
    *("assignment__duty__organization_id", "assignment__duty__organization__path"),
    *(f"assignment__{org}__{name}" for org in ("duty__organization", "organization") for name in ("name", "name_en")),
    *("author__username", "author__first_name", "author__last_name", "author__member__name"),
)


@login_required
def review_queue(request):
    """Submitted reports waiting for this user's review, narrowed by duty, township and light; several accepted at
    once; requests for a new due date."""
    user = request.user
    if not can_anywhere(user, Action.CHANGE):
        raise PermissionDenied(_("Only those who issue duties review reports."))
    others = request.GET.get("others") == "1"
    reports, filter_form = _narrowed_queue(request, others=others)
    page = Paginator(reports.select_related("author__member").only(*QUEUE_FIELDS), 25).get_page(request.GET.get("page"))
    cache = {}
    for report in page:
        mark_review(user, report, cache=cache, in_place=None if others else False)
    attach_review_notes(user, page)
    requests = list(selectors.pending_due_date_requests(user=user).order_by("created_at", "id")[:50])
    for due_request in requests:
        due_request.may_decide = allowed(services.due_date_decide_check, actor=user, request=due_request)
    context = {
        "page": page,
        "others": others,
        "others_count": 0 if others else selectors.review_queue(user=user, others=True).count(),
        "filter_form": filter_form,
        "narrowed": filter_form.is_valid() and any(filter_form.cleaned_data.values()),
        "may_review_some": any(r.may_review for r in page),
        "requests": requests,
        "form": ReviewForm(),
        "decision_form": DueDateDecisionForm(),
    }
    return render(request, "duties/review.html", context)


@login_required
@require_POST
def review_many(request):
    """The reports ticked on the review page, accepted together or returned with one reason, each on its own."""
    ids = [pk for pk in map(parse_id, request.POST.getlist("report")) if pk is not None]
    form = ReviewManyForm(request.POST, report_ids=ids)
    back = next_url(request, reverse("duties:review"))
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return redirect(back)
    data = form.cleaned_data
    # Every ticked report the user may see goes to the service, which says why one can no longer be reviewed.
    visible = selectors.report_list(user=request.user).filter(pk__in=data["report"]).order_by("created_at", "id")
    chosen = list(visible.select_related("assignment__organization"))
    outcome = run_service(
        request,
        services.reports_review,
        actor=request.user,
        reports=chosen,
        decision=data["decision"],
        reason=data["reason"],
        take_over=data["take_over"],
    )
    if outcome is REFUSED:
        return redirect(back)
    done = sum(1 for _report, refusal in outcome if not refusal)
    if data["decision"] == "accept":
        text = ngettext("%(n)d report accepted.", "%(n)d reports accepted.", done)
    else:
        text = ngettext("%(n)d report returned with your reason.", "%(n)d reports returned with your reason.", done)
    messages.success(request, text % {"n": done})
    for report, refusal in outcome:
        if refusal:
            messages.error(request, f"{report.assignment.organization.display_name()}: {refusal}")
    return redirect(back)


@login_required
@require_POST
def due_date_decide(request, pk):
    due_request = get_object_or_404(
        selectors.due_date_request_list(user=request.user).select_related("assignment__duty"), pk=pk
    )
    form = DueDateDecisionForm(request.POST)
    if form.is_valid():
        grant = form.cleaned_data["decision"] == "grant"
        decided = run_service(
            request,
            services.due_date_decide,
            form=form,
            actor=request.user,
            request=due_request,
            grant=grant,
            note=form.cleaned_data["note"],
        )
        if decided is REFUSED:
            form_errors_as_messages(request, form)
        elif grant:
            messages.success(request, _("New due date granted: %(date)s.") % {"date": due_request.new_due})
        else:
            messages.success(request, _("Request refused; the reason was sent."))
    else:
        form_errors_as_messages(request, form)
    return redirect(next_url(request, reverse("duties:review")))
