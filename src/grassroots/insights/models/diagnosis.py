"""The diagnosis part's models: the thresholds committees set for their subtrees, and the organizations diagnosed as
the policy sees them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grassroots.core.models import TimeStampedModel
from grassroots.organizations.models import Organization

__all__ = ["DiagnosedOrganization", "DiagnosisThreshold", "KeptDiagnosis"]


class DiagnosisThreshold(TimeStampedModel):
    """A committee's threshold for one check of the diagnosis in its subtree: the nearest threshold set at or above
    an organization wins over the check's default (as for rules of disclosure and meeting rules)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="diagnosis_thresholds", verbose_name=_("organization")
    )
    code = models.CharField(_("check"), max_length=60)
    value = models.DecimalField(_("threshold"), max_digits=12, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    audit_fields = ("organization", "code", "value")

    class Meta:
        verbose_name = _("threshold of the diagnosis")
        verbose_name_plural = _("thresholds of the diagnosis")
        ordering = ["organization__path", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"],
                name="one_diagnosis_threshold_per_check",
                violation_error_message=_("This organization already has a threshold for this check."),
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.code} · {self.value}"

    def audit_organization(self):
        return self.organization


class DiagnosedOrganization(Organization):
    """An organization as the diagnosis reads it: seen through a grant only (its secretary, the committees above,
    their auditors), never by a member for being a member of it, never by the public."""

    class Meta:
        proxy = True
        verbose_name = _("organization diagnosed")
        verbose_name_plural = _("organizations diagnosed")


class KeptDiagnosis(models.Model):
    """A subtree's summary computed ahead of its readers (`grassroots diagnosis keep`, nightly, and again after a
    threshold changes): a city's takes tens of seconds and a province's minutes, beyond a page's patience. The page
    reads it with the time it was computed; the organizations of each finding are kept apart, for the drill-down."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey("core.Period", on_delete=models.CASCADE, related_name="+")
    thresholds = models.CharField(max_length=80)  # the thresholds in force when computed (`thresholds_stamp`)
    computed_at = models.DateTimeField()
    seconds = models.FloatField()  # how long the run that computed it took
    summary = models.JSONField()  # engine.summary_to_data without the organizations of each finding
    organization_ids = models.JSONField()  # {check: [organization ids]}

    class Meta:
        verbose_name = _("diagnosis computed ahead")
        verbose_name_plural = _("diagnoses computed ahead")
        constraints = [models.UniqueConstraint(fields=["organization", "period"], name="one_kept_diagnosis")]

    def __str__(self):
        return f"{self.organization_id} · {self.period_id} · {self.computed_at:%Y-%m-%d %H:%M}"

    def audit_organization(self):
        return self.organization
