"""Duty lists by organization and period, and their duties: new, copied, filtered, edited, shown with roll-ups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from grassroots.core.errors import ValidationError
from grassroots.core.periods import next_code
from grassroots.core.policy import Action, can
from grassroots.core.web import REFUSED, address_of, allowed, parse_id, run_service
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..forms import (
    CopyListForm,
    DutyFilterForm,
    DutyForm,
    DutyListForm,
)
from ..models import (
    Dimension,
    Light,
)
from .common import duty_list_or_404, duty_or_404, local_members, member_pick_url, org_or_404, require_change


def _this_year() -> str:
    return str(timezone.localdate().year)


def _org_lists_context(request, org, **forms) -> dict:
    user = request.user
    held = Count("duties", filter=Q(duties__series__isnull=True))
    lists = list(selectors.duty_list_list(user=user, organization=org).annotate(duty_count=held))
    code = (request.GET.get("period") or request.POST.get("period") or _this_year()).strip().upper()
    year = int(_this_year())
    codes = {dl.period.code for dl in lists if dl.period} | {str(year), str(year + 1)}
    current = next((dl for dl in lists if dl.period and dl.period.code == code and not dl.is_template), None)
    # Every list of a period, the newest first (the current one too: it is what next year copies), then templates.
    dated = sorted(
        (dl for dl in lists if dl.period and not dl.is_template), key=lambda dl: dl.period.start, reverse=True
    )
    templates = list(
        selectors.duty_list_list(user=user)
        .filter(is_template=True)
        .select_related("organization")
        .annotate(duty_count=held)[:50]
    )
    sources = dated + templates
    # With this period's list open, the copy goes by default from it into the next period.
    into = next_code(current.period) if current is not None else code
    context = {
        "organization": org,
        "lists": lists,
        "periods": sorted(codes, reverse=True),
        "period_code": code,
        "current": current,
        "sources": sources,
        "can_change": can(user, Action.CHANGE, org),
        "list_form": DutyListForm(initial={"period": code}),
        "copy_form": CopyListForm(initial={"period": into, "source": current.pk if current else None}, sources=sources),
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
        # The receivers' overdue work counts against the list that issued it: a duty is red while any receiver is.
        "receivers_overdue": sum(d.progress.get("red", 0) or 0 for d in duties),
    }


@login_required
def org_lists(request, pk):
    """An organization's duty lists by period: open one, start a new one, or copy last period's or a template."""
    org = org_or_404(request, pk)
    return render(request, "duties/org_lists.html", _org_lists_context(request, org))


@login_required
@require_POST
def list_new(request, pk):
    org = org_or_404(request, pk)
    form = DutyListForm(request.POST)
    if form.is_valid():
        new = run_service(request, _list_new, form=form, actor=request.user, organization=org, data=form.cleaned_data)
        if new is not REFUSED:
            messages.success(request, _("Duty list “%(title)s” is ready; add its duties.") % {"title": new.title})
            return redirect("duties:list", pk=new.pk)
    return render(request, "duties/org_lists.html", _org_lists_context(request, org, list_form=form))


def _list_new(*, actor, organization, data):
    """The list the form asks for: a template, a titled list of a period, or the period's own list."""
    if data["is_template"]:
        title = data["title"] or _("Template of %(org)s") % {"org": organization.display_name()}
        return services.duty_list_create(
            actor=actor, organization=organization, period=None, title=title, is_template=True
        )
    period = services.period_for(data["period"]) if data["period"] else None
    if data["title"]:
        return services.duty_list_create(actor=actor, organization=organization, period=period, title=data["title"])
    if period is None:
        raise ValidationError({"period": _("Say which period the list is for, such as 2026.")})
    return services.duty_list_for(actor=actor, organization=organization, period=period)


def _list_copy(*, actor, source, organization, code, into_existing):
    return services.duty_list_copy(
        actor=actor,
        source=source,
        organization=organization,
        period=services.period_for(code),
        into_existing=into_existing,
    )


@login_required
@require_POST
def list_copy(request, pk):
    org = org_or_404(request, pk)
    context = _org_lists_context(request, org)
    form = CopyListForm(request.POST, sources=context["sources"])
    if form.is_valid():
        source = get_object_or_404(selectors.duty_list_list(user=request.user), pk=form.cleaned_data["source"])
        target = run_service(
            request,
            _list_copy,
            form=form,
            actor=request.user,
            source=source,
            organization=org,
            code=form.cleaned_data["period"],
            into_existing=form.cleaned_data["into_existing"],
        )
        if target is not REFUSED:
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
    context["copy_form"] = form
    return render(request, "duties/org_lists.html", context)


@login_required
def duty_list(request, pk):
    """The duties of one list with their roll-ups, filtered by area, key work, light, state and person."""
    user = request.user
    the_list = duty_list_or_404(request, pk)
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
        members=local_members(request.user, organization, keep=keep),
        pick_url=member_pick_url(organization),
        organization=organization,
        period=period,
        **kwargs,
    )


# What a link may fill in the new-duty form (a finding's "issue a duty", for one): text as given, a choice if known.
PREFILL_TEXT = ("title", "description", "requirement", "evidence_expected")
PREFILL_FLAGS = ("claimable", "is_key", "is_major")


def _prefill(request) -> dict:
    """Initial values of the new-duty form from the GET parameters of the link that opened it."""
    if request.method != "GET":
        return {}
    get = request.GET
    initial = {name: get[name][:2000] for name in PREFILL_TEXT if get.get(name)}
    initial.update({name: True for name in PREFILL_FLAGS if get.get(name) in ("1", "true", "on")})
    if get.get("dimension") in Dimension.values:
        initial["dimension"] = get["dimension"]
    objective = parse_id(get.get("objective"))
    if objective is not None:
        initial["objective"] = objective
    return initial


@login_required
def duty_new(request, pk):
    """A new duty of a list, with the five things named: who, which post, what, by when, to which standard."""
    the_list = duty_list_or_404(request, pk)
    require_change(request, the_list.organization)
    form = _duty_form(request, the_list.organization, the_list.period, initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        duty = run_service(
            request, services.duty_create, form=form, actor=request.user, duty_list=the_list, **form.cleaned_data
        )
        if duty is not REFUSED:
            messages.success(request, _("Duty added. Issue it down, or keep it for your own organization."))
            return redirect("duties:duty", pk=duty.pk)
    context = {"form": form, "duty_list": the_list, "title": _("New duty")}
    return render(request, "duties/duty_form.html", context)


@login_required
def duty_edit(request, pk):
    duty = duty_or_404(request, pk)
    require_change(request, duty.organization)
    initial = {name: getattr(duty, name) for name in DutyForm.base_fields}
    form = _duty_form(request, duty.organization, duty.duty_list.period, keep=duty.responsible_id, initial=initial)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("duties:duty", pk=duty.pk)
        if (
            run_service(request, services.duty_update, form=form, actor=request.user, duty=duty, **changes)
            is not REFUSED
        ):
            messages.success(request, _("Saved."))
            return redirect("duties:duty", pk=duty.pk)
    context = {"form": form, "duty": duty, "duty_list": duty.duty_list, "title": _("Edit duty")}
    return render(request, "duties/duty_form.html", context)


# What a row of a duty's tree of assignments shows: a county's duty lists a hundred rows, each of which joins its
# duty, organizations and members; no other column is read.
TREE_FIELDS = (
    *("id", "duty_id", "organization_id", "responsible_id", "state", "percent", "due_on", "duty__title"),
    *("duty__organization_id", "duty__responsible_id", "organization__depth", "organization__name"),
    *("organization__name_en", "duty__organization__id", "duty__responsible__id", "responsible__name"),
)


@login_required
def duty_detail(request, pk):
    """A duty with its roll-up, the tree of its assignments, progress by child organization, occurrences, claims."""
    user = request.user
    duty = duty_or_404(request, pk)
    assignments = selectors.assignments_of_duty(user=user, duty=duty).only(*TREE_FIELDS)
    page = Paginator(assignments, 100).get_page(request.GET.get("page"))
    # Each row's address and light label made once per page, not once per row (a hundred rows).
    to_assignment = address_of("duties:assignment")
    lights = {}
    for assignment in page:
        assignment.indent = max(0, assignment.organization.depth - duty.organization.depth - 1)
        assignment.url = to_assignment(assignment.pk)
        code = assignment.light_code
        if code not in lights:
            lights[code] = render_to_string("duties/_light.html", {"light": code})
        assignment.light_label = lights[code]
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
        "rollup_rule": selectors.ROLLUP_RULE,
        "page": page,
        "child_rows": child_rows,
        "occurrences": occurrences,
        "claims": selectors.claim_list(user=user).filter(duty=duty),
        "can_change": can(user, Action.CHANGE, duty.organization),
        "may_issue": allowed(services.duty_issue_check, actor=user, duty=duty),
    }
    return render(request, "duties/duty.html", context)
