"""Helpers the duty pages share: the objects a user may open, the next page, the people to name."""

from django.contrib import messages
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme

from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.core.web import allowed
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization

from .. import selectors, services
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
    return active_members(org_selectors.members_to_name(user=user, organization=organization, keep=keep))


def member_pick_url(organization) -> str:
    """Where a responsible-person picker of `organization`'s work finds its suggestions."""
    return f"{reverse('organizations:member_pick')}?org={organization.pk}"


def mark_review(user, report, *, cache: dict | None = None, in_place: bool | None = None) -> None:
    """Whether the user may review the report, and in whose place: `take_over_from` names the issuer when the user
    is above it (the review form then asks to tick "Review in place of ..."). `in_place=False` says it is known not
    to be a take-over (one's own queue); `cache` shares the answer between reports of one issuer and author."""
    report.may_review = allowed(services.report_review_check, actor=user, report=report, take_over=True)
    needs = False
    if report.may_review and in_place is not False:
        key = (report.assignment.duty.organization_id, report.author_id)
        if cache is None or key not in cache:
            answer = services.review_needs_take_over(actor=user, report=report)
            if cache is None:
                needs = answer
            else:
                cache[key] = answer
        needs = cache[key] if cache is not None else needs
    report.take_over_from = report.assignment.duty.organization if needs else None
    report.review_key = review_item_key(report)


def review_item_key(report) -> str:
    """Everything the kept part of a review item shows (`duties/_review_item.html`), so that the fragment kept under
    it is never stale whoever changed a value, in whichever process: the report's own text and figures, the names
    of its duty, organization and author, its files and the reader's language and time zone. What depends on the
    reader (may they review it, the forms, the notes beside it) is rendered at every request outside the fragment."""
    assignment = report.assignment
    files = [(f.pk, f.kind, f.original_name, f.size, f.description) for f in report.evidence.all()]
    parts = (
        report.pk,
        report.state,
        report.percent,
        report.created_at.isoformat(),
        report.text,
        assignment.pk,
        assignment.due_on.isoformat(),
        assignment.duty.title,
        assignment.organization.display_name(),
        report.author.display_name() if report.author else "",
        files,
        translation.get_language(),
        timezone.get_current_timezone_name(),
    )
    return repr(parts)
