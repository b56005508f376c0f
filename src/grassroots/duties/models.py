"""Duty lists, duties, assignments down the tree, claims, due-date requests, progress reports and evidence."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.models import Period, TimeStampedModel
from grassroots.core.uploads import UploadedFile
from grassroots.organizations.models import Member, Organization, PathField, PostTitle

LINEAGE_STEP = 10  # digits per duty id in a lineage


class Dimension(models.TextChoices):
    """The six areas of construction."""

    POLITICAL = "political", _("Political construction")
    ORGANIZATIONAL = "organizational", _("Organizational construction")
    IDEOLOGICAL = "ideological", _("Ideological construction")
    DISCIPLINE = "discipline", _("Discipline construction")
    WORK_STYLE = "work_style", _("Work-style construction")
    INSTITUTIONAL = "institutional", _("Institutional construction")


class BusinessObjective(TimeStampedModel):
    """A measurable target of the unit's own work (collective income, requests closed) that duties serve."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="objectives", verbose_name=_("organization")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    name = models.CharField(_("name"), max_length=200)
    measure = models.CharField(_("how it is measured"), max_length=300, blank=True)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)

    audit_fields = ("organization", "period", "name", "measure", "unit", "baseline", "target")

    class Meta:
        verbose_name = _("business objective")
        verbose_name_plural = _("business objectives")
        ordering = ["organization_id", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(target=models.F("baseline")),
                name="objective_target_differs_from_baseline",
                violation_error_message=_("The target must differ from the baseline."),
            )
        ]

    def __str__(self):
        return self.name

    def audit_organization(self):
        return self.organization

    def attainment(self, value) -> float:
        """Share of the way from baseline to target (0..1; lower targets work too)."""
        if value is None:
            return 0.0
        span = float(self.target - self.baseline)
        share = (float(value) - float(self.baseline)) / span
        return max(0.0, min(1.0, share))

    def latest_value(self):
        return self.values.order_by("-measured_on", "-id").first()


class ObjectiveValue(models.Model):
    """A measured value of a business objective on a date."""

    objective = models.ForeignKey(BusinessObjective, on_delete=models.CASCADE, related_name="values")
    measured_on = models.DateField(_("measured on"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("measured value")
        verbose_name_plural = _("measured values")
        ordering = ["objective_id", "measured_on"]

    def __str__(self):
        return f"{self.objective}: {self.value} ({self.measured_on})"

    def audit_organization(self):
        return self.objective.organization


class DutyList(TimeStampedModel):
    """The duties of one organization for one period; a template list has no period and is copied from."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="duty_lists", verbose_name=_("organization")
    )
    period = models.ForeignKey(
        Period, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("period")
    )
    title = models.CharField(_("title"), max_length=200)
    is_template = models.BooleanField(_("template"), default=False)

    audit_fields = ("organization", "period", "title", "is_template")

    class Meta:
        verbose_name = _("duty list")
        verbose_name_plural = _("duty lists")
        ordering = ["organization_id", "-period__start", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period"],
                condition=Q(is_template=False),
                name="one_duty_list_per_organization_and_period",
                violation_error_message=_("This organization already has a duty list for this period."),
            ),
            models.CheckConstraint(
                condition=Q(is_template=True) | Q(period__isnull=False),
                name="duty_list_has_period_unless_template",
                violation_error_message=_("A duty list needs a period (only templates have none)."),
            ),
        ]

    def __str__(self):
        return self.title

    def audit_organization(self):
        return self.organization


class Recurrence(models.TextChoices):
    NONE = "none", _("Once")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    CUSTOM = "custom", _("Every few months")


class DutyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    CANCELLED = "cancelled", _("Cancelled")


class Duty(TimeStampedModel):
    """One duty of a list, naming the five things: personnel, post, task, time and requirement."""

    duty_list = models.ForeignKey(DutyList, on_delete=models.CASCADE, related_name="duties", verbose_name=_("list"))
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="duties", verbose_name=_("organization")
    )
    # task
    title = models.CharField(_("task"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    dimension = models.CharField(_("area of construction"), max_length=20, choices=Dimension.choices)
    is_key = models.BooleanField(_("key work"), default=False)
    is_major = models.BooleanField(_("major task"), default=False)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    # personnel and post
    responsible = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="responsible_duties",
        verbose_name=_("responsible person"),
    )
    collaborators = models.ManyToManyField(
        Member, blank=True, related_name="collaborating_duties", verbose_name=_("collaborators")
    )
    post = models.CharField(_("post"), max_length=20, choices=PostTitle.choices, blank=True)
    # time
    start_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"))
    recurrence = models.CharField(_("recurrence"), max_length=12, choices=Recurrence.choices, default=Recurrence.NONE)
    interval_months = models.PositiveSmallIntegerField(_("every how many months"), null=True, blank=True)
    series = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="occurrences",
        verbose_name=_("recurring duty"),
    )
    # requirement
    requirement = models.TextField(_("requirement (acceptance criteria)"))
    evidence_expected = models.CharField(_("evidence expected"), max_length=300, blank=True)
    objective = models.ForeignKey(
        BusinessObjective,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="duties",
        verbose_name=_("business objective served"),
    )
    claimable = models.BooleanField(_("open for claiming"), default=False)
    claim_limit = models.PositiveSmallIntegerField(_("how many may claim"), null=True, blank=True)
    source_assignment = models.ForeignKey(
        "Assignment",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="decomposed_duties",
        verbose_name=_("decomposed from"),
    )
    # The chain of duty ids this duty descends from (decomposition, recurrence), for range roll-ups.
    lineage = PathField(max_length=250, db_index=True, editable=False, default="")
    state = models.CharField(_("state"), max_length=12, choices=DutyState.choices, default=DutyState.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    # The duty as its owner edits it: the services, the copy of a list and the audit read this one list.
    EDITABLE_FIELDS = (
        "title",
        "description",
        "dimension",
        "is_key",
        "is_major",
        "weight",
        "responsible",
        "post",
        "start_on",
        "due_on",
        "recurrence",
        "interval_months",
        "requirement",
        "evidence_expected",
        "objective",
        "claimable",
        "claim_limit",
    )
    audit_fields = (
        *EDITABLE_FIELDS,
        "state",
    )

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_on__isnull=True) | Q(due_on__gte=models.F("start_on")),
                name="duty_due_after_start",
                violation_error_message=_("A duty cannot be due before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(weight__gt=0),
                name="duty_weight_positive",
                violation_error_message=_("The weight must be greater than zero."),
            ),
        ]

    def __str__(self):
        return self.title

    def audit_organization(self):
        return self.organization

    @property
    def is_series(self) -> bool:
        return self.recurrence != Recurrence.NONE and self.series_id is None


def lineage_of(duty_id: int, parent_lineage: str = "") -> str:
    return parent_lineage + f"{duty_id:0{LINEAGE_STEP}d}"


class AssignmentState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted for review")
    RETURNED = "returned", _("Returned")
    ACCEPTED = "accepted", _("Accepted")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = (
    AssignmentState.ISSUED,
    AssignmentState.IN_PROGRESS,
    AssignmentState.SUBMITTED,
    AssignmentState.RETURNED,
)


class Light(models.TextChoices):
    GREEN = "green", _("On track")
    YELLOW = "yellow", _("Due soon")
    RED = "red", _("Overdue")
    DONE = "done", _("Done")


class Assignment(TimeStampedModel):
    """A duty as received by one organization, with its own responsible person, state and due date."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("duty"))
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="assignments",
        verbose_name=_("receiving organization"),
    )
    responsible = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assignments",
        verbose_name=_("responsible person"),
    )
    state = models.CharField(
        _("state"),
        max_length=12,
        choices=AssignmentState.choices,
        default=AssignmentState.DRAFT,
        db_index=True,
    )
    start_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), db_index=True)
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=1)
    percent = models.PositiveSmallIntegerField(_("percent done"), default=0)
    note = models.CharField(_("receiver's own requirement"), max_length=500, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    # The roll-up's rule (duties.selectors.ROLLUP_RULE) stored, kept by duties.counting: issued and not a middle one.
    counted = models.BooleanField(_("counted in the roll-ups"), default=True, db_default=True, editable=False)

    audit_fields = ("duty", "organization", "responsible", "state", "start_on", "due_on", "percent", "note")

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["duty", "organization"],
                name="one_assignment_per_duty_and_receiver",
                violation_error_message=_("This duty was already issued to this organization."),
            ),
            models.CheckConstraint(
                condition=Q(percent__lte=100),
                name="assignment_percent_at_most_100",
                violation_error_message=_("Percent done is at most 100."),
            ),
        ]
        indexes = [models.Index(fields=["organization", "state"], name="assignment_org_state_idx")]

    def __str__(self):
        return f"{self.duty} → {self.organization}"

    # What the roll-up's rule and the totals kept from assignments read of one (duties.counting).
    ROLLUP_FIELDS = ("state", "due_on", "weight", "organization_id", "accepted_on", "duty_id")

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._rollup_loaded = (field_names, values)  # read only if the instance is saved (rollup_unchanged)
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        self._rollup_loaded = self._rollup_was = None  # read anew: what was loaded first no longer says

    def remember_rollup(self) -> None:
        """Note the values the roll-up reads as they are in the database now (just saved)."""
        self._rollup_loaded = None
        self._rollup_was = {f: getattr(self, f) for f in self.ROLLUP_FIELDS}

    def _rollup_before(self) -> dict | None:
        loaded = getattr(self, "_rollup_loaded", None)
        if loaded is not None:
            values = dict(zip(*loaded, strict=True))
            if all(f in values for f in self.ROLLUP_FIELDS):
                return {f: values[f] for f in self.ROLLUP_FIELDS}
            return None
        return getattr(self, "_rollup_was", None)

    def rollup_unchanged(self) -> bool:
        """Whether saving this assignment leaves what the roll-up reads as it was: the same values, and a state that
        moved only between open ones (reported, returned, in progress), never into or out of accepted, draft or
        cancelled. Unknown (never loaded whole) counts as changed."""
        was = self._rollup_before()
        if was is None:
            return False

        def kind(state):
            return "out" if state in (AssignmentState.DRAFT, AssignmentState.CANCELLED) else state == "accepted"

        return kind(was["state"]) == kind(self.state) and all(
            was[f] == getattr(self, f) for f in self.ROLLUP_FIELDS if f != "state"
        )

    def audit_organization(self):
        return self.organization

    def light(self, today: dt.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.state in (AssignmentState.ACCEPTED, AssignmentState.CANCELLED):
            return Light.DONE
        if self.due_on < today:
            return Light.RED
        if (self.due_on - today).days <= settings.GRASSROOTS_YELLOW_DAYS:
            return Light.YELLOW
        return Light.GREEN

    @property
    def is_overdue(self) -> bool:
        return self.light() == Light.RED


class ClaimState(models.TextChoices):
    ACTIVE = "active", _("Claimed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    COMPLETED = "completed", _("Completed")


class Claim(TimeStampedModel):
    """A member or an organization taking on a duty opened for claiming ("dare to take responsibility")."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="claims", verbose_name=_("duty"))
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("member"),
    )
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="claims",
        verbose_name=_("organization"),
    )
    state = models.CharField(_("state"), max_length=12, choices=ClaimState.choices, default=ClaimState.ACTIVE)
    note = models.CharField(_("what I will do"), max_length=300, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    audit_fields = ("duty", "member", "organization", "state", "note")

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(member__isnull=False) & Q(organization__isnull=True))
                | (Q(member__isnull=True) & Q(organization__isnull=False)),
                name="claim_by_member_or_organization",
                violation_error_message=_("A claim is made by a member or by an organization."),
            ),
            models.UniqueConstraint(
                fields=["duty", "member"],
                condition=Q(state="active"),
                name="one_active_claim_per_member",
                violation_error_message=_("You have already claimed this duty."),
            ),
        ]

    def __str__(self):
        return f"{self.member or self.organization} ⇐ {self.duty}"

    def audit_organization(self):
        return self.duty.organization


class RequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for a decision")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class DueDateRequest(TimeStampedModel):
    """A request to move an assignment's due date, with a reason, decided by the issuer."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="due_date_requests", verbose_name=_("assignment")
    )
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    current_due = models.DateField(_("current due date"))
    new_due = models.DateField(_("new due date"))
    reason = models.CharField(_("reason"), max_length=500)
    state = models.CharField(_("state"), max_length=12, choices=RequestState.choices, default=RequestState.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True)

    audit_fields = ("assignment", "current_due", "new_due", "reason", "state", "decision_note")

    class Meta:
        verbose_name = _("due-date request")
        verbose_name_plural = _("due-date requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(state="pending"),
                name="one_pending_due_date_request",
                violation_error_message=_("A request for this assignment is already waiting for a decision."),
            )
        ]

    def __str__(self):
        return f"{self.assignment}: {self.current_due} → {self.new_due}"

    def audit_organization(self):
        return self.assignment.organization


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class ProgressReport(TimeStampedModel):
    """What was done on an assignment, with evidence; reviewed by the issuing organization."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reports", verbose_name=_("assignment")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(_("what was done"))
    percent = models.PositiveSmallIntegerField(_("percent done"))
    state = models.CharField(_("state"), max_length=12, choices=ReportState.choices, default=ReportState.SUBMITTED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for returning"), max_length=500, blank=True)

    audit_fields = ("assignment", "text", "percent", "state", "return_reason")

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(percent__lte=100),
                name="report_percent_at_most_100",
                violation_error_message=_("Percent done is at most 100."),
            ),
        ]

    def __str__(self):
        return f"{self.assignment} · {self.percent}%"

    def audit_organization(self):
        return self.assignment.organization


class Evidence(UploadedFile):
    """A file supporting a report: checked for size and type; images get a thumbnail and a perceptual hash."""

    upload_dir = "evidence"
    url_name = "duties:evidence"
    thumbnail_url_name = "duties:evidence_thumb"
    describe_url_name = "duties:evidence_describe"

    report = models.ForeignKey(
        ProgressReport, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("report")
    )
    # The report's assignment, copied from it when the evidence is saved (bulk writes name it): on Citus evidence lies
    # with its report and assignment on one shard by this column (docs/citus.md).
    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="+", editable=False, verbose_name=_("assignment")
    )
    extension = models.CharField(max_length=10)
    description = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("What the photo shows, read out to those who cannot see it."),
    )

    class Meta(UploadedFile.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def attach(self, checked):
        self.extension = checked.ext
        return super().attach(checked)

    def save(self, *args, **kwargs):
        if self.assignment_id is None:  # always its report's: the copy is made here, whoever writes the evidence
            self.assignment_id = self.report.assignment_id
        super().save(*args, **kwargs)

    def audit_organization(self):
        return self.report.assignment.organization
