"""The disclosure app: each organization's public site within its committees' rules, and notices."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisclosureConfig(AppConfig):
    name = "grassroots.disclosure"
    label = "disclosure"
    verbose_name = _("Disclosure")

    def ready(self):
        from grassroots.core.labels import register_actions, register_kinds
        from grassroots.core.policy import ModelScope, register_scope

        from . import models

        register_scope(models.DisclosureRule, ModelScope(paths=("organization__path",)))
        register_scope(models.Publication, ModelScope(paths=("organization__path",)))
        register_scope(models.ReleasedMinutes, ModelScope(paths=("meeting__organization__path",)))
        # A notice is read in its organization's scope, and by those it is addressed to (selectors.notice_list).
        register_scope(models.Notice, ModelScope(paths=("organization__path",), own_organization=("organization",)))
        register_scope(models.NoticeRead, ModelScope(paths=("notice__organization__path",)))
        register_actions(
            {
                "disclosure.rule.set": _("Rule of disclosure set"),
                "disclosure.rule.delete": _("Rule of disclosure removed"),
                "disclosure.item.publish": _("Item published on the public site"),
                "disclosure.item.withdraw": _("Item withdrawn from the public site"),
                "disclosure.minutes.release": _("Minutes released to the public site"),
                "disclosure.minutes.withdraw": _("Minutes withdrawn from the public site"),
                "disclosure.notice.post": _("Notice posted"),
                "disclosure.notice.withdraw": _("Notice withdrawn"),
                "disclosure.notice.read": _("Notice read"),
            }
        )
        register_kinds({"disclosure.notice_posted": _("%(org)s posted a notice: %(title)s")})
