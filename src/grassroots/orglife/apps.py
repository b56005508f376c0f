"""The organizational-life app: meetings, study, member points, democratic appraisal, care and talks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrglifeConfig(AppConfig):
    name = "grassroots.orglife"
    label = "orglife"
    verbose_name = _("Organizational life")

    def ready(self):
        from grassroots.core.labels import register_actions
        from grassroots.core.policy import ModelScope, register_scope
        from grassroots.duties.signals import assignment_accepted

        from . import models

        register_scope(models.Meeting, ModelScope(paths=("organization__path",), own_organization=("organization_id",)))
        register_scope(models.StudyRecord, ModelScope(paths=("member__organization__path",), own_member=("member_id",)))
        register_scope(models.StudyPlan, ModelScope(paths=("organization__path",)))
        register_scope(models.PointEntry, ModelScope(paths=("member__organization__path",), own_member=("member_id",)))
        register_scope(
            models.Appraisal, ModelScope(paths=("organization__path",), own_organization=("organization_id",))
        )
        # A member in the ledger reads their own case and its visits; the ledger is read by those with a role.
        register_scope(models.CareCase, ModelScope(paths=("member__organization__path",), own_member=("member_id",)))
        register_scope(
            models.CareVisit, ModelScope(paths=("case__member__organization__path",), own_member=("case__member_id",))
        )
        register_scope(models.Talk, ModelScope(paths=("member__organization__path",), own_member=("member_id",)))

        register_actions(
            {
                "orglife.meeting.record": _("Meeting recorded"),
                "orglife.meeting.hold": _("Planned meeting held"),
                "orglife.meeting_file.describe": _("Photo described"),
                "orglife.meeting_rule.change": _("Meeting rule changed"),
                "orglife.point_rule.change": _("Points rule changed"),
                "orglife.course.change": _("Course changed"),
                "orglife.study.record": _("Study recorded"),
                "orglife.study.decide": _("Study record confirmed or rejected"),
                "orglife.study_plan.create": _("Study plan set"),
                "orglife.points.enter": _("Points entered"),
                "orglife.points.correct": _("Points corrected"),
                "orglife.appraisal.open": _("Democratic appraisal opened"),
                "orglife.appraisal.vote": _("Appraisal votes cast"),
                "orglife.appraisal.close": _("Democratic appraisal closed"),
                "orglife.care.open": _("Member added to the care ledger"),
                "orglife.care.close": _("Member left the care ledger"),
                "orglife.care.visit": _("Care visit recorded"),
                "orglife.talk.record": _("Heart-to-heart talk recorded"),
                "orglife.import": _("Organizational life imported"),
            }
        )

        def on_accepted(sender, assignment, **kwargs):
            from .services import award_duty_points

            award_duty_points(assignment)

        assignment_accepted.connect(on_accepted, dispatch_uid="orglife.points.duty_accepted", weak=False)
