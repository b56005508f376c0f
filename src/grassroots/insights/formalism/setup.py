"""What the formalism part registers when Django starts: policy scopes, audit action names, the hooks that check a
report, a meeting or a report on duty as it is written, the notes beside reports under review, diagnosis checks."""

from django.utils.translation import gettext_lazy as _

from grassroots.accountability.signals import duty_report_submitted
from grassroots.core.labels import register_actions, register_kinds
from grassroots.core.policy import ModelScope, register_scope
from grassroots.duties.review_notes import register_review_notes
from grassroots.duties.signals import report_submitted
from grassroots.orglife.meeting_notes import register_meeting_notes
from grassroots.orglife.signals import meeting_recorded

from ..models import Flag


def ready() -> None:
    from . import admin, checks, notices, selectors, services

    # A flag is seen by the organization that reviews the flagged work and those above it: not by the organization
    # flagged, nor by its sibling branches.
    register_scope(Flag, ModelScope(paths=("reviewing__path",)))
    register_actions(
        {
            "insights.flag.raise": _("Formalism flag raised"),
            "insights.flag.dismiss": _("Formalism flag dismissed"),
            "insights.flag.confirm": _("Formalism flag confirmed"),
            "insights.flag.case": _("Case opened from a formalism flag"),
            "insights.formalism.index": _("Formalism indexes rebuilt"),
        }
    )
    register_kinds({notices.KIND: _("Formalism flags raised on %(day)s for %(org)s to judge: %(count)s so far today.")})
    report_submitted.connect(services.on_report_submitted, dispatch_uid="insights.formalism.report", weak=False)
    meeting_recorded.connect(services.on_meeting_recorded, dispatch_uid="insights.formalism.meeting", weak=False)
    duty_report_submitted.connect(
        services.on_duty_report_submitted, dispatch_uid="insights.formalism.duty_report", weak=False
    )
    register_review_notes("insights.formalism", selectors.review_notes)
    register_meeting_notes("insights.formalism", selectors.meeting_notes)
    checks.register()
    admin.register()
