"""Issuing a duty down the tree: choose the receivers, count them, then issue."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core.web import REFUSED, run_service
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import OrgKind, subtree_q

from .. import services
from ..forms import (
    IssueForm,
)
from .common import (
    duty_or_404,
    require_change,
)

PICK_SHOWN = 200


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


def _resolve(*, duty, data, roots):
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
    duty = duty_or_404(request, pk)
    require_change(request, duty.organization)
    below, roots = _issue_scope(request, duty)
    posted = request.method == "POST"
    form = IssueForm(request.POST if posted else None, roots=roots, initial={"mode": "children"})
    count, sample = None, []
    if form.is_valid():
        targets = run_service(request, _resolve, form=form, duty=duty, data=form.cleaned_data, roots=roots)
        if targets is not REFUSED and request.POST.get("confirm"):
            made = run_service(
                request,
                services.duty_issue,
                form=form,
                actor=request.user,
                duty=duty,
                targets=targets,
                note=form.cleaned_data["note"],
            )
            if made is not REFUSED:
                messages.success(request, _issued_message(targets, made))
                return redirect("duties:duty", pk=duty.pk)
        elif targets is not REFUSED:
            count = 1 if targets is None else targets.count()
            sample = [duty.organization] if targets is None else list(targets.order_by("path")[:8])
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
