"""The pages of commendations and of the red/yellow board: the commendations a user reads, the candidates of an
organization for a period (proposed with a button), a commendation proposed by hand, one commendation decided with
its document or withdrawn; the boards, one board (its public part a template of its own), published and withdrawn.

Every write is a service called through run_service; a form is shown only when its service's `_check` lets the user
go ahead. A commendation or board the user may not read answers 404."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.core.tree import subtree_q
from grassroots.core.uploads import max_upload_mb, serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import MemberStatus

from . import selectors, services
from .forms_honours import (
    BoardPublishForm,
    CommendationByHandForm,
    CommendationFilterForm,
    DecideForm,
    ProposalsForm,
    ProposeForm,
    ReasonForm,
)
from .models import CommendationKind, CommendationState

PER_PAGE = 50
CODES_OFFERED = 500


def _codes(queryset) -> list:
    return list(queryset.order_by("path").only("id", "code", "name", "name_en", "path")[:CODES_OFFERED])


def _period(code: str):
    """The period of a code typed, or None when it is not one (the form says so)."""
    try:
        return period_for(code)
    except ValidationError:
        return None


# --- the list --------------------------------------------------------------------------------------------------------


@login_required
def commendation_list(request):
    """The commendations the user reads (proposed and decided by default), filtered by kind, state, period and an
    organization's subtree."""
    user = request.user
    rows = selectors.commendation_list(user=user)
    visible = org_selectors.organization_list(user=user)
    form = CommendationFilterForm(request.GET or None, organizations=visible)
    if form.is_bound and not form.is_valid():
        rows = rows.none()
    else:
        data = form.cleaned_data if form.is_bound else {}
        if data.get("kind"):
            rows = rows.filter(kind=data["kind"])
        if data.get("state"):
            rows = rows.filter(state=data["state"])
        else:
            rows = rows.exclude(state=CommendationState.WITHDRAWN)
        if data.get("period"):
            rows = rows.filter(period__code=data["period"].strip().upper())
        if data.get("organization"):
            rows = rows.filter(subtree_q(data["organization"].path, "organization__path"))
    page = Paginator(rows.order_by("-period__start", "kind", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "may_commend": can_anywhere(user, Action.PURSUE),
        "codes": _codes(visible) if can_anywhere(user, Action.VIEW_CASES) else [],
    }
    return render(request, "accountability/honours/commendations.html", context)


# --- the candidates --------------------------------------------------------------------------------------------------


def _proposals_url(organization, period, kind) -> str:
    query = urlencode({"organization": organization.code, "period": period.code, "kind": kind})
    return f"{reverse('accountability:commendation_proposals')}?{query}"


@login_required
def commendation_proposals(request):
    """The candidates of an organization where the user commends, for a period, one kind at a time: each with the
    grounds it comes from, and a button to propose it (or the commendation it already has)."""
    user = request.user
    if not can_anywhere(user, Action.PURSUE):
        raise PermissionDenied(_("Only those who pursue in an organization propose its commendations."))
    commending = selectors.commending_organizations(user=user)
    query = request.POST if request.method == "POST" else request.GET
    # (A proposal posts the commending organization's code beside the candidate's organization id.)
    code = query.get("organization_code" if request.method == "POST" else "organization", "")
    form = ProposalsForm(
        {
            "organization": code,
            "period": query.get("period") or str(timezone.localdate().year),
            "kind": query.get("kind") or CommendationKind.ADVANCED_ORGANIZATION,
        },
        organizations=commending,
    )
    organization = period = None
    candidates, propose_form = [], None
    if form.is_valid():
        data = form.cleaned_data
        organization = data["organization"] or commending.order_by("path").first()
        period = _period(data["period"])
        if period is None:
            form.add_error("period", _("This is not a period: write 2026, 2026-H1, 2026-Q3 or 2026-07."))
    if organization is not None and period is not None:
        kind = form.cleaned_data["kind"]
        if request.method == "POST":
            propose_form = ProposeForm(request.POST)
            if propose_form.is_valid():
                done = _propose(request, propose_form, organization, period)
                if done is not REFUSED:
                    messages.success(
                        request,
                        _("%(name)s is proposed for %(kind)s.")
                        % {"name": done.commended_name(), "kind": done.get_kind_display()},
                    )
                    return redirect(_proposals_url(organization, period, kind))
            for errors in propose_form.errors.values():
                for error in errors:
                    messages.error(request, error)
        candidates = services.commendation_proposals(actor=user, organization=organization, period=period, kind=kind)
    page = Paginator(candidates, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "organization": organization,
        "period": period,
        "page": page,
        "kinds": CommendationKind.choices,
        "codes": _codes(commending),
    }
    # A proposal posted comes back here only when refused: its reasons are on top.
    status = 400 if form.errors or request.method == "POST" else 200
    return render(request, "accountability/honours/proposals.html", context, status=status)


def _propose(request, form, commending, period):
    """services.commendation_propose for the candidate posted (its organization and member among those the user
    sees, else 404); the refusal goes to the page's messages."""
    data = form.cleaned_data
    organization = get_object_or_404(org_selectors.organization_list(user=request.user), pk=data["organization"])
    member = None
    if data.get("member"):
        member = get_object_or_404(org_selectors.member_list(user=request.user), pk=data["member"])
    return run_service(
        request,
        services.commendation_propose,
        actor=request.user,
        kind=data["kind"],
        period=period,
        commending=commending,
        organization=organization,
        member=member,
        citation=data["citation"],
    )


# --- a commendation proposed by hand ---------------------------------------------------------------------------------


@transaction.atomic
def _propose_by_hand(*, period: str, **kwargs):
    """services.commendation_propose for the period of that code; a period made on first use goes if refused."""
    try:
        found = period_for(period)
    except ValidationError as exc:
        raise ValidationError({"period": exc.messages}) from exc
    return services.commendation_propose(period=found, **kwargs)


def _organization_typed(form_class, kwargs, typed: str):
    if not typed:
        return None
    try:
        return form_class(**kwargs).fields["organization"].clean(typed)
    except forms.ValidationError:
        return None


@login_required
def commendation_new(request):
    """Propose by hand: the commending organization, the kind, the period, the organization commended by code, then
    (its members listed) the member; the reason when it is not among the candidates."""
    user = request.user
    if not can_anywhere(user, Action.PURSUE):
        raise PermissionDenied(_("Only those who pursue in an organization propose its commendations."))
    commending = selectors.commending_organizations(user=user)
    visible = org_selectors.organization_list(user=user)
    data = request.POST if request.method == "POST" else None
    typed = (data or request.GET).get("organization", "").strip()
    kwargs = {"commending": commending, "organizations": visible}
    organization = _organization_typed(CommendationByHandForm, kwargs, typed)
    members = None
    if organization is not None:
        members = org_selectors.member_list(user=user, organization=organization, subtree=True)
        members = members.filter(status=MemberStatus.ACTIVE).order_by("organization__path", "name")
    listing = data is not None and data.get("step") == "members"
    if listing or data is None:
        initial = {"period": str(timezone.localdate().year), "organization": typed}
        if listing:
            initial.update({k: v for k, v in data.items() if k not in ("csrfmiddlewaretoken", "step")})
        form = CommendationByHandForm(initial=initial, members=members, **kwargs)
    else:
        form = CommendationByHandForm(data, members=members, **kwargs)
        if form.is_valid():
            d = form.cleaned_data
            made = run_service(
                request,
                _propose_by_hand,
                form=form,
                actor=user,
                kind=d["kind"],
                period=d["period"],
                commending=d["commending"],
                organization=d["organization"],
                member=d["member"],
                citation=d["citation"],
                reason=d["reason"],
            )
            if made is not REFUSED:
                messages.success(request, _("The commendation is proposed."))
                return redirect("accountability:commendation", pk=made.pk)
    context = {
        "form": form,
        "organization": organization,
        "unknown_organization": bool(typed) and organization is None,
        "codes": _codes(visible),
    }
    return render(request, "accountability/honours/commendation_new.html", context, status=400 if form.errors else 200)


# --- one commendation ------------------------------------------------------------------------------------------------


def _find(request, pk):
    rows = selectors.commendation_list(user=request.user).select_related(
        "proposed_by__member", "decided_by__member", "withdrawn_by__member", "member__user"
    )
    return get_object_or_404(rows, pk=pk)


def _commendation_context(request, commendation, **bound) -> dict:
    user = request.user
    may = {
        "decide": allowed(services.commendation_decide_check, actor=user, commendation=commendation),
        "withdraw": allowed(services.commendation_withdraw_check, actor=user, commendation=commendation),
    }
    return {
        "c": commendation,
        "document": getattr(commendation, "document", None),
        "may": may,
        "may_act": any(may.values()),
        "max_mb": max_upload_mb(),
        "forms": {
            "decide": DecideForm(initial={"decided_on": timezone.localdate(), "citation": commendation.citation}),
            "withdraw": ReasonForm(),
            **bound,
        },
    }


@login_required
def commendation_detail(request, pk):
    commendation = _find(request, pk)
    return render(request, "accountability/honours/commendation.html", _commendation_context(request, commendation))


STEPS = {
    "decide": (DecideForm, services.commendation_decide, services.commendation_decide_check),
    "withdraw": (ReasonForm, services.commendation_withdraw, services.commendation_withdraw_check),
}


@login_required
@require_POST
def commendation_step(request, pk, step):
    """Decide (the document's reference and date, the file) or withdraw (the reason), through the service."""
    commendation = _find(request, pk)
    if step not in STEPS:
        raise Http404()
    form_class, service, check = STEPS[step]
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        d = form.cleaned_data
        if step == "decide":
            args = {
                "reference": d["reference"],
                "decided_on": d["decided_on"],
                "file": d["file"] or None,
                "citation": d["citation"],
            }
            done = _("The commendation is decided and recorded with its decision document.")
        else:
            args = {"reason": d["reason"]}
            done = _("The commendation is withdrawn; it stays, marked, with its reason.")
        if (
            run_service(request, service, form=form, actor=request.user, commendation=commendation, **args)
            is not REFUSED
        ):
            messages.success(request, done)
            return redirect("accountability:commendation", pk=commendation.pk)
    commendation = _find(request, pk)
    if not allowed(check, actor=request.user, commendation=commendation):
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return render(
            request,
            "accountability/honours/commendation.html",
            _commendation_context(request, commendation),
            status=400,
        )
    context = _commendation_context(request, commendation, **{step: form})
    return render(request, "accountability/honours/commendation.html", context, status=400)


def _document(request, pk):
    found = selectors.commendation_file(user=request.user, pk=pk)
    if found is None:
        raise Http404()
    return found


@login_required
@xframe_options_sameorigin
def commendation_file(request, pk):
    """A decision document as stored: photos and PDF inline, office files saved; never active content."""
    return serve_file(_document(request, pk))


@login_required
def commendation_file_thumb(request, pk):
    return serve_thumbnail(_document(request, pk))


# --- the red/yellow boards -------------------------------------------------------------------------------------------


@login_required
def board_list(request):
    """The boards the user reads, the latest first; for those who pursue, the published assessments whose board they
    may publish."""
    user = request.user
    boards = selectors.board_list(user=user)
    period = (request.GET.get("period") or "").strip().upper()
    if period:
        boards = boards.filter(run__period__code=period)
    page = Paginator(boards.order_by("-published_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    runs = selectors.boards_to_publish(user=user) if can_anywhere(user, Action.PURSUE) else None
    context = {
        "page": page,
        "period": period,
        "publish_form": BoardPublishForm(runs=runs) if runs is not None and runs.exists() else None,
    }
    return render(request, "accountability/honours/boards.html", context)


@login_required
@require_POST
def board_publish(request):
    user = request.user
    runs = selectors.boards_to_publish(user=user)
    form = BoardPublishForm(request.POST, runs=runs)
    if form.is_valid():
        board = run_service(request, services.board_publish, form=form, actor=user, run=form.cleaned_data["run"])
        if board is not REFUSED:
            messages.success(request, _("The red/yellow board is published."))
            return redirect("accountability:board", pk=board.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("accountability:boards")


def _find_board(request, pk):
    return get_object_or_404(selectors.board_list(user=request.user).select_related("withdrawn_by__member"), pk=pk)


def _board_context(request, board, withdraw_form=None) -> dict:
    red, yellow = selectors.board_entries(board)
    return {
        "board": board,
        "run": board.run,
        "red": red,
        "yellow": yellow,
        "may_withdraw": allowed(services.board_withdraw_check, actor=request.user, board=board),
        "withdraw_form": withdraw_form or ReasonForm(),
    }


@login_required
def board_detail(request, pk):
    board = _find_board(request, pk)
    return render(request, "accountability/honours/board.html", _board_context(request, board))


@login_required
@require_POST
def board_withdraw(request, pk):
    board = _find_board(request, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            services.board_withdraw,
            form=form,
            actor=request.user,
            board=board,
            reason=form.cleaned_data["reason"],
        )
        if done is not REFUSED:
            messages.success(request, _("The board is withdrawn; it stays, marked, with its reason."))
            return redirect("accountability:board", pk=board.pk)
    board = _find_board(request, pk)
    return render(request, "accountability/honours/board.html", _board_context(request, board, form), status=400)
