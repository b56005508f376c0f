"""What the appeals part registers when Django starts: policy scopes, audit action names, notification kinds,
diagnosis checks and the assessment's indicators of the requests (indicators.py)."""

from django.utils.translation import gettext_lazy as _

from grassroots.core.labels import register_actions, register_kinds
from grassroots.core.policy import ModelScope, register_scope


def ready() -> None:
    from ..models import Appeal, AppealPhoto
    from . import admin, checks, indicators  # noqa: F401  (the admin's pages and the diagnosis's checks of appeals)

    # The requests answered in time and the requesters' satisfaction, as indicators a scope may choose.
    indicators.register()

    # An appeal is read in its organization's scope (its secretary, officers and auditors, and the scopes above);
    # not by the organization's plain members, for it may carry a requester's phone.
    register_scope(Appeal, ModelScope(paths=("organization__path",)))
    register_scope(AppealPhoto, ModelScope(paths=("appeal__organization__path",)))
    register_actions(
        {
            "insights.appeal.submit": _("Appeal received from the public"),
            "insights.appeal.read": _("Appeal first read"),
            "insights.appeal.answer": _("Appeal answered"),
            "insights.appeal.to_duty": _("Appeal turned into a duty"),
            "insights.appeal.close": _("Appeal closed"),
            "insights.appeal.rate": _("Answer to an appeal rated"),
        }
    )
    register_kinds({"insights.appeal.new": _("New appeal %(number)s to %(organization)s from its public page.")})
