"""The distributed app: the Citus table plan, applied by its migration (and again after later migrations)."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class DistributedConfig(AppConfig):
    name = "grassroots.distributed"
    label = "distributed"
    verbose_name = _("Distribution")

    def ready(self):
        from .plan import distribute_after_migrate

        post_migrate.connect(distribute_after_migrate, dispatch_uid="grassroots-distribute")
