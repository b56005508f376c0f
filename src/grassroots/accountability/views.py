"""The pages of pursuit: the cases a user may read, one case with its steps, a case opened by hand, the rules.

A case is found among those the user may read (selectors.case_list), else 404: a branch's members and secretaries
do not learn that a case exists unless it concerns them. Every step is a service called through run_service; the
page shows a step's form only when the service's `_check` lets it go ahead."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.core.tree import subtree_q
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import MemberStatus

from . import selectors, services
from .forms import (
    ALL,
    OPEN,
    CaseFilterForm,
    CaseOpenForm,
    CloseForm,
    DecideForm,
    EmptyForm,
    ReasonForm,
    RectificationForm,
    RuleForm,
    StatementForm,
)
from .models import DEFAULT_THRESHOLDS, LADDER, OPEN_CASE_STATES, Measure, PursuitRule

PER_PAGE = 50
CODES_OFFERED = 500  # organizations offered in a datalist; more can be typed by code


def _codes(queryset) -> list:
    return list(queryset.order_by("path").only("id", "code", "name", "name_en", "path")[:CODES_OFFERED])


def _pursued(user):
    """The organizations where the user pursues (opens and decides cases, sets the rules)."""
    return org_selectors.organization_list(user=user, action=Action.PURSUE)


def _find_case(request, pk):
    cases = selectors.case_list(user=request.user).select_related(
        "decided_by__member", "opened_by__member", "follows", "person__user"
    )
    return get_object_or_404(cases, pk=pk)


# --- the list --------------------------------------------------------------------------------------------------------


@login_required
def case_list(request):
    """The cases the user may read, the open ones first by default; filtered by state, rule, measure, organization
    (its subtree) and period."""
    user = request.user
    cases = selectors.case_list(user=user)
    visible = org_selectors.organization_list(user=user)
    form = CaseFilterForm(request.GET or None, organizations=visible)
    rows = cases
    if form.is_bound and not form.is_valid():
        rows = cases.none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        state = data.get("state") or OPEN
        if state == OPEN:
            rows = rows.filter(state__in=OPEN_CASE_STATES)
        elif state != ALL:
            rows = rows.filter(state=state)
        if data.get("trigger"):
            rows = rows.filter(trigger=data["trigger"])
        if data.get("measure"):
            rows = rows.filter(Q(measure=data["measure"]) | Q(measure="", proposed_measure=data["measure"]))
        if data.get("organization"):
            rows = rows.filter(subtree_q(data["organization"].path, "organization__path"))
        if data.get("period"):
            rows = rows.filter(period__code=data["period"].strip().upper())
    page = Paginator(rows.order_by("-created_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "open_count": cases.filter(state__in=OPEN_CASE_STATES).count(),
        "may_open": can_anywhere(user, Action.PURSUE),
        "codes": _codes(visible) if can_anywhere(user, Action.VIEW_CASES) else [],
    }
    return render(request, "accountability/cases.html", context)


# --- one case and its steps ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """A button of the case page: its form, the service it presses and that service's check, what it says after."""

    form: type
    service: object
    check: object
    done: str
    args: object = None  # cleaned data -> the service's own arguments


STEPS = {
    "review": Step(
        EmptyForm,
        services.case_review,
        services.case_review_check,
        gettext_lazy("The case is under review."),
    ),
    "statement": Step(
        StatementForm,
        services.case_statement,
        services.case_statement_check,
        gettext_lazy("Your statement is recorded; the deciding organization is notified."),
        lambda d: {"text": d["text"]},
    ),
    "decide": Step(
        DecideForm,
        services.case_decide,
        services.case_decide_check,
        gettext_lazy("The measure is decided; the person concerned is notified."),
        lambda d: {"measure": d["measure"], "note": d["note"]},
    ),
    "dismiss": Step(
        ReasonForm,
        services.case_dismiss,
        services.case_dismiss_check,
        gettext_lazy("The case is dismissed, with its reason."),
        lambda d: {"reason": d["reason"]},
    ),
    "withdraw": Step(
        ReasonForm,
        services.case_withdraw,
        services.case_withdraw_check,
        gettext_lazy("The case is withdrawn; it stays, marked, with its reason."),
        lambda d: {"reason": d["reason"]},
    ),
    "rectify": Step(
        RectificationForm,
        services.rectification_require,
        services.rectification_require_check,
        gettext_lazy("The rectification is required: the organization concerned reports on it as on any work."),
        lambda d: {
            "title": d["title"],
            "requirement": d["requirement"],
            "due_on": d["due_on"],
            "evidence_expected": d["evidence_expected"],
        },
    ),
    "close": Step(
        CloseForm,
        services.case_close,
        services.case_close_check,
        gettext_lazy("The case is closed."),
        lambda d: {"note": d["note"]},
    ),
}


def _evidence(request, case) -> list[dict]:
    """The case's evidence, each link kept only when it stays on this site."""
    host = {request.get_host()}
    out = []
    for item in case.evidence or ():
        url = str(item.get("url") or "")
        safe = bool(url) and url_has_allowed_host_and_scheme(url, host, request.is_secure())
        out.append({"label": item.get("label", ""), "url": url if safe else ""})
    return out


def _ladder(case) -> list[dict]:
    return [
        {
            "value": value,
            "label": Measure(value).label,
            "rung": number,
            "proposed": value == case.proposed_measure,
            "decided": value == case.measure,
        }
        for number, value in enumerate(LADDER, start=1)
    ]


def _case_context(request, case, **bound) -> dict:
    user = request.user
    may = {name: allowed(step.check, actor=user, case=case) for name, step in STEPS.items()}
    rectifications = list(selectors.rectifications_of(case))
    for r in rectifications:
        r.light = r.assignment.light()
    readable = selectors.case_list(user=user)
    context = {
        "case": case,
        "may": may,
        "may_act": any(may.values()),
        "evidence": _evidence(request, case),
        "ladder": _ladder(case),
        "rectifications": rectifications,
        "follows": case.follows if case.follows_id and selectors.may_read_case(user, case.follows) else None,
        "followed_by": list(readable.filter(follows=case).order_by("created_at", "id")),
        "timeline": selectors.case_timeline(user=user, case=case),
        "last_step": selectors.case_last_step(user=user, case=case),
        "is_person": case.person_id is not None and case.person.user_id == user.pk,
        "forms": {
            "review": EmptyForm(),
            "statement": StatementForm(initial={"text": case.statement}),
            "decide": DecideForm(initial={"measure": case.proposed_measure}),
            "dismiss": ReasonForm(auto_id="id_dismiss_%s"),
            "withdraw": ReasonForm(auto_id="id_withdraw_%s"),
            "rectify": RectificationForm(),
            "close": CloseForm(),
            **bound,
        },
    }
    return context


@login_required
def case_detail(request, pk):
    case = _find_case(request, pk)
    return render(request, "accountability/case.html", _case_context(request, case))


@login_required
@require_POST
def case_step(request, pk, step):
    """One step of a case (review, statement, decide, dismiss, withdraw, rectify, close), through its service; a
    refusal comes back on the form, what was typed kept."""
    case = _find_case(request, pk)
    action = STEPS.get(step)
    if action is None:
        raise Http404()
    auto_id = f"id_{step}_%s" if step in ("dismiss", "withdraw") else "id_%s"
    form = action.form(request.POST, auto_id=auto_id)
    if form.is_valid():
        args = action.args(form.cleaned_data) if action.args else {}
        done = run_service(request, action.service, form=form, actor=request.user, case=case, **args)
        if done is not REFUSED:
            messages.success(request, action.done)
            return redirect("accountability:case", pk=case.pk)
    case = _find_case(request, pk)  # as it is now (a refused step changed nothing)
    if not allowed(action.check, actor=request.user, case=case):
        # The step is no longer offered here (decided meanwhile, or never this user's): its reasons go on top.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return render(request, "accountability/case.html", _case_context(request, case), status=400)
    return render(request, "accountability/case.html", _case_context(request, case, **{step: form}), status=400)


# --- a case opened by hand -------------------------------------------------------------------------------------------


def _members_of(user, organization):
    members = org_selectors.member_list(user=user, organization=organization, subtree=True)
    return members.filter(status=MemberStatus.ACTIVE).order_by("organization__path", "name")


def _organization_typed(pursued, typed: str):
    """The organization concerned as typed so far (to list its members), or None."""
    if not typed:
        return None
    try:
        return CaseOpenForm(organizations=pursued).fields["organization"].clean(typed)
    except forms.ValidationError:
        return None


@transaction.atomic
def _open_case(*, period: str, **kwargs):
    """services.case_open for the period of that code; the period made on first use goes if the case is refused."""
    try:
        found = period_for(period)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    return services.case_open(period=found, **kwargs)


# What a link may fill in the form of a case opened by hand, and how much of each.
PREFILL_CASE = ("period", "title", "facts", "evidence")
PREFILL_LIMIT = 4000


@login_required
def case_new(request):
    """Open a case by hand: the organization concerned by code, then (its members listed) the person concerned."""
    user = request.user
    if not can_anywhere(user, Action.PURSUE):
        raise PermissionDenied(_("Only those who pursue in an organization open a case."))
    pursued = _pursued(user)
    data = request.POST if request.method == "POST" else None
    typed = (data or request.GET).get("organization", "").strip()
    organization = _organization_typed(pursued, typed)
    members = _members_of(user, organization) if organization is not None else None
    listing = data is not None and data.get("step") == "members"
    if listing or data is None:
        initial = {"period": str(timezone.localdate().year), "organization": typed}
        if data is None:  # a link may fill the form in (a finding of the diagnosis: "open a case")
            initial.update({k: request.GET[k][:PREFILL_LIMIT] for k in PREFILL_CASE if request.GET.get(k)})
        if listing:
            initial.update({k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken", "step")})
        form = CaseOpenForm(initial=initial, organizations=pursued, members=members)
    else:
        form = CaseOpenForm(data, organizations=pursued, members=members)
        if form.is_valid():
            d = form.cleaned_data
            case = run_service(
                request,
                _open_case,
                form=form,
                actor=user,
                organization=d["organization"],
                person=d["person"],
                deciding=d["deciding"],
                period=d["period"],
                title=d["title"],
                facts=d["facts"],
                evidence=d["evidence"],
            )
            if case is not REFUSED:
                messages.success(
                    request, _("The case is opened; the person concerned and the deciding organization are notified.")
                )
                return redirect("accountability:case", pk=case.pk)
    context = {
        "form": form,
        "organization": organization,
        "unknown_organization": bool(typed) and organization is None,
        "codes": _codes(pursued),
    }
    return render(request, "accountability/case_new.html", context, status=400 if form.errors else 200)


# --- the rules of pursuit --------------------------------------------------------------------------------------------


def _rules_url(organization) -> str:
    return f"{reverse('accountability:rules')}?{urlencode({'organization': organization.code})}"


@login_required
def rules(request):
    """The rules of pursuit in force for an organization the user pursues in, where each comes from, and a form for
    each to set it there (or remove the one set there)."""
    user = request.user
    pursued = _pursued(user)
    code = (request.POST.get("organization") or request.GET.get("organization") or "").strip()
    organization = pursued.filter(code=code).first() if code else pursued.order_by("path").first()
    if organization is None:
        if code and can_anywhere(user, Action.PURSUE):
            raise Http404()
        raise PermissionDenied(_("Only those who pursue in an organization set its rules of pursuit."))
    bound = {}
    if request.method == "POST":
        trigger = request.POST.get("trigger", "")
        if trigger not in DEFAULT_THRESHOLDS:
            raise Http404()
        if request.POST.get("remove"):
            rule = get_object_or_404(PursuitRule, organization=organization, trigger=trigger)
            if run_service(request, services.pursuit_rule_delete, actor=user, rule=rule) is not REFUSED:
                messages.success(request, _("The rule set here is removed: the rule above applies again."))
                return redirect(_rules_url(organization))
        else:
            form = RuleForm(request.POST, prefix=trigger)
            if form.is_valid():
                saved = run_service(
                    request,
                    services.pursuit_rule_set,
                    form=form,
                    actor=user,
                    organization=organization,
                    trigger=trigger,
                    enabled=form.cleaned_data["enabled"],
                    threshold=form.cleaned_data["threshold"] or ("" if trigger in selectors.THRESHOLDED else 0),
                )
                if saved is not REFUSED:
                    messages.success(
                        request, _("The rule is set for %(org)s and below.") % {"org": organization.display_name()}
                    )
                    return redirect(_rules_url(organization))
            bound[trigger] = form
    rows = selectors.rules_in_force(organization)
    for row in rows:
        row.form = bound.get(row.trigger) or RuleForm(
            prefix=row.trigger,
            initial={"enabled": row.enabled, "threshold": row.threshold},
        )
    context = {
        "organization": organization,
        "rows": rows,
        "codes": _codes(pursued),
        "code": code or organization.code,
    }
    return render(request, "accountability/rules.html", context, status=400 if bound else 200)
