"""Pages of study: a member records their own hours, the secretary records for members and confirms the queue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can, subject
from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import DecisionForm, StudyForm
from ..models import RecordState
from .common import active_members, initial_int, next_url, org_or_404, period_choices, period_of


def _recorded_message(record, member) -> str:
    if record.state == RecordState.PENDING:
        return _("%(hours)s hours recorded; they count once the secretary confirms them.") % {"hours": record.hours}
    return _("%(hours)s hours recorded for %(name)s.") % {"hours": record.hours, "name": member.name}


@login_required
def study_new(request):
    """A member records their own study; with ?org=<id>, a secretary records for a member of that organization."""
    user = request.user
    org_id = initial_int(request, "org")
    me = subject(user).member
    if org_id is not None:
        org = org_or_404(request, org_id, Action.CHANGE)
        members = active_members(request, org)
        member_initial = initial_int(request, "member")
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
        organization=org if members is not None else None,
        initial={"member": member_initial},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        member = data.get("member") or me
        record = run_service(
            request,
            services.study_record_create,
            form=form,
            actor=user,
            member=member,
            title=data["title"],
            studied_on=data["studied_on"],
            hours=data["hours"],
            course=data.get("course"),
        )
        if record is not REFUSED:
            messages.success(request, _recorded_message(record, member))
            if members is not None:
                return redirect(reverse("orglife:study", args=[org.pk]))
            return redirect("orglife:study_new")
    records = []
    if members is None and me is not None:
        records = list(selectors.study_records_of(user=user, member=me)[:20])
    context = {"form": form, "organization": org, "records": records, "for_others": members is not None}
    return render(request, "orglife/study_form.html", context)


def _decidable(user, records):
    """The records, each marked with whether the user may confirm or reject it now."""
    for record in records:
        record.may_decide = allowed(services.study_record_decide_check, actor=user, record=record)
    return records


@login_required
def study(request, pk):
    """The secretary's confirmation queue and every member's hours in the period against the plan."""
    org = org_or_404(request, pk)
    code, period = period_of(request)
    can_change = can(request.user, Action.CHANGE, org)
    pending = list(selectors.study_pending(user=request.user, organization=org)) if can_change else []
    far_behind = request.GET.get("behind") == "far"  # only those far behind (the start page's count)
    context = {
        "organization": org,
        "period": period,
        "period_code": code,
        "periods": period_choices(code),
        "pending": _decidable(request.user, pending),
        "rows": (selectors.study_far_behind if far_behind else selectors.study_progress)(
            organization=org, period=period, user=request.user
        ),
        "far_behind": far_behind,
        "can_change": can_change,
    }
    return render(request, "orglife/study.html", context)


@login_required
@require_POST
def study_decide(request, pk):
    """Confirm or reject a study record; htmx swaps the row in place."""
    record = get_object_or_404(selectors.study_record_list(user=request.user), pk=pk)
    form = DecisionForm(request.POST)
    if form.is_valid():
        confirm = form.cleaned_data["decision"] == "confirm"
        decided = run_service(
            request, services.study_record_decide, form=form, actor=request.user, record=record, confirm=confirm
        )
        record = record if decided is REFUSED else decided
    if request.htmx:
        return render(request, "orglife/_study_row.html", {"r": _decidable(request.user, [record])[0], "form": form})
    back = next_url(request, reverse("orglife:study", args=[record.member.organization_id]))
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
