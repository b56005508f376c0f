"""The top floor: pages that compose the apps below it (the start page, the login page)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SiteConfig(AppConfig):
    name = "grassroots.site"
    label = "site"
    verbose_name = _("Grassroots")  # the site itself: what composes the apps

    def ready(self):
        from .dashboards import totals

        totals.connect()  # the dashboards' totals kept by the signals of the apps below
