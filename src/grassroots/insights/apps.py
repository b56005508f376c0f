"""The insights app: each organization diagnosed against the four typical problems, work done for show flagged
for a person to judge (formalism), and the masses' appeals answered. It reads the records of the apps below it and
writes only its own (findings, flags, appeals), through its services."""

from importlib import import_module

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

PARTS = ("formalism", "diagnosis", "appeals")


class InsightsConfig(AppConfig):
    name = "grassroots.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        # Each part registers its policy scopes, audit action names and diagnosis checks in its own setup module.
        for part in PARTS:
            import_module(f"{self.name}.{part}.setup").ready()
