"""The duties app: duty lists, issuing down the tree, claims, progress reports with evidence, review."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutiesConfig(AppConfig):
    name = "grassroots.duties"
    label = "duties"
    verbose_name = _("Duties")

    def ready(self):
        from .registration import register

        register()
