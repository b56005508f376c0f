"""Two-factor authentication (TOTP, django-otp): enrolment with a QR code or the key typed in, confirmation with a
code, recovery codes, the code asked at login under the login lockout, removal; every change audited.

Recovery codes are stored as keyed digests (HMAC-SHA256 under the token key, cut to the 16 characters django-otp's
static tokens hold), so a copy of the database gives none that could be typed in.
"""

import base64
import hashlib
import hmac

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit
from .labels import register_actions
from .policy import PermissionDenied, subject

RECOVERY_CODES = 10
REQUIRED_ROLES = frozenset({"admin", "officer"})

register_actions(
    {
        "core.two_factor.enrol": _("Two-factor authentication set up"),
        "core.two_factor.remove": _("Two-factor authentication removed"),
        "core.two_factor.recovery_codes": _("New recovery codes made"),
    }
)


def must_enrol(user) -> bool:
    """Whether this user may use the system only with a second factor: administrators and officers, when the
    deployment requires it (GRASSROOTS_REQUIRE_2FA)."""
    if not settings.GRASSROOTS_REQUIRE_2FA or not user.is_authenticated:
        return False
    subj = subject(user)
    return subj.is_superuser or bool(subj.roles() & REQUIRED_ROLES)


def is_enrolled(user) -> bool:
    return user_has_device(user, confirmed=True)


def _recovery_digest(code: str) -> str:
    secret = (settings.GRASSROOTS_TOKEN_KEY or settings.SECRET_KEY).encode("utf-8")
    normalized = code.strip().replace(" ", "").replace("-", "").lower()
    return hmac.new(secret, b"grassroots-recovery:" + normalized.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _organization(user):
    member = getattr(user, "member", None)
    return getattr(member, "organization", None)


def manual_key(device: TOTPDevice) -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of four."""
    text = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(device: TOTPDevice) -> str:
    """The enrolment QR code as inline SVG (no image request, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


@transaction.atomic
def two_factor_start(*, actor) -> TOTPDevice:
    """A new, unconfirmed authenticator for the actor (an earlier unconfirmed one is replaced); it counts only once
    confirmed with a code."""
    if is_enrolled(actor):
        raise ValidationError(_("Two-factor authentication is already set up for this account."))
    TOTPDevice.objects.filter(user=actor, confirmed=False).delete()
    return TOTPDevice.objects.create(user=actor, name="authenticator", confirmed=False)


def pending_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


def _new_recovery_codes(user) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _i in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=_recovery_digest(c)) for c in codes])
    return [f"{c[:4]}-{c[4:]}" for c in codes]


@transaction.atomic
def two_factor_confirm(*, actor, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code it shows; returns it and the recovery codes (shown once)."""
    device = pending_device(actor)
    if device is None:
        raise ValidationError(_("Start the set-up again: no authenticator is waiting for confirmation."))
    if not device.verify_token((code or "").strip().replace(" ", "")):
        raise ValidationError({"code": _("This code is not right. Type the six digits the app shows now.")})
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(actor)
    audit("core.two_factor.enrol", actor=actor, obj=actor, organization=_organization(actor), after={"method": "totp"})
    return device, codes


@transaction.atomic
def two_factor_recovery_codes(*, actor) -> list[str]:
    """New recovery codes for the actor (the old ones stop working)."""
    if not is_enrolled(actor):
        raise ValidationError(_("Set up two-factor authentication first."))
    codes = _new_recovery_codes(actor)
    audit("core.two_factor.recovery_codes", actor=actor, obj=actor, organization=_organization(actor))
    return codes


def two_factor_remove_check(*, actor, user, console: bool = False) -> None:
    if user.pk != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator removes someone else's two-factor authentication."))
    if not is_enrolled(user):
        raise ValidationError(_("Two-factor authentication is not set up for this account."))
    if user.pk == actor.pk and must_enrol(actor) and not console:
        raise PermissionDenied(
            _("Your role requires two-factor authentication; an administrator can reset it if you lost your phone.")
        )


@transaction.atomic
def two_factor_remove(*, actor, user, console: bool = False) -> None:
    """Remove a user's authenticator and recovery codes (the user's own choice, an administrator's for someone who
    lost both, or, `console`, the server's operator resetting an administrator with `grassroots createadmin
    --remove-2fa`); audited."""
    two_factor_remove_check(actor=actor, user=user, console=console)
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    audit(
        "core.two_factor.remove",
        actor=actor,
        obj=user,
        organization=_organization(user),
        before={"method": "totp"},
        after={"by_administrator": user.pk != actor.pk, **({"console": True} if console else {})},
    )


def check_code(*, request, user, code: str):
    """The device that accepts `code` (a six-digit code or a recovery code) for `user`, or None. A wrong code counts
    as a failed login towards the lockout; a locked-out user name is refused whatever the code."""
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        raise PermissionDenied(_("Too many failed attempts: this account is locked for an hour."))
    code = (code or "").strip().replace(" ", "")
    if code:
        if code.isdigit():
            for device in TOTPDevice.objects.filter(user=user, confirmed=True):
                if device.verify_token(code):
                    return device
        else:
            for device in StaticDevice.objects.filter(user=user, confirmed=True):
                if device.verify_token(_recovery_digest(code)):
                    return device
    user_login_failed.send(sender=__name__, credentials=credentials, request=request)
    return None


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()
