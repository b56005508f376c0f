"""Accounts over time: the password's age (changed after a configured number of days), accounts unused for a time
disabled, sign-ins, failed logins and sign-outs in the audit trail, and the user's own sign-ins, each of which they
may end."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import throttle
from .audit import audit
from .clientip import client_ip
from .labels import register_actions
from .models import AuditResult, SignIn
from .policy import PermissionDenied

register_actions(
    {
        "core.user.password_change": _("Password changed"),
        "core.user.password_reset": _("Password set again from an e-mailed link"),
        "core.user.disable_dormant": _("Account disabled after a time unused"),
        "core.user.sign_in_end": _("Sign-in ended by its user"),
        "core.login": _("Signed in"),
        "core.logout": _("Signed out"),
    }
)


# ---------------------------------------------------------------- the password's age


def password_changed_on(user) -> dt.datetime:
    return user.password_changed_at or user.date_joined


def password_expires_at(user) -> dt.datetime | None:
    """When the user's password must be changed (None: no expiry configured, or no password to change)."""
    days = settings.GRASSROOTS_PASSWORD_DAYS
    if not days or not user.has_usable_password():
        return None
    return password_changed_on(user) + dt.timedelta(days=days)


def password_expired(user, now: dt.datetime | None = None) -> bool:
    expires = password_expires_at(user)
    return expires is not None and expires <= (now or timezone.now())


def password_must_change(user, now: dt.datetime | None = None) -> bool:
    """A one-time password given by an officer, or a password past its age: the user chooses a new one first."""
    return bool(getattr(user, "password_given", False)) or password_expired(user, now)


def audit_password_change(*, user, how: str) -> None:
    action = "core.user.password_reset" if how == "reset" else "core.user.password_change"
    audit(action, actor=user if how != "reset" else None, obj=user, object_repr=user.get_username())


# ---------------------------------------------------------------- accounts unused for a time


@transaction.atomic
def dormant_accounts_disable(*, days: int | None = None, now: dt.datetime | None = None) -> list:
    """Disable every active account not signed in for `days` (GRASSROOTS_DORMANT_DAYS; counted from its creation if
    it never signed in), each audited. System administrators are left alone: locking out the last one would leave
    nobody to enable the others."""
    days = settings.GRASSROOTS_DORMANT_DAYS if days is None else days
    if not days:
        return []
    since = (now or timezone.now()) - dt.timedelta(days=days)
    users = get_user_model().objects.select_for_update().filter(is_active=True, is_superuser=False)
    dormant = [u for u in users if (u.last_login or u.date_joined) < since]
    for user in dormant:
        user.is_active = False
        user.save(update_fields=["is_active"])
        last = user.last_login.isoformat() if user.last_login else None
        audit(
            "core.user.disable_dormant",
            obj=user,
            object_repr=user.get_username(),
            before={"is_active": True},
            after={"is_active": False, "last_login": last, "days": days},
        )
    return dormant


# ---------------------------------------------------------------- sign-ins, failed logins and sign-outs, in the trail


FAILED_LOGINS_AUDITED_PER_MINUTE = 30  # from one address; past it django-axes still counts them, the trail does not

# How a sign-in was made, as its entry says it.
BY_PASSWORD, BY_PASSWORD_AND_CODE, BY_API_TOKEN = "password", "password and code", "password, for an API token"


def _organization(user):
    member = getattr(user, "member", None) if user is not None else None
    return getattr(member, "organization", None)


def _login_entry(
    action: str,
    *,
    request,
    username: str,
    user,
    result: str,
    actor=None,
    organization=None,
    outcome: str = AuditResult.DONE,
    **more,
):
    """One entry of the sign-in trail, alike for every outcome: the user name, the client's address (read through
    the trusted proxy), the result in words, and what else the outcome tells (how one signed in); `outcome` is the
    entry's result, success or failure, as every entry of the trail has one."""
    audit(
        action,
        result=outcome,
        actor=actor,
        object_type="core.user",
        object_id=str(user.pk) if user is not None else "",
        object_repr=username,
        organization=organization,
        after={
            "username": username,
            "from": client_ip(request) if request is not None else "",
            "result": result,
            **more,
        },
    )


def record_failed_login(sender, credentials, request=None, **kwargs):
    """Who (the user name tried), when (the entry's time), from where (the client address, read through the trusted
    proxy) and the result: a wrong password, an unknown user name, or refused while locked out. A client trying
    many user names (which the lockout, per name and address, does not stop) writes at most
    FAILED_LOGINS_AUDITED_PER_MINUTE entries a minute, so that it cannot flood the trail or hold its head's lock.
    The entries belong to no organization (a name tried is nobody's yet): the auditors whose grant is on a top-level
    organization read them."""
    address = client_ip(request) if request is not None else ""
    if not throttle.allow("failed-login-audit", address, limit=FAILED_LOGINS_AUDITED_PER_MINUTE, seconds=60):
        return
    username = str((credentials or {}).get("username") or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    if request is not None and getattr(request, "axes_locked_out", False):
        result = "locked out"
    elif user is None:
        result = "unknown user"
    elif not user.is_active:
        result = "disabled account"
    else:
        result = "wrong password or code"
    _login_entry(
        "core.user.login_failed",
        request=request,
        username=username,
        user=user,
        result=result,
        outcome=AuditResult.FAILED,
    )


def sign_in_audit(*, request, user, how: str) -> None:
    """The entry of a completed sign-in (the login page, its second step, or a token taken with the password), under
    the user's organization, so that its auditors read it beside their members' other actions."""
    _login_entry(
        "core.login",
        request=request,
        username=user.get_username(),
        user=user,
        result="signed in",
        actor=user,
        organization=_organization(user),
        how=how,
    )


SIGN_OUT_REASON = "grassroots_sign_out_reason"  # set on the request by whoever ends a sign-in for a reason


def record_sign_out(sender, request, user, **kwargs):
    """The entry of a sign-out (user_logged_out): by the user, or ended by the idle or daily limit."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    _login_entry(
        "core.logout",
        request=request,
        username=user.get_username(),
        user=user,
        result=getattr(request, SIGN_OUT_REASON, "signed out"),
        actor=user,
        organization=_organization(user),
    )


# ---------------------------------------------------------------- sign-ins


def _session_store(key=None):
    from importlib import import_module

    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=key)


def record_sign_in(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if not key:
        return
    SignIn.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip": client_ip(request)[:64],
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        },
    )


def forget_sign_in(sender, request, user, **kwargs):
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        SignIn.objects.filter(session_key=key).delete()


def sign_ins_of(*, user) -> list:
    """The user's sign-ins still open, newest first (those whose session ended are forgotten here)."""
    rows = list(SignIn.objects.filter(user=user))
    ended = [row.pk for row in rows if not _session_store().exists(row.session_key)]
    if ended:
        SignIn.objects.filter(pk__in=ended).delete()
    return [row for row in rows if row.pk not in ended]


@transaction.atomic
def sign_in_end(*, actor, sign_in: SignIn) -> None:
    """End one of the actor's own sign-ins: its session is deleted, so that browser is signed out at once."""
    if sign_in.user_id != actor.pk:
        raise PermissionDenied(_("You may end only your own sign-ins."))
    _session_store(sign_in.session_key).delete()
    audit(
        "core.user.sign_in_end",
        actor=actor,
        obj=actor,
        object_repr=actor.get_username(),
        before={"signed_in": sign_in.at.isoformat(), "from": sign_in.ip},
    )
    sign_in.delete()


def connect() -> None:
    user_login_failed.connect(record_failed_login, dispatch_uid="grassroots-failed-login-audit")
    user_logged_in.connect(record_sign_in, dispatch_uid="grassroots-sign-ins")
    user_logged_out.connect(forget_sign_in, dispatch_uid="grassroots-sign-outs")
    user_logged_out.connect(record_sign_out, dispatch_uid="grassroots-sign-out-audit")
