"""API tokens: issued to a user (the key shown once), stored as a keyed digest only, expiring, revocable.

The digest is HMAC-SHA256 under GRASSROOTS_TOKEN_KEY (else the secret key): a copy of the database alone gives no
key a client could send. A token is checked by its digest, one indexed lookup.
"""

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit import audit
from .labels import register_actions
from .models import ApiToken
from .policy import PermissionDenied

PREFIX = "grt_"  # every key starts so, which tells a Grassroots token in a log or a leaked file
LAST_USED_STEP = dt.timedelta(minutes=1)  # last_used_at is written at most once a minute per token
MAX_DAYS = 366

register_actions(
    {
        "core.api_token.issue": _("API token issued"),
        "core.api_token.revoke": _("API token revoked"),
    }
)


def token_digest(key: str) -> str:
    secret = (settings.GRASSROOTS_TOKEN_KEY or settings.SECRET_KEY).encode("utf-8")
    return hmac.new(secret, b"grassroots-api-token:" + key.encode("utf-8"), hashlib.sha256).hexdigest()


def _organization(user):
    member = getattr(user, "member", None)
    return getattr(member, "organization", None)


@transaction.atomic
def token_issue(*, actor, user=None, name: str = "", days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for `user` (the actor by default; only an administrator issues one for someone else). Returns the
    row and the key, which is never stored and cannot be shown again."""
    user = user or actor
    if user.pk != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("Only an administrator issues a token for someone else."))
    if not user.is_active:
        raise ValidationError(_("This account is disabled."))
    days = settings.GRASSROOTS_TOKEN_DAYS if days is None else days
    if not 1 <= int(days) <= MAX_DAYS:
        raise ValidationError({"days": _("A token lasts between 1 and %(max)s days.") % {"max": MAX_DAYS}})
    key = PREFIX + secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=(name or "").strip()[:80],
        digest=token_digest(key),
        prefix=key[: len(PREFIX) + 4],
        expires_at=timezone.now() + dt.timedelta(days=int(days)),
    )
    audit(
        "core.api_token.issue",
        actor=actor,
        obj=token,
        organization=_organization(user),
        after={"user": user.get_username(), "name": token.name, "expires_at": token.expires_at.isoformat()},
    )
    return token, key


def token_revoke_check(*, actor, token: ApiToken) -> None:
    if token.user_id != actor.pk and not actor.is_superuser:
        raise PermissionDenied(_("You can revoke only your own tokens."))
    if token.revoked_at is not None:
        raise ValidationError(_("This token is already revoked."))


@transaction.atomic
def token_revoke(*, actor, token: ApiToken) -> ApiToken:
    """Revoke a token at once: it authenticates nothing from now on."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    token_revoke_check(actor=actor, token=token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit(
        "core.api_token.revoke",
        actor=actor,
        obj=token,
        organization=_organization(token.user),
        after={"user": token.user.get_username(), "name": token.name},
    )
    return token


def token_authenticate(key: str):
    """The user a key authenticates, or a refusal saying why (unknown, expired, revoked, account disabled)."""
    if not key or len(key) > 200:
        raise PermissionDenied(_("Invalid token."))
    token = ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()
    if token is None:
        raise PermissionDenied(_("Invalid token."))
    now = timezone.now()
    if token.revoked_at is not None:
        raise PermissionDenied(_("This token has been revoked."))
    if token.expires_at <= now:
        raise PermissionDenied(_("This token has expired; ask for a new one."))
    if not token.user.is_active:
        raise PermissionDenied(_("This account is disabled."))
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_STEP:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user, token


def tokens_of(*, user):
    """The user's own tokens, newest first (never their keys: those are not kept)."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
