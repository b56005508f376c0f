"""Claims: members and organizations taking on duties opened for claiming."""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.policy import Action, can, require
from grassroots.organizations.models import Member, MemberStatus

from ..models import (
    Assignment,
    AssignmentState,
    Claim,
    ClaimState,
    Duty,
    DutyState,
)
from .people import managers_of, secretaries_of


def claim_create_check(*, actor, duty: Duty, member: Member | None = None, organization=None) -> None:
    """A duty open for claiming, taken on by an active member below it (for themselves, or by a manager) or by an
    organization below it (by its manager), while places are left and the claimant has none yet."""
    if not duty.claimable or duty.state == DutyState.CANCELLED:
        raise ValidationError(_("This duty is not open for claiming."))
    if (member is None) == (organization is None):
        raise ValidationError(_("A claim is made by a member or by an organization."))
    if member is not None:
        if member.user_id != getattr(actor, "pk", None) and not can(actor, Action.CHANGE, member):
            raise PermissionDenied(_("You can claim only for yourself."))
        if member.status != MemberStatus.ACTIVE or not member.organization.is_within(duty.organization):
            raise ValidationError(_("Only members of %(org)s can claim this duty.") % {"org": duty.organization.name})
    else:
        require(actor, Action.CHANGE, organization)
        if not organization.is_within(duty.organization) or organization.pk == duty.organization_id:
            raise ValidationError(
                _("Only organizations below %(org)s can claim this duty.") % {"org": duty.organization.name}
            )
    active = duty.claims.filter(state__in=[ClaimState.ACTIVE, ClaimState.COMPLETED])
    if duty.claim_limit and active.count() >= duty.claim_limit:
        raise ValidationError(_("This duty has already been claimed by as many as it needs."))
    if active.filter(Q(member=member) if member else Q(organization=organization)).exists():
        raise ValidationError(_("This duty has already been claimed by you."))


@transaction.atomic
def claim_create(*, actor, duty: Duty, member: Member | None = None, organization=None, note: str = "") -> Claim:
    """A member (for themselves) or an organization's manager takes on a duty opened for claiming."""
    duty = Duty.objects.select_for_update(of=("self",), no_key=True).select_related("organization").get(pk=duty.pk)
    claim_create_check(actor=actor, duty=duty, member=member, organization=organization)
    claim = Claim(duty=duty, member=member, organization=organization, note=note.strip())
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        raise ValidationError(_("This duty has already been claimed by you."))
    if member is not None:
        duty.collaborators.add(member)
    else:
        # The claiming organization receives the duty like any issued one, and reports on it.
        Assignment.objects.get_or_create(
            duty=duty,
            organization=organization,
            defaults={
                "state": AssignmentState.ISSUED,
                "responsible": secretaries_of([organization.pk]).get(organization.pk),
                "start_on": duty.start_on,
                "due_on": duty.due_on,
                "weight": duty.weight,
                "issued_at": timezone.now(),
            },
        )
        Duty.objects.filter(pk=duty.pk, state=DutyState.DRAFT).update(state=DutyState.ISSUED)
    audit("duties.claim.create", actor=actor, obj=claim, after=snapshot(claim, claim.audit_fields))
    notify(
        managers_of([duty.organization_id]),
        "duties.claimed",
        params={"duty": duty.title, "who": str(member or organization)},
        url=reverse("duties:duty", args=[duty.pk]),
        obj=claim,
    )
    return claim


def claim_withdraw_check(*, actor, claim: Claim) -> None:
    """An active claim is withdrawn by the member who made it or by a manager of the claimant."""
    own = claim.member is not None and claim.member.user_id == getattr(actor, "pk", None)
    if not own and not can(actor, Action.CHANGE, claim.organization or claim.member):
        raise PermissionDenied()
    if claim.state != ClaimState.ACTIVE:
        raise Conflict(_("This claim is no longer active."))


@transaction.atomic
def claim_withdraw(*, actor, claim: Claim) -> Claim:
    claim = (
        Claim.objects.select_for_update(of=("self",), no_key=True)
        .select_related("member", "organization", "duty")
        .get(pk=claim.pk)
    )
    claim_withdraw_check(actor=actor, claim=claim)
    claim.state = ClaimState.WITHDRAWN
    claim.save()
    if claim.member_id:
        claim.duty.collaborators.remove(claim.member)
    audit("duties.claim.withdraw", actor=actor, obj=claim)
    return claim


def complete_claims(duty: Duty) -> None:
    """When every assignment of a claimed duty is accepted, its member claims count as completed."""
    if not duty.claims.filter(state=ClaimState.ACTIVE).exists():
        return
    if duty.assignments.exclude(state__in=[AssignmentState.ACCEPTED, AssignmentState.CANCELLED]).exists():
        return
    duty.claims.filter(state=ClaimState.ACTIVE).update(state=ClaimState.COMPLETED, completed_at=timezone.now())
