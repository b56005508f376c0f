"""Accounts kept by a system administrator (the Django admin) or by the server's operator (`grassroots createadmin`):
made, changed (privileges included), given a password, deleted. Each write is checked first and leaves one audit
entry naming the actor, the account and what changed; a password is never recorded, nor its hash: the entry says
"password set" (or "disabled"). A member's account is kept on the member's page (organizations' services)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from .accounts import _organization
from .audit import audit
from .labels import register_actions
from .models import AuditEntry
from .policy import PermissionDenied, subject
from .tree import grants_of

register_actions(
    {
        "core.user.create": _("Account made by an administrator"),
        "core.user.change": _("Account changed by an administrator"),
        "core.user.password_set": _("Password set by an administrator"),
        "core.user.delete": _("Account deleted by an administrator"),
    }
)

# The account's own fields written here, and its privileges in the Django admin (many-to-many).
ACCOUNT_FIELDS = ("username", "first_name", "last_name", "email", "language", "is_active", "is_staff", "is_superuser")
PRIVILEGE_FIELDS = ("groups", "user_permissions")
FIELDS = ACCOUNT_FIELDS + PRIVILEGE_FIELDS
# What an administrator may not take from their own account: another administrator does it.
OWN_RIGHTS = ("is_active", "is_staff", "is_superuser")

PASSWORD_SET, PASSWORD_DISABLED = "set", "disabled"  # what an entry says of a password
_KEEP = object()  # the password is left as it is


def user_admin_check(*, actor, console: bool = False) -> None:
    """Accounts are made, changed and deleted here by a system administrator only (a staff account given Django's
    permissions on users is not one), or by the server's operator from its console."""
    if console:
        return
    if actor is None or not subject(actor).is_superuser:
        raise PermissionDenied(
            _(
                "Only a system administrator makes, changes or deletes accounts here; "
                "a member's account is kept on the member's page."
            )
        )


def _state(user) -> dict:
    """The account as an entry records it: its fields, its groups by name and its permissions by code."""
    state = {name: getattr(user, name) for name in ACCOUNT_FIELDS}
    if user.pk is None:
        return {**state, "groups": [], "user_permissions": []}
    state["groups"] = sorted(user.groups.values_list("name", flat=True))
    state["user_permissions"] = sorted(
        f"{app}.{code}" for app, code in user.user_permissions.values_list("content_type__app_label", "codename")
    )
    return state


def _refuse_unknown(fields: dict) -> None:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise TypeError(f"an account has no field {unknown[0]!r} written here")


def _set_password(*, actor, user, password, console: bool) -> str:
    """Set the password (None: password sign-in disabled) after the password rules; one given to someone else works
    once, its owner choosing their own at the next sign-in. Returns what the entry says of it."""
    if password is None:
        user.set_unusable_password()
        return PASSWORD_DISABLED
    try:
        validate_password(password, user)
    except ValidationError as refused:
        raise ValidationError({"password": refused.messages}) from None
    user.set_password(password)
    user.password_given = not console and user.pk != getattr(actor, "pk", None)
    return PASSWORD_SET


def _write_fields(user, fields: dict) -> None:
    for name in ACCOUNT_FIELDS:
        if name in fields:
            setattr(user, name, fields[name])
    user.full_clean(exclude=("password",))


def _write_privileges(user, fields: dict) -> None:
    for name in PRIVILEGE_FIELDS:
        if name in fields:
            getattr(user, name).set(fields[name])


def _by(console: bool, operator: str) -> dict:
    return {"console": True, "operator": operator} if console else {}


@transaction.atomic
def user_create(*, actor, username: str, password: str | None, console: bool = False, operator: str = "", **fields):
    """Make an account; `password` None makes one that cannot sign in with a password."""
    user_admin_check(actor=actor, console=console)
    _refuse_unknown(fields)
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("The user name %(name)s is taken.") % {"name": username}})
    user = User(username=username)
    _write_fields(user, fields)
    said = _set_password(actor=actor, user=user, password=password, console=console)
    user.save()
    _write_privileges(user, fields)
    after = {**_state(user), "password": said, **_by(console, operator)}
    audit("core.user.create", actor=actor, obj=user, organization=_organization(user), after=after)
    return user


@transaction.atomic
def user_change(*, actor, user, password=_KEEP, console: bool = False, operator: str = "", **fields):
    """Change an account's fields and privileges, and its password if one is given (None: password sign-in
    disabled), in one entry holding what changed, before and after; nothing changed, nothing recorded."""
    user_admin_check(actor=actor, console=console)
    _refuse_unknown(fields)
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if user.pk == getattr(actor, "pk", None) and any(not fields.get(name, True) for name in OWN_RIGHTS):
        raise ValidationError(
            _(
                "You cannot take your own administrator rights away or deactivate your own account: "
                "another administrator does it."
            )
        )
    before = _state(user)
    _write_fields(user, fields)
    said = None if password is _KEEP else _set_password(actor=actor, user=user, password=password, console=console)
    user.save()
    _write_privileges(user, fields)
    after = _state(user)
    changed = [name for name in after if after[name] != before[name]]
    if not changed and said is None:
        return user
    action = "core.user.change" if changed else "core.user.password_set"
    audit(
        action,
        actor=actor,
        obj=user,
        organization=_organization(user),
        before={name: before[name] for name in changed},
        after={
            **{name: after[name] for name in changed},
            **({"password": said} if said else {}),
            **_by(console, operator),
        },
    )
    return user


def user_password_set(*, actor, user, password: str | None, console: bool = False, operator: str = ""):
    """Set an account's password (None: password sign-in disabled), under the password rules."""
    return user_change(actor=actor, user=user, password=password, console=console, operator=operator)


def user_delete_check(*, actor, user) -> None:
    """An account is deleted only while unused: one that signed in, acted, holds roles or belongs to a member is
    deactivated instead, so that what it did keeps its name and its roles end through their own service."""
    user_admin_check(actor=actor)
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot delete your own account."))
    used = (
        user.last_login is not None
        or AuditEntry.objects.filter(actor_id=user.pk).exists()
        or getattr(user, "member", None) is not None
        or bool(grants_of(user))
    )
    if used:
        raise ValidationError(
            _(
                "The account %(name)s has been used (it signed in, acted, holds roles or belongs to a member): "
                "deactivate it instead, so that its history keeps its name."
            )
            % {"name": user.get_username()}
        )


@transaction.atomic
def user_delete(*, actor, user) -> None:
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    user_delete_check(actor=actor, user=user)
    audit("core.user.delete", actor=actor, obj=user, organization=_organization(user), before=_state(user))
    user.delete()
