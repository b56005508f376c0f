"""Deployment checks of Grassroots's own settings, run by `manage.py check --deploy` (`make check-deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_key_set(app_configs, **kwargs):
    """A production audit trail is signed: without a key, a database writer can rewrite it unseen."""
    if settings.PRODUCTION and not settings.GRASSROOTS_AUDIT_KEY:
        return [
            Warning(
                "GRASSROOTS_AUDIT_KEY is not set: the audit chain is hashed but not signed, so whoever can write to "
                "the database can rewrite an entry and every hash after it.",
                hint="Set GRASSROOTS_AUDIT_KEY (kept apart from the database credentials), then run "
                "`grassroots audit seal` once.",
                id="grassroots.W001",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def two_factor_required(app_configs, **kwargs):
    """MLPS level 3 asks a second factor of those who administer: a production deployment should require it."""
    if settings.PRODUCTION and not settings.GRASSROOTS_REQUIRE_2FA:
        return [
            Warning(
                "GRASSROOTS_REQUIRE_2FA is off: administrators and officers may sign in with a password alone.",
                hint="Set GRASSROOTS_REQUIRE_2FA=1; each of them then sets up an authenticator app at the next sign-in.",
                id="grassroots.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def password_age_set(app_configs, **kwargs):
    """MLPS level 3 asks that passwords be changed regularly: a production deployment should set their age."""
    if settings.PRODUCTION and not settings.GRASSROOTS_PASSWORD_DAYS:
        return [
            Warning(
                "GRASSROOTS_PASSWORD_DAYS is 0: passwords never have to be changed.",
                hint="Set GRASSROOTS_PASSWORD_DAYS=90 (or the period your rules say); a user whose password is older "
                "is asked to change it before anything else.",
                id="grassroots.W003",
            )
        ]
    return []
