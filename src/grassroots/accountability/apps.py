"""The accountability app: the rules of pursuit, cases and their measures, rectifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountabilityConfig(AppConfig):
    name = "grassroots.accountability"
    label = "accountability"
    verbose_name = _("Accountability")

    def ready(self):
        from grassroots.core.labels import register_actions, register_kinds
        from grassroots.core.policy import ModelScope, register_scope

        from . import models

        # A case is read with Action.VIEW_CASES by those granted on the organization concerned or the deciding one
        # (officers, the discipline inspector), and by the person concerned (selectors.case_list).
        register_scope(models.Case, ModelScope(paths=("organization__path", "deciding__path")))
        register_scope(models.Rectification, ModelScope(paths=("case__organization__path", "case__deciding__path")))
        register_scope(models.PursuitRule, ModelScope(paths=("organization__path",)))
        register_actions(
            {
                "accountability.rule.set": _("Rule of pursuit set"),
                "accountability.rule.delete": _("Rule of pursuit removed"),
                "accountability.case.open": _("Case opened"),
                "accountability.case.review": _("Case taken under review"),
                "accountability.case.statement": _("Statement made on a case"),
                "accountability.case.decide": _("Measure decided"),
                "accountability.case.dismiss": _("Case dismissed"),
                "accountability.case.withdraw": _("Case withdrawn"),
                "accountability.case.rectification": _("Rectification required"),
                "accountability.case.close": _("Case closed"),
            }
        )
        register_kinds(
            {
                "accountability.case_opened": _("A case was opened concerning %(org)s: %(title)s"),
                "accountability.cases_opened": _(
                    "The rules of pursuit opened %(n)s cases for you to decide (%(date)s)"
                ),
                "accountability.statement": _("A statement was made on the case %(title)s (%(org)s)"),
                "accountability.case_decided": _("The case %(title)s was decided: %(measure)s"),
                "accountability.case_dismissed": _("The case %(title)s was dismissed"),
                "accountability.case_withdrawn": _("The case %(title)s was withdrawn"),
                "accountability.escalated": _(
                    "A rectification required by %(deciding)s is overdue at %(org)s: %(title)s"
                ),
            }
        )
        # The report-on-duty review and its three lists: their scopes, audit actions and notification kinds.
        from .services.review import register_review_labels

        register_review_labels()
        self._ready_honours()

    # --- Commendations and the red/yellow board ---

    def _ready_honours(self):
        from grassroots.core.labels import register_actions, register_kinds
        from grassroots.core.policy import ModelScope, register_scope

        from . import models

        # A decided commendation is read by those who view the organization commended or the commending one, the
        # member commended and the members of their organization; one proposed or withdrawn, with VIEW_CASES there.
        register_scope(
            models.Commendation,
            ModelScope(
                paths=("organization__path", "commending__path"),
                own_member=("member",),
                own_organization=("organization",),
            ),
        )
        # A board is read in the whole of its run's scope (selectors.board_list); published there with PURSUE.
        register_scope(models.Board, ModelScope(paths=("run__scope__path",)))
        register_actions(
            {
                "accountability.commendation.propose": _("Commendation proposed"),
                "accountability.commendation.decide": _("Commendation decided"),
                "accountability.commendation.withdraw": _("Commendation withdrawn"),
                "accountability.board.publish": _("Red/yellow board published"),
                "accountability.board.withdraw": _("Red/yellow board withdrawn"),
            }
        )
        register_kinds(
            {
                "accountability.commended": _("%(name)s is commended by %(commending)s: %(commendation)s"),
            }
        )
