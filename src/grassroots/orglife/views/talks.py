"""Pages of heart-to-heart talks: this year's talks, the members still without one, recording a talk."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, can
from grassroots.core.web import REFUSED, run_service

from .. import selectors, services
from ..forms import TalkForm
from .common import active_members, attendee_choices, form_page, initial_int, org_or_404, year_of


@login_required
def talks(request, pk):
    """This year's heart-to-heart talks and the members still without one."""
    org = org_or_404(request, pk)
    year = year_of(request)
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
    org = org_or_404(request, pk, Action.CHANGE)
    form = TalkForm(
        request.POST or None,
        members=active_members(request, org),
        talkers=attendee_choices(org),
        organization=org,
        initial={"member": initial_int(request, "member")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        talk = run_service(
            request,
            services.talk_record,
            form=form,
            actor=request.user,
            member=data["member"],
            talked_on=data["talked_on"],
            topic=data["topic"],
            with_member=data["with_member"],
            with_name=data["with_name"],
            notes=data["notes"],
        )
        if talk is not REFUSED:
            messages.success(request, _("Talk with %(name)s recorded.") % {"name": talk.member.name})
            return redirect("orglife:talks", pk=org.pk)
    return form_page(request, form, _("Record a talk"), organization=org, back=reverse("orglife:talks", args=[org.pk]))
