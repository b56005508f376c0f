"""The core app: users, permission policy, audit trail, shared pages."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "grassroots.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self):
        from . import checks, collation  # noqa: F401 - checks registers the deployment checks
        from .models import AuditEntry
        from .policy import ModelScope, register_scope

        collation.connect()
        from . import fieldcrypt

        fieldcrypt.keyring()  # malformed keys, or none in production, stop the start here with what is wrong
        from django.contrib.auth.signals import user_logged_in

        from .middleware import start_session_clocks

        user_logged_in.connect(start_session_clocks, dispatch_uid="grassroots-session-clocks")
        from . import accounts, users  # noqa: F401 - users registers the audit actions of accounts kept here

        accounts.connect()
        register_scope(AuditEntry, ModelScope(paths=("org_path",)))
