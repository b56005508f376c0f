"""Pursuit (责任追究): cases opened by the rules of pursuit or by hand, the measures decided on a ladder, and the
rectifications they require (carried out as assignments, by the duties' own mechanism)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.assessment.models import AssessmentRun
from grassroots.core.models import Period, TimeStampedModel
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Member, Organization
from grassroots.orglife.models import CareCase


class Trigger(models.TextChoices):
    """What opens a case: a rule of pursuit that fires, or an officer by hand."""

    OVERDUE_KEY = "overdue_key", _("Key work overdue")
    RETURNED = "returned", _("A report returned again and again")
    VETO = "veto", _("A veto recorded")
    POOR_GRADE = "poor_grade", _("Graded poor in published results")
    FAIR_TWICE = "fair_twice", _("Graded fair twice in a row")
    CARE_NOT_VISITED = "care_not_visited", _("A member in difficulty not visited")
    STUDY_BELOW = "study_below", _("Study far below the plan")
    RECTIFICATION_OVERDUE = "rectification_overdue", _("A rectification overdue")
    BY_HAND = "by_hand", _("Opened by hand")


# The rules of pursuit and their default thresholds (what the number means is in THRESHOLD_UNITS).
DEFAULT_THRESHOLDS = {
    Trigger.OVERDUE_KEY: 30,
    Trigger.RETURNED: 3,
    Trigger.VETO: 0,
    Trigger.POOR_GRADE: 0,
    Trigger.FAIR_TWICE: 0,
    Trigger.CARE_NOT_VISITED: 30,
    Trigger.STUDY_BELOW: 50,
    Trigger.RECTIFICATION_OVERDUE: 0,
}
THRESHOLD_UNITS = {
    Trigger.OVERDUE_KEY: _("days overdue"),
    Trigger.RETURNED: _("returns of the same assignment's reports (more than)"),
    Trigger.VETO: _("(no threshold)"),
    Trigger.POOR_GRADE: _("(no threshold)"),
    Trigger.FAIR_TWICE: _("(no threshold)"),
    Trigger.CARE_NOT_VISITED: _("days beyond the visit interval"),
    Trigger.STUDY_BELOW: _("percent of the plan's hours due, or less, for the branch as a whole"),
    Trigger.RECTIFICATION_OVERDUE: _("days overdue"),
}


class PursuitRule(TimeStampedModel):
    """Whether a rule of pursuit fires, and from what threshold, in a subtree: the nearest rule set at or above an
    organization wins over the default (no organization), as for meeting rules."""

    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pursuit_rules",
        verbose_name=_("set by"),
    )
    trigger = models.CharField(_("rule"), max_length=24, choices=[c for c in Trigger.choices if c[0] != "by_hand"])
    enabled = models.BooleanField(_("opens cases"), default=True)
    threshold = models.PositiveIntegerField(_("threshold"), default=0)

    audit_fields = ("organization", "trigger", "enabled", "threshold")

    class Meta:
        verbose_name = _("rule of pursuit")
        verbose_name_plural = _("rules of pursuit")
        ordering = ["trigger", "organization_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "trigger"],
                name="one_pursuit_rule_per_place",
                violation_error_message=_("This rule is already set here."),
            ),
            models.UniqueConstraint(
                fields=["trigger"],
                condition=Q(organization__isnull=True),
                name="one_default_pursuit_rule",
                violation_error_message=_("This rule already has a default."),
            ),
        ]

    def __str__(self):
        return f"{self.get_trigger_display()} @ {self.organization or '*'}"

    def audit_organization(self):
        return self.organization


class Measure(models.TextChoices):
    """The measures of accountability, from the lightest up: a repeat climbs the ladder."""

    REMINDER_TALK = "reminder_talk", _("Reminder talk")
    CRITICISM = "criticism", _("Criticism and education")
    SELF_EXAMINATION = "self_examination", _("Written self-examination")
    CIRCULATED = "circulated", _("Circulated criticism")
    ADJUSTMENT = "adjustment", _("Organizational adjustment")
    REFERRAL = "referral", _("Referral to the discipline inspection body")


LADDER = list(Measure.values)


class CaseState(models.TextChoices):
    OPENED = "opened", _("Opened")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Measure decided")
    DISMISSED = "dismissed", _("Dismissed")
    RECTIFYING = "rectifying", _("Rectifying")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Before a decision the person concerned may add a statement; a case in one of these states is still open.
BEFORE_DECISION = (CaseState.OPENED, CaseState.UNDER_REVIEW)
OPEN_CASE_STATES = (CaseState.OPENED, CaseState.UNDER_REVIEW, CaseState.DECIDED, CaseState.RECTIFYING)


class Case(TimeStampedModel):
    """A case of accountability: who (an organization, and the responsible person), for which responsibility
    (the assignment, the assessment, the care case), the facts and evidence that opened it, and what was decided.
    Never deleted: a case withdrawn or dismissed stays, with its reason."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases", verbose_name=_("organization concerned")
    )
    person = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("person concerned"),
    )
    deciding = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="cases_to_decide", verbose_name=_("decided by")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    trigger = models.CharField(_("opened by"), max_length=24, choices=Trigger.choices)
    # What condition opened it, so that the same condition opens one case, however often the rules run
    # ("overdue_key:assignment:812"); blank for a case opened by hand.
    key = models.CharField(max_length=100, blank=True, default="")
    title = models.CharField(_("responsibility concerned"), max_length=300)
    facts = models.TextField(_("facts"))
    # The records that opened it: [{"label": ..., "url": ...}].
    evidence = models.JSONField(_("evidence"), default=list, blank=True)
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("assignment")
    )
    run = models.ForeignKey(
        AssessmentRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("assessment"),
    )
    care_case = models.ForeignKey(
        CareCase, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("care case")
    )
    # The case of a rectification that is itself overdue points to the case that required it.
    follows = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.RESTRICT, related_name="followed_by", verbose_name=_("follows")
    )
    state = models.CharField(_("state"), max_length=12, choices=CaseState.choices, default=CaseState.OPENED)
    proposed_measure = models.CharField(_("proposed measure"), max_length=20, choices=Measure.choices, blank=True)
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    statement = models.TextField(_("statement of the person concerned"), blank=True)
    statement_at = models.DateTimeField(_("statement made at"), null=True, blank=True)
    # Why it was dismissed or withdrawn.
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_fields = ("organization", "person", "deciding", "trigger", "title", "state", "measure")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=~Q(key=""),
                name="one_case_per_condition",
                violation_error_message=_("A case was already opened for this."),
            ),
            models.CheckConstraint(
                condition=Q(measure="") | Q(state__in=["decided", "rectifying", "closed"]),
                name="case_measure_only_once_decided",
            ),
        ]
        indexes = [models.Index(fields=["deciding", "state"], name="case_deciding_state_idx")]

    def __str__(self):
        return f"{self.organization} · {self.title}"

    def audit_organization(self):
        return self.deciding

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_CASE_STATES

    @property
    def accepts_statement(self) -> bool:
        return self.state in BEFORE_DECISION


class Rectification(TimeStampedModel):
    """A rectification a case requires: carried out as an assignment (reports with evidence, reviewed by the
    deciding organization, lights and reminders), of a duty the deciding organization issues for it."""

    # (Cases are never deleted; a whole demo removed takes its rectifications with its cases.)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="rectifications", verbose_name=_("case"))
    assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, related_name="rectification", verbose_name=_("assignment")
    )

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["assignment__due_on", "id"]

    def __str__(self):
        return f"{self.case} · {self.assignment}"

    def audit_organization(self):
        return self.case.deciding
