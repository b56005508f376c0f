"""Helpers the duty pages share: the objects a user may open, the next page, the people to name."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.http import url_has_allowed_host_and_scheme

from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization

from .. import selectors
from ..forms import (
    active_members,
)
from ..models import (
    Duty,
)


def org_or_404(request, pk, action=Action.VIEW) -> Organization:
    return get_object_or_404(org_selectors.organization_list(user=request.user, action=action), pk=pk)


def assignment_or_404(request, pk):
    return get_object_or_404(selectors.assignment_list(user=request.user), pk=pk)


def duty_or_404(request, pk) -> Duty:
    duties = selectors.duty_list(user=request.user).select_related(
        "organization", "duty_list__period", "responsible", "objective", "series", "source_assignment__duty"
    )
    return get_object_or_404(duties, pk=pk)


def duty_list_or_404(request, pk):
    return get_object_or_404(selectors.duty_list_list(user=request.user), pk=pk)


def require_change(request, organization) -> None:
    if not can(request.user, Action.CHANGE, organization):
        raise PermissionDenied()


def next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def form_errors_as_messages(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def local_members(user, organization, keep=None):
    """Members who can be named responsible: of the organization and the level below it, and the one named now."""
    members = org_selectors.member_list(user=user, organization=organization, subtree=True)
    return active_members(members.filter(Q(organization__depth__lte=organization.depth + 1) | Q(pk=keep)))
