"""Pages of points: the rule book, a member's ledger, the secretary's hand entry and corrections."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, can
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..forms import PointsCorrectForm, PointsEntryForm
from .common import active_members, form_page, initial_int, org_or_404, require_change, this_year, year_of


@login_required
def point_rules(request):
    """The rule book: what earns or costs how many points, with the caps (admins change it in the admin)."""
    rules = selectors.point_rule_list().order_by("-is_active", "source", "code")
    return render(request, "orglife/rules.html", {"rules": rules})


@login_required
def member_points(request, pk):
    """A member's points ledger by year; corrections are new lines that point at the line they correct."""
    member = get_object_or_404(org_selectors.member_list(user=request.user), pk=pk)
    year = year_of(request)
    entries = list(selectors.point_ledger(user=request.user, member=member, year=year))
    sources = selectors.point_sources(entries)
    for entry in entries:
        entry.may_correct = allowed(services.points_correct_check, actor=request.user, entry=entry)
        entry.source_url = sources.get(entry.pk, "")
    context = {
        "member": member,
        "year": year,
        "years": [this_year() - i for i in range(3)],
        "entries": entries,
        "total": sum((e.points for e in entries), 0),
        "can_change": can(request.user, Action.CHANGE, member),
    }
    return render(request, "orglife/ledger.html", context)


@login_required
def points_new(request, pk):
    """The secretary's hand entry of confirmed points (volunteering, other); caps are enforced with a message."""
    org = org_or_404(request, pk, Action.CHANGE)
    form = PointsEntryForm(
        request.POST or None,
        members=active_members(request, org),
        organization=org,
        initial={"member": initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        entry = run_service(
            request,
            services.points_enter,
            form=form,
            actor=request.user,
            member=data["member"],
            rule=data["rule"],
            earned_on=data["earned_on"],
            note=data["note"],
            hours=form.cleaned_hours(),
        )
        if entry is not REFUSED:
            messages.success(
                request,
                _("%(points)s points entered for %(name)s.") % {"points": entry.points, "name": entry.member.name},
            )
            return redirect("orglife:member_points", pk=entry.member_id)
    rules_link = reverse("orglife:point_rules")
    return form_page(request, form, _("Enter points"), organization=org, extra={"rules_link": rules_link})


@login_required
def points_correct(request, pk):
    """Correct a ledger line: a new line carries the difference, the old line stays."""
    entry = get_object_or_404(selectors.point_entry_list(user=request.user), pk=pk)
    require_change(request, entry.member)
    form = PointsCorrectForm(request.POST or None, initial={"points": entry.points})
    if request.method == "POST" and form.is_valid():
        correction = run_service(
            request,
            services.points_correct,
            form=form,
            actor=request.user,
            entry=entry,
            points=form.cleaned_data["points"],
            reason=form.cleaned_data["reason"],
        )
        if correction is not REFUSED:
            messages.success(request, _("Corrected; the ledger keeps the old line and the correction."))
            return redirect("orglife:member_points", pk=entry.member_id)
    return form_page(request, form, _("Correct points"), member=entry.member, extra={"entry": entry})
