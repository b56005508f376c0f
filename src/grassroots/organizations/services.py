"""Writes on organizations, members, posts, transfers, grants and accounts: policy check, change, audit."""

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.policy import Action, can, require, subject
from grassroots.core.signals import organization_moved

from .models import (
    CODE_VALIDATOR,
    Grant,
    Member,
    MemberStatus,
    Organization,
    OrgKind,
    Post,
    Role,
    Transfer,
    TransferState,
    joining_problem,
)
from .validation import validate_id_number

# Which kinds may sit under which.
ALLOWED_PARENT_KINDS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
    OrgKind.GROUP: {OrgKind.BRANCH, OrgKind.GENERAL_BRANCH},
}


def _check_kind_under(kind: str, parent: Organization | None) -> None:
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[OrgKind(kind)]:
        raise ValidationError(
            _("A %(kind)s cannot be placed under %(parent)s.")
            % {
                "kind": OrgKind(kind).label,
                "parent": OrgKind(parent_kind).label if parent_kind else _("the top of the tree"),
            }
        )


def _require_structure(actor, parent: Organization | None) -> None:
    if parent is None:
        if not subject(actor).is_superuser:
            raise PermissionDenied(_("Only a system administrator can add a top-level organization."))
    else:
        require(actor, Action.MANAGE_STRUCTURE, parent)


@transaction.atomic
def organization_create(
    *,
    actor,
    parent: Organization | None,
    code: str,
    name: str,
    kind: str,
    unit_type: str = "other",
    name_en: str = "",
    founded_on: dt.date | None = None,
) -> Organization:
    _require_structure(actor, parent)
    _check_kind_under(kind, parent)
    code = code.strip()
    if not code or not name.strip():
        raise ValidationError(_("An organization needs a code and a name."))
    CODE_VALIDATOR(code)  # refused with the rule's message
    if Organization.objects.filter(code=code).exists():
        raise ValidationError(_("The code %(code)s is already used by another organization.") % {"code": code})
    fields = dict(
        code=code,
        name=name.strip(),
        name_en=name_en.strip(),
        kind=kind,
        unit_type=unit_type,
        founded_on=founded_on,
        parent=parent,
    )
    if parent is None:
        org = Organization.objects.add_root(create_kwargs=fields)
    else:
        parent.refresh_from_db()
        org = Organization.objects.add_child(parent, create_kwargs=fields)
    audit("organizations.organization.create", actor=actor, obj=org, after=snapshot(org, org.audit_fields))
    return org


@transaction.atomic
def organization_update(*, actor, organization: Organization, **changes) -> Organization:
    require(actor, Action.MANAGE_STRUCTURE, organization)
    unknown = set(changes) - set(Organization.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)})
    before = snapshot(organization, organization.audit_fields)
    for key, value in changes.items():
        setattr(organization, key, value)
    organization.full_clean(exclude=["path", "depth", "numchild", "parent"])
    organization.save()
    audit(
        "organizations.organization.update",
        actor=actor,
        obj=organization,
        before=before,
        after=snapshot(organization, organization.audit_fields),
    )
    return organization


@transaction.atomic
def organization_move(*, actor, organization: Organization, new_parent: Organization) -> Organization:
    """Move a whole subtree under another organization, atomically; a move into its own subtree is refused."""
    organization = Organization.objects.select_for_update().get(pk=organization.pk)
    new_parent = Organization.objects.get(pk=new_parent.pk)
    require(actor, Action.MANAGE_STRUCTURE, organization)
    require(actor, Action.MANAGE_STRUCTURE, new_parent)
    if new_parent.is_within(organization):
        raise ValidationError(
            _("%(org)s cannot be moved under %(target)s: that is inside its own subtree.")
            % {"org": organization.name, "target": new_parent.name}
        )
    if organization.parent_id == new_parent.pk:
        return organization
    _check_kind_under(organization.kind, new_parent)
    before = snapshot(organization, organization.audit_fields)
    old_path = organization.path
    Organization.objects.move(organization, new_parent, pos="last-child")
    organization = Organization.objects.get(pk=organization.pk)
    organization.parent = new_parent
    organization.save(update_fields=["parent", "updated_at"])
    organization_moved.send(sender=Organization, organization=organization, old_path=old_path)
    audit(
        "organizations.organization.move",
        actor=actor,
        obj=organization,
        before=before,
        after=snapshot(organization, organization.audit_fields),
    )
    return organization


def _clean_member(member: Member) -> None:
    if member.id_number:
        member.id_number = member.id_number.strip().upper()
        problem = validate_id_number(member.id_number, birth_date=member.birth_date, gender=member.gender)
        if problem:
            raise ValidationError({"id_number": problem})
    if member.category == "probationary" and member.confirmed_on:
        raise ValidationError({"confirmed_on": _("A probationary member has no date of full membership yet.")})
    problem = joining_problem(member.birth_date, member.joined_on)
    if problem:
        raise ValidationError({"joined_on": problem})
    member.full_clean(exclude=["user"])


@transaction.atomic
def member_create(*, actor, organization: Organization, **fields) -> Member:
    require(actor, Action.CHANGE, organization)
    unknown = set(fields) - set(Member.EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    member = Member(organization=organization, **fields)
    _clean_member(member)
    member.save()
    audit("organizations.member.create", actor=actor, obj=member, after=snapshot(member, member.audit_fields))
    return member


@transaction.atomic
def member_update(*, actor, member: Member, expected_updated_at: dt.datetime | None = None, **changes) -> Member:
    """Change a member's record; a stale `expected_updated_at` (someone saved in between) is refused.

    A member who leaves (a status other than active) left on `left_on`, today unless given; one active again has not
    left."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    require(actor, Action.CHANGE, member)
    if expected_updated_at is not None and member.updated_at != expected_updated_at:
        raise Conflict(_("Somebody else changed this member's record after you opened it. Reload and try again."))
    unknown = set(changes) - set(Member.EDITABLE_FIELDS) - {"status", "left_on"}
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s") % {"fields": ", ".join(unknown)})
    before = snapshot(member, member.audit_fields)
    was_active = member.status == MemberStatus.ACTIVE
    for key, value in changes.items():
        setattr(member, key, value)
    if member.status == MemberStatus.ACTIVE:
        member.left_on = None
    elif was_active and not changes.get("left_on"):
        member.left_on = timezone.localdate()
    if member.left_on and member.left_on > timezone.localdate():
        raise ValidationError({"left_on": _("The day a member left cannot be in the future.")})
    _clean_member(member)
    member.save()
    audit(
        "organizations.member.update",
        actor=actor,
        obj=member,
        before=before,
        after=snapshot(member, member.audit_fields),
    )
    if was_active and member.status != MemberStatus.ACTIVE:
        _account_close_on_leaving(actor=actor, member=member)
    return member


def _roles(grants) -> list[dict]:
    return [{"role": g.role, "organization": g.organization.code} for g in grants]


def _account_close_on_leaving(*, actor, member: Member) -> None:
    """A member who left (transferred out of the system, deceased, removed from the party) signs in no more: their
    account is deactivated and every role it held ended, in the change's transaction, one entry saying who and why.
    Only an officer activates it again (member_account_set_active); the roles are not given back by that."""
    user = get_user_model().objects.select_for_update().filter(member=member).first()
    if user is None:
        return
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(
            _("You cannot record that you left: another officer records it, and closes your account.")
        )
    grants = list(Grant.objects.select_related("organization").filter(user=user))
    was_active = user.is_active
    if was_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    Grant.objects.filter(pk__in=[g.pk for g in grants]).delete()
    audit(
        "organizations.member.account_close",
        actor=actor,
        obj=member,
        before={"is_active": was_active, "roles": _roles(grants)},
        after={
            "username": user.username,
            "is_active": False,
            "reason": member.status,
            "left_on": member.left_on.isoformat() if member.left_on else None,
            "roles": [],
        },
    )


def _roles_end_on_transfer(*, actor, transfer: Transfer) -> None:
    """A member transferred inside the system keeps their account; the roles it held in the organization they left
    (there or below, unless inside the new one) end, one entry saying so."""
    user = get_user_model().objects.filter(member=transfer.member).first()
    if user is None:
        return
    old, new = transfer.from_organization, transfer.to_organization
    grants = [
        g
        for g in Grant.objects.select_related("organization").filter(user=user)
        if g.organization.is_within(old) and not g.organization.is_within(new)
    ]
    if not grants:
        return
    Grant.objects.filter(pk__in=[g.pk for g in grants]).delete()
    audit(
        "organizations.member.roles_end",
        actor=actor,
        obj=transfer.member,
        organization=old,
        before={"roles": _roles(grants)},
        after={"username": user.username, "reason": "transferred", "to": new.code},
    )


@transaction.atomic
def member_reveal_personal(*, actor, member: Member) -> dict:
    """The unmasked ID number and phone, for a role that needs them; every reading is audited."""
    require(actor, Action.VIEW_PERSONAL, member, _("Your role does not allow reading personal data."))
    audit(
        "core.personal_data.read",
        actor=actor,
        obj=member,
        after={"fields": list(member.PERSONAL_FIELDS)},
    )
    return {"id_number": member.id_number or "", "phone": member.phone}


@transaction.atomic
def member_account_create(*, actor, member: Member, username: str, password: str):
    """Give a member a login of their own, with a password handed over once: its owner chooses one of their own at
    the first sign-in (core.middleware.PasswordAgeMiddleware)."""
    member_account_check(actor=actor, member=member)
    if member.user_id:
        raise ValidationError(_("This member already has an account."))
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("Give the account a user name.")})
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("The user name %(name)s is taken.") % {"name": username})
    from django.contrib.auth.password_validation import validate_password

    user = User(username=username, first_name=member.name)
    validate_password(password, user)
    user.set_password(password)
    user.password_given = True
    user.save()
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit("organizations.member.account_create", actor=actor, obj=member, after={"username": username})
    return user


@transaction.atomic
def post_create(
    *, actor, member: Member, organization: Organization, title: str, started_on: dt.date, ended_on=None
) -> Post:
    require(actor, Action.CHANGE, organization)
    # A post is held in the member's own organization, a group inside it, or a committee above it.
    related = member.organization.is_within(organization) or organization.is_within(member.organization)
    if not related and not can(actor, Action.VIEW, member):
        raise PermissionDenied()
    post = Post(member=member, organization=organization, title=title, started_on=started_on, ended_on=ended_on)
    post.full_clean()
    post.save()
    audit("organizations.post.create", actor=actor, obj=post, after=snapshot(post, post.audit_fields))
    return post


@transaction.atomic
def post_end(*, actor, post: Post, ended_on: dt.date) -> Post:
    require(actor, Action.CHANGE, post)
    before = snapshot(post, post.audit_fields)
    post.ended_on = ended_on
    post.full_clean()
    post.save()
    audit(
        "organizations.post.end",
        actor=actor,
        obj=post,
        before=before,
        after=snapshot(post, post.audit_fields),
    )
    return post


def _complete_transfer(transfer: Transfer, *, actor) -> None:
    member = transfer.member
    today = timezone.localdate()
    for post in member.posts.filter(ended_on__isnull=True).select_related("organization"):
        if not post.organization.is_within(transfer.to_organization):
            post.ended_on = max(today, post.started_on)
            post.save(update_fields=["ended_on", "updated_at"])
    member.organization = transfer.to_organization
    member.save(update_fields=["organization", "updated_at"])
    transfer.state = TransferState.COMPLETED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    _roles_end_on_transfer(actor=actor, transfer=transfer)


@transaction.atomic
def transfer_request(*, actor, member: Member, to_organization: Organization, reason: str = "") -> Transfer:
    """Start moving a member's relation; when the actor also manages the receiver, it completes at once."""
    member = Member.objects.select_for_update(of=("self",)).select_related("organization").get(pk=member.pk)
    require(actor, Action.CHANGE, member)
    if member.status != MemberStatus.ACTIVE:
        raise ValidationError(_("Only an active member can be transferred."))
    if to_organization.pk == member.organization_id:
        raise ValidationError(_("The member already belongs to %(org)s.") % {"org": to_organization.name})
    if to_organization.kind == OrgKind.COMMITTEE and to_organization.numchild:
        raise ValidationError(_("Members belong to a branch or a general branch, not to a committee with branches."))
    if Transfer.objects.filter(member=member, state=TransferState.REQUESTED).exists():
        raise ValidationError(_("This member already has a transfer awaiting acceptance."))
    transfer = Transfer(
        member=member,
        from_organization=member.organization,
        to_organization=to_organization,
        reason=reason,
        requested_by=actor,
    )
    if can(actor, Action.CHANGE, to_organization):
        _complete_transfer(transfer, actor=actor)
    try:
        transfer.save()
    except IntegrityError:
        raise ValidationError(_("This member already has a transfer awaiting acceptance."))
    audit(
        "organizations.transfer.request",
        actor=actor,
        obj=transfer,
        after=snapshot(transfer, transfer.audit_fields),
    )
    if transfer.state == TransferState.COMPLETED:
        audit("organizations.transfer.accept", actor=actor, obj=transfer, organization=transfer.to_organization)
    return transfer


def _open_transfer(transfer: Transfer) -> Transfer:
    transfer = (
        Transfer.objects.select_for_update(of=("self",)).select_related("member", "to_organization").get(pk=transfer.pk)
    )
    if transfer.state != TransferState.REQUESTED:
        raise Conflict(_("This transfer was already decided (%(state)s).") % {"state": transfer.get_state_display()})
    return transfer


@transaction.atomic
def transfer_accept(*, actor, transfer: Transfer) -> Transfer:
    transfer = _open_transfer(transfer)
    require(actor, Action.CHANGE, transfer.to_organization, _("Only the receiving organization can accept."))
    _complete_transfer(transfer, actor=actor)
    transfer.save()
    audit("organizations.transfer.accept", actor=actor, obj=transfer, organization=transfer.to_organization)
    return transfer


@transaction.atomic
def transfer_reject(*, actor, transfer: Transfer, note: str) -> Transfer:
    transfer = _open_transfer(transfer)
    require(actor, Action.CHANGE, transfer.to_organization, _("Only the receiving organization can reject."))
    if not note.strip():
        raise ValidationError({"decision_note": _("Say why the transfer is rejected.")})
    transfer.state = TransferState.REJECTED
    transfer.decision_note = note.strip()
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save()
    audit("organizations.transfer.reject", actor=actor, obj=transfer, after={"note": transfer.decision_note})
    return transfer


@transaction.atomic
def transfer_cancel(*, actor, transfer: Transfer) -> Transfer:
    transfer = _open_transfer(transfer)
    require(actor, Action.CHANGE, transfer.from_organization, _("Only the sending organization can cancel."))
    transfer.state = TransferState.CANCELLED
    transfer.decided_by = actor
    transfer.decided_at = timezone.now()
    transfer.save()
    audit("organizations.transfer.cancel", actor=actor, obj=transfer)
    return transfer


def one_time_password() -> str:
    """A password to hand over once (14 characters, small and capital letters and digits, none alike: no 0/O,
    1/l/I); its owner changes it after logging in."""
    alphabets = ("abcdefghijkmnpqrstuvwxyz", "ABCDEFGHJKLMNPQRSTUVWXYZ", "23456789")
    chars = [secrets.choice(a) for a in alphabets] + [secrets.choice("".join(alphabets)) for _i in range(11)]
    secrets.SystemRandom().shuffle(chars)
    return "".join(chars)


def _new_password_for(user, tries: int = 5) -> str:
    """A one-time password that passes every password rule for this user (none of their recent passwords): drawn
    again in the unlikely case one does not."""
    from django.contrib.auth.password_validation import validate_password

    for _try in range(tries - 1):
        password = one_time_password()
        try:
            validate_password(password, user)
        except ValidationError:
            continue
        return password
    password = one_time_password()
    validate_password(password, user)  # the rules' own refusal, should every draw fail
    return password


def member_account_check(*, actor, member: Member) -> None:
    """Accounts of members are kept by those who grant roles where the member belongs."""
    require(
        actor,
        Action.MANAGE_GRANTS,
        member.organization,
        _("Only those who grant roles in this organization manage its members' accounts."),
    )


@transaction.atomic
def member_account_link(*, actor, member: Member, username: str):
    """Link an existing login that belongs to no member (made before the member was recorded) to the member."""
    member_account_check(actor=actor, member=member)
    if member.user_id:
        raise ValidationError(_("This member already has an account."))
    user = get_user_model().objects.select_for_update().filter(username=(username or "").strip()).first()
    if user is None:
        raise ValidationError({"username": _("No account has the user name %(name)s.") % {"name": username}})
    if user.is_superuser or Member.objects.filter(user=user).exists():
        raise ValidationError({"username": _("This account cannot be linked: it belongs to someone already.")})
    member.user = user
    member.save(update_fields=["user", "updated_at"])
    audit("organizations.member.account_link", actor=actor, obj=member, after={"username": user.username})
    return user


@transaction.atomic
def member_account_password_reset(*, actor, member: Member) -> str:
    """A new one-time password for the member's account (shown once, never stored in the clear nor audited); its
    owner chooses one of their own at the next sign-in."""
    member_account_check(actor=actor, member=member)
    user = _account_of(member)
    password = _new_password_for(user)
    user.set_password(password)
    user.password_given = True
    user.save(update_fields=["password", "password_changed_at", "password_given"])
    audit("organizations.member.account_reset", actor=actor, obj=member, after={"username": user.username})
    return password


@transaction.atomic
def member_account_set_active(*, actor, member: Member, active: bool, reason: str = ""):
    """Deactivate the member's account (it can no longer log in; its history stays), or activate it again."""
    member_account_check(actor=actor, member=member)
    user = _account_of(member)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate your own account."))
    if not active and not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the account is deactivated.")})
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    action = "organizations.member.account_activate" if active else "organizations.member.account_deactivate"
    audit(action, actor=actor, obj=member, after={"username": user.username, "reason": (reason or "").strip()})
    return user


def _account_of(member: Member):
    user = get_user_model().objects.select_for_update().filter(member=member).first()
    if user is None:
        raise ValidationError(_("This member has no account yet."))
    return user


@transaction.atomic
def grant_create(*, actor, user, organization: Organization, role: str) -> Grant:
    require(actor, Action.MANAGE_GRANTS, organization)
    if role == Role.ADMIN and not subject(actor).is_superuser:
        raise PermissionDenied(_("Only a system administrator can make another administrator."))
    if role not in Role.values:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": role})
    grant, created = Grant.objects.get_or_create(user=user, organization=organization, role=role)
    if created:
        audit("organizations.grant.create", actor=actor, obj=grant, after=snapshot(grant, grant.audit_fields))
    return grant


@transaction.atomic
def grant_revoke(*, actor, grant: Grant) -> None:
    require(actor, Action.MANAGE_GRANTS, grant.organization)
    if grant.role == Role.ADMIN and not subject(actor).is_superuser:
        raise PermissionDenied(_("Only a system administrator can revoke an administrator."))
    before = snapshot(grant, grant.audit_fields)
    audit("organizations.grant.revoke", actor=actor, obj=grant, before=before)
    grant.delete()
