"""What the diagnosis part registers when Django starts: policy scopes, audit action names, diagnosis checks."""

from django.utils.translation import gettext_lazy as _


def ready() -> None:
    from grassroots.core.labels import register_actions
    from grassroots.core.policy import ModelScope, register_scope

    from ..models import DiagnosedOrganization, DiagnosisThreshold, KeptDiagnosis
    from . import admin, measures  # noqa: F401  (the checks register themselves; the admin its pages)

    # Read through a grant only: a member does not see their branch's diagnosis for being a member of it.
    register_scope(DiagnosedOrganization, ModelScope(paths=("path",)))
    register_scope(DiagnosisThreshold, ModelScope(paths=("organization__path",)))
    register_scope(KeptDiagnosis, ModelScope(paths=("organization__path",)))
    register_actions(
        {
            "insights.threshold.set": _("Threshold of the diagnosis set"),
            "insights.threshold.delete": _("Threshold of the diagnosis removed"),
            "insights.diagnosis.keep": _("Diagnosis of a subtree computed ahead"),
        }
    )
