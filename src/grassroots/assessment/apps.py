"""The assessment app: indicator systems, periods of assessment, ratings, the engine and results."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "grassroots.assessment"
    label = "assessment"
    verbose_name = _("Assessment")

    def ready(self):
        from grassroots.core.labels import register_actions
        from grassroots.core.policy import ModelScope, register_scope

        from . import models

        register_scope(models.IndicatorSystem, ModelScope(paths=("owner__path",)))
        register_scope(models.AssessmentRun, ModelScope(paths=("scope__path",)))
        register_scope(models.Result, ModelScope(paths=("organization__path",), own_organization=("organization_id",)))
        register_scope(models.ValueSheet, ModelScope(paths=("organization__path",)))
        register_scope(models.EnteredValue, ModelScope(paths=("organization__path",)))
        register_scope(models.VetoEvent, ModelScope(paths=("organization__path",)))
        register_actions(
            {
                "assessment.system.create": _("Indicator system created"),
                "assessment.system.weights": _("Indicator weights set"),
                "assessment.system.new_version": _("New version of an indicator system drafted"),
                "assessment.system.activate": _("Indicator system put in use"),
                "assessment.system.retire": _("Indicator system retired"),
                "assessment.indicator.add": _("Indicator added to a draft"),
                "assessment.indicator.update": _("Indicator of a draft changed"),
                "assessment.indicator.remove": _("Indicator removed from a draft"),
                "assessment.run.create": _("Assessment opened"),
                "assessment.run.collect": _("Assessment collecting ratings"),
                "assessment.run.compute": _("Assessment computed"),
                "assessment.run.publish": _("Assessment published"),
                "assessment.run.close": _("Assessment closed"),
                "assessment.run.closing_day": _("Closing day of an assessment set"),
                "assessment.run.recompute": _("Closed assessment recomputed as a new version"),
                "assessment.value.enter": _("Score input entered"),
                "assessment.value.remove": _("Score input removed"),
                "assessment.veto.record": _("Veto event recorded"),
                "assessment.veto.withdraw": _("Veto event taken back"),
                "assessment.tokens.issue": _("Rating links issued"),
                "assessment.rating.user": _("Rating given"),
            }
        )
