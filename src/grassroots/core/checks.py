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
