"""Pages of the care ledger of members in difficulty: the ledger with alerts, entries, visits, leaving it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, can
from grassroots.core.web import REFUSED, run_service

from .. import selectors, services
from ..forms import CareCaseForm, CareVisitForm
from ..models import CareOccasion
from .common import active_members, attendee_choices, form_page, initial_int, org_or_404


@login_required
def care(request, pk):
    """The ledger of members in difficulty with visits and alerts; details only for those who may read them."""
    org = org_or_404(request, pk)
    user = request.user
    cases = selectors.care_ledger(user=user, organization=org)
    for case in cases:
        case.restricted = can(user, Action.VIEW_PERSONAL, case.member)
    context = {
        "organization": org,
        "cases": cases,
        "alerts": [c for c in cases if c.overdue],
        "can_change": can(user, Action.CHANGE, org),
        # A plain member reads only their own case: the page says so rather than count the ledger.
        "whole_ledger": can(user, Action.VIEW_RECORD, org),
    }
    return render(request, "orglife/care.html", context)


@login_required
def care_new(request, pk):
    org = org_or_404(request, pk, Action.CHANGE)
    form = CareCaseForm(
        request.POST or None,
        members=active_members(request, org),
        organization=org,
        initial={"member": initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = run_service(
            request,
            services.care_case_open,
            form=form,
            actor=request.user,
            member=data["member"],
            category=data["category"],
            details=data["details"],
            opened_on=data["opened_on"],
            interval_days=data["interval_days"],
        )
        if case is not REFUSED:
            messages.success(request, _("%(name)s is in the care ledger.") % {"name": case.member.name})
            return redirect("orglife:care", pk=org.pk)
    back = reverse("orglife:care", args=[org.pk])
    return form_page(request, form, _("Add to the care ledger"), organization=org, back=back)


@login_required
def care_visit(request, pk):
    """Record a visit to a member in the ledger: who visited, on which occasion, what was done, money given."""
    org = org_or_404(request, pk, Action.CHANGE)
    form = CareVisitForm(
        request.POST or None,
        members=active_members(request, org),
        visitors=attendee_choices(org),
        organization=org,
        initial={"member": initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = run_service(
            request,
            services.care_visit_record,
            form=form,
            actor=request.user,
            member=data["member"],
            visited_on=data["visited_on"],
            help_given=data["help_given"],
            visitor=data["visitor"],
            visitor_name=data["visitor_name"],
            occasion=data["occasion"] or CareOccasion.ROUTINE,
            amount=data["amount"] or 0,
        )
        if visit is not REFUSED:
            messages.success(request, _("Visit to %(name)s recorded.") % {"name": visit.case.member.name})
            return redirect("orglife:care", pk=org.pk)
    return form_page(request, form, _("Record a visit"), organization=org, back=reverse("orglife:care", args=[org.pk]))


@login_required
@require_POST
def care_close(request, pk):
    case = get_object_or_404(selectors.care_case_list(user=request.user), pk=pk)
    if run_service(request, services.care_case_close, actor=request.user, case=case) is not REFUSED:
        messages.success(request, _("%(name)s left the care ledger.") % {"name": case.member.name})
    return redirect("orglife:care", pk=case.member.organization_id)
