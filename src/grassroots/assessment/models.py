"""Assessment: versioned indicator systems, runs per period, ratings by token, indicator values and results."""

import hashlib
import secrets
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core.models import Period, TimeStampedModel
from grassroots.duties.models import Dimension
from grassroots.organizations.models import Organization, OrgKind, subtree_q

DEFAULT_BANDS = [
    {"grade": "excellent", "min": 90},
    {"grade": "good", "min": 80},
    {"grade": "fair", "min": 70},
    {"grade": "poor", "min": 0},
]


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    GOOD = "good", _("Good")
    FAIR = "fair", _("Fair")
    POOR = "poor", _("Poor")


class Standing(models.TextChoices):
    """A result that is not graded: what stands in its grade's place."""

    NOT_ASSESSED = "not_assessed", _("Not assessed")


class NotAssessed(models.TextChoices):
    """Why an organization of a run is not assessed (it keeps its indicator values, but no score, grade or rank)."""

    NO_MEMBERS = "no_members", _("It had no active member in the period.")
    COVERAGE = "coverage", _("Less than half of the indicators' weight applies to it.")


# An organization is assessed when the indicators that apply to it (scored, or due with nothing recorded) carry at
# least this share of the system's weight.
MIN_COVERAGE = 0.5


class LeafStatus(models.TextChoices):
    """How an indicator's value was found for an organization."""

    SCORED = "scored", _("Scored")
    NOT_APPLICABLE = "not_applicable", _("Not applicable")
    NO_DATA = "no_data", _("Nothing recorded")
    NOT_EVALUATED = "not_evaluated", _("Not evaluated yet")


# The statuses as the engine stores them, a number per value (its index here).
STATUS_CODES = [LeafStatus.SCORED, LeafStatus.NOT_APPLICABLE, LeafStatus.NO_DATA, LeafStatus.NOT_EVALUATED]


class SystemState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("In use")
    RETIRED = "retired", _("Retired")


class IndicatorSystem(TimeStampedModel):
    """A versioned tree of indicators with grade bands; a new version copies the tree, old runs keep theirs."""

    code = models.SlugField(_("code"), max_length=40)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="indicator_systems", verbose_name=_("owner")
    )
    assessed_kind = models.CharField(_("assesses"), max_length=20, choices=OrgKind.choices, default=OrgKind.BRANCH)
    assesses_secretaries = models.BooleanField(_("assesses the secretaries"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=SystemState.choices, default=SystemState.DRAFT)
    grade_bands = models.JSONField(_("grade bands"), default=list)
    key_work_weight = models.DecimalField(_("weight of key work"), max_digits=4, decimal_places=2, default=2)
    major_task_weight = models.DecimalField(_("weight of a major task"), max_digits=4, decimal_places=2, default=3)
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("previous version")
    )
    # The pairwise comparisons of the top level (a group keeps its own on the group indicator).
    ahp_upper = models.JSONField(_("pairwise comparisons of the top level"), null=True, blank=True)
    ahp_cr = models.DecimalField(_("consistency ratio"), max_digits=6, decimal_places=4, null=True, blank=True)

    audit_fields = (
        "code",
        "version",
        "name",
        "name_en",
        "owner",
        "assessed_kind",
        "state",
        "grade_bands",
        "key_work_weight",
        "major_task_weight",
    )

    class Meta:
        verbose_name = _("indicator system")
        verbose_name_plural = _("indicator systems")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="one_indicator_system_per_code_and_version",
                violation_error_message=_("This version of the indicator system already exists."),
            )
        ]

    def __str__(self):
        return f"{self.name} v{self.version}"

    def display_name(self, language: str | None = None) -> str:
        """The name in the user's language: the English name on English pages when there is one."""
        from django.utils.translation import get_language

        lang = language or get_language() or ""
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def audit_organization(self):
        return self.owner

    def bands(self) -> list[dict]:
        return sorted(self.grade_bands or DEFAULT_BANDS, key=lambda b: -float(b["min"]))


class IndicatorKind(models.TextChoices):
    GROUP = "group", _("Group of indicators")
    COMPUTED = "computed", _("Computed from records")
    ENTERED = "entered", _("Entered with evidence")
    QUALITATIVE = "qualitative", _("Rated by raters")
    DEDUCTION = "deduction", _("Deduction rule")
    BONUS = "bonus", _("Bonus item")


class Metric(models.TextChoices):
    """What a computed indicator (a ratio, scored 0-100) or a deduction/bonus/veto (a count) is computed from."""

    COMPLETION = "completion", _("Completion of the duties due (key work weighs more)")
    ON_TIME = "on_time", _("Duties due that were accepted by their due day")
    KEY_WORK = "key_work", _("Completion of key work and major tasks")
    RETURNED = "returned", _("Reviewed reports accepted without being returned")
    MEETINGS = "meetings", _("Meetings held against the required count")
    ATTENDANCE = "attendance", _("Attendance at meetings (absence with leave not counted)")
    STUDY = "study", _("Study hours per member against the plan")
    CARE = "care", _("Members in difficulty visited in time")
    TALKS = "talks", _("Members with a heart-to-heart talk in the period")
    CLAIMS = "claims", _("Duties claimed per member")
    OBJECTIVES = "objectives", _("Attainment of business objectives")
    OVERDUE_KEY = "overdue_key", _("Key work overdue (count)")
    MISSING_MEETINGS = "missing_meetings", _("Required meetings not held (count)")
    UNEXCUSED = "unexcused", _("Unexcused absences (count)")
    MAJOR_FAILED = "major_failed", _("Major tasks not accepted by the end of the period (count)")
    VETO_EVENTS = "veto_events", _("Veto events recorded (count)")


RATIO_METRICS = {
    Metric.COMPLETION,
    Metric.ON_TIME,
    Metric.KEY_WORK,
    Metric.RETURNED,
    Metric.MEETINGS,
    Metric.ATTENDANCE,
    Metric.STUDY,
    Metric.CARE,
    Metric.TALKS,
    Metric.CLAIMS,
    Metric.OBJECTIVES,
}


def metric_choices() -> list[tuple[str, str]]:
    """The metrics an indicator may be computed from: the built-in ones and those other apps register
    (outside.py)."""
    from . import outside

    return [*Metric.choices, *outside.choices()]


def metric_values() -> list[str]:
    return [code for code, _label in metric_choices()]


class WeightMethod(models.TextChoices):
    DIRECT = "direct", _("Entered directly")
    AHP = "ahp", _("AHP pairwise comparison")
    ENTROPY = "entropy", _("Entropy of the data")


class Indicator(models.Model):
    """A node of an indicator system: a group, or a leaf computed, entered, rated, deducted or added."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.CASCADE, related_name="indicators")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    dimension = models.CharField(_("area of construction"), max_length=20, choices=Dimension.choices, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=IndicatorKind.choices)
    metric = models.CharField(_("computed from"), max_length=20, choices=metric_choices, blank=True)
    target = models.DecimalField(
        _("target (ratio that earns full marks)"),
        max_digits=8,
        decimal_places=3,
        default=1,
        help_text=_("For claims per member: how many claims per member earn full marks."),
    )
    weight = models.DecimalField(_("weight among siblings"), max_digits=7, decimal_places=4, default=0)
    # On a group: how its children's weights were found; an AHP group keeps the upper triangle entered.
    weight_method = models.CharField(
        _("weights of the children"), max_length=10, choices=WeightMethod.choices, default=WeightMethod.DIRECT
    )
    ahp_upper = models.JSONField(_("pairwise comparisons (upper triangle)"), null=True, blank=True)
    ahp_cr = models.DecimalField(_("consistency ratio"), max_digits=6, decimal_places=4, null=True, blank=True)
    points = models.DecimalField(_("points per occurrence"), max_digits=6, decimal_places=2, default=0)
    cap = models.DecimalField(_("cap"), max_digits=6, decimal_places=2, default=0)
    is_veto = models.BooleanField(_("veto"), default=False)
    # On a deduction or bonus taking points for a fact the weighted leaves count too (assessment.facts): why it is
    # counted twice. Without it, a system using a fact twice is not put in use.
    double_use_reason = models.CharField(
        _("why the fact is counted twice"),
        max_length=300,
        blank=True,
        help_text=_(
            "Only if a weighted indicator counts the same records: say why a failure should also take these points."
        ),
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["system_id", "parent_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "code"], name="indicator_code_unique_in_system"),
            models.CheckConstraint(condition=Q(weight__gte=0) & Q(weight__lte=1), name="indicator_weight_0_1"),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"

    def display_name(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name

    @property
    def is_leaf(self) -> bool:
        return self.kind != IndicatorKind.GROUP

    @property
    def is_adjustment(self) -> bool:
        """Deductions, bonuses and vetoes act on the total, outside the weighted tree."""
        return self.kind in (IndicatorKind.DEDUCTION, IndicatorKind.BONUS) or self.is_veto


class RunState(models.TextChoices):
    OPEN = "open", pgettext_lazy("assessment state", "Open")
    COLLECTING = "collecting", _("Collecting ratings")
    COMPUTED = "computed", _("Computed")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class AssessmentRunQuerySet(models.QuerySet):
    def final(self):
        """The runs whose results count for what follows (cases, boards, commendations): published or closed. A
        run is published only as of its closing day, or early with the reason its publisher gave."""
        return self.filter(state__in=(RunState.PUBLISHED, RunState.CLOSED))


class AssessmentRun(TimeStampedModel):
    """The assessment of a subtree for a period with one indicator system; closed runs are frozen."""

    system = models.ForeignKey(IndicatorSystem, on_delete=models.PROTECT, related_name="runs")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    scope = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="assessment_runs")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    state = models.CharField(_("state"), max_length=12, choices=RunState.choices, default=RunState.OPEN)
    computed_at = models.DateTimeField(null=True, blank=True)
    asof = models.DateField(_("records counted up to"), null=True, blank=True)
    computed_seconds = models.FloatField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The closing day the organization running the run sets (within the period; empty: the period's end): the day
    # the results count to when published. Computed as of an earlier day, the results are provisional.
    closes_on = models.DateField(_("closing day"), null=True, blank=True)
    # A provisional run published all the same: why, in the publisher's words, and the day its records counted to.
    early_publication_reason = models.TextField(_("why published early"), blank=True)
    published_asof = models.DateField(_("published as of"), null=True, blank=True)
    assessed_count = models.PositiveIntegerField(default=0)
    # The indicators of the run's value sheets and the fields stored for each (see pack_sheets), written with them.
    sheet_layout = models.JSONField(default=list, editable=False)

    audit_fields = ("system", "period", "scope", "version", "state", "closes_on")

    objects = AssessmentRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-period__start", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["system", "period", "scope", "version"],
                name="one_run_per_version",
                violation_error_message=_("This assessment already exists."),
            )
        ]

    def __str__(self):
        return f"{self.system.name} · {self.period} · {self.scope} (v{self.version})"

    def audit_organization(self):
        return self.scope

    @property
    def is_frozen(self) -> bool:
        return self.state == RunState.CLOSED

    @property
    def closing_day(self):
        """The day the results count to when published: the closing day set, else the period's end."""
        return self.closes_on or self.period.end

    @property
    def counted_to(self):
        """The day the records were counted up to: stored by the engine; for runs computed before it stored the
        day, the day it computed them (within the period); None before the first computation."""
        if self.asof:
            return self.asof
        if self.computed_at:
            return min(timezone.localdate(self.computed_at), self.period.end)
        return None

    @property
    def is_provisional(self) -> bool:
        """Whether the results are provisional: computed as of a day before the closing day. (A run not computed
        yet has no results to call provisional.)"""
        day = self.counted_to
        return day is not None and day < self.closing_day

    @property
    def is_published(self) -> bool:
        return self.state in (RunState.PUBLISHED, RunState.CLOSED)

    @property
    def published_early(self) -> bool:
        """Whether the results were published while provisional, the publisher having said why."""
        return self.is_published and bool(self.early_publication_reason)

    @property
    def accepts_ratings(self) -> bool:
        """Whether raters may still rate: until the results are published."""
        return self.state in (RunState.OPEN, RunState.COLLECTING, RunState.COMPUTED)

    def assesses(self, organization: Organization) -> bool:
        """Whether the run assesses the organization: of its system's kind, within its scope."""
        return organization.kind == self.system.assessed_kind and organization.is_within(self.scope)

    def assessed_q(self) -> Q:
        """The organizations the run assesses, as a filter of organizations: those it `assesses` that are active."""
        return subtree_q(self.scope.path) & Q(is_active=True, kind=self.system.assessed_kind)


class EnteredValue(TimeStampedModel):
    """A value entered by hand for an 'entered' indicator, with its evidence; frozen with the run."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="entered_values")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(_("score (0-100) or count"), max_digits=8, decimal_places=2)
    evidence = models.FileField(upload_to="assessment/%Y/", blank=True, max_length=300)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("entered value")
        verbose_name_plural = _("entered values")
        constraints = [models.UniqueConstraint(fields=["run", "organization", "indicator"], name="one_entered_value")]

    def __str__(self):
        return f"{self.indicator.code} {self.organization}: {self.value}"

    def audit_organization(self):
        return self.organization


class VetoEventQuerySet(models.QuerySet):
    def in_force(self, at=None):
        """The events that veto: those not taken back; `at` a moment, those recorded by then and not taken back by
        then (what a run computed at that moment counted)."""
        if at is None:
            return self.filter(withdrawn_at__isnull=True)
        return self.filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at), created_at__lte=at)


class VetoEvent(TimeStampedModel):
    """A fact that vetoes an organization's assessment (e.g. a serious discipline case), with its reason. One
    recorded by mistake is taken back, not deleted: a closed run still shows the veto it counted."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="veto_events")
    reason = models.CharField(_("reason"), max_length=300)
    occurred_on = models.DateField(_("date"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(_("taken back at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.CharField(_("why it was taken back"), max_length=300, blank=True)

    objects = VetoEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("veto event")
        verbose_name_plural = _("veto events")
        ordering = ["-occurred_on"]

    def __str__(self):
        return f"{self.organization}: {self.reason}"

    def audit_organization(self):
        return self.organization


class RaterKind(models.TextChoices):
    SUPERIOR = "superior", _("Superior organization")
    PEERS = "peers", _("Peer organizations")
    MEMBERS = "members", _("Members")
    MASSES = "masses", _("The masses")


class RaterGroup(models.Model):
    """A group of raters in a run's rating campaign, with the weight of its opinion."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="rater_groups")
    kind = models.CharField(_("raters"), max_length=12, choices=RaterKind.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=4)
    min_raters = models.PositiveSmallIntegerField(
        _("fewest raters"),
        default=3,
        help_text=_("An organization rated by fewer raters of this group: the group's opinion of it is not used."),
    )

    class Meta:
        verbose_name = _("rater group")
        verbose_name_plural = _("rater groups")
        constraints = [models.UniqueConstraint(fields=["run", "kind"], name="one_rater_group_per_kind")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.weight})"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RatingToken(models.Model):
    """A one-time link for a rater outside the system: rates one organization once, then is spent."""

    group = models.ForeignKey(RaterGroup, on_delete=models.CASCADE, related_name="tokens")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("rating link")
        verbose_name_plural = _("rating links")
        indexes = [models.Index(fields=["group", "organization"], name="token_group_org_idx")]

    def __str__(self):
        return f"{self.group} → {self.organization}"

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(16)


class Rating(models.Model):
    """One rater's grade of one qualitative indicator for one organization."""

    token = models.ForeignKey(RatingToken, null=True, blank=True, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.ForeignKey(RaterGroup, on_delete=models.CASCADE, related_name="ratings")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        indexes = [models.Index(fields=["group", "organization", "indicator"], name="rating_lookup_idx")]

    def __str__(self):
        return f"{self.organization} {self.indicator.code}: {self.grade}"


@dataclass(frozen=True)
class IndicatorValue:
    """The value and score of one indicator for one organization in one run, with how it was found: numerator and
    denominator of a computed indicator, the raw value (a rate, a count of deductions, a rating), the score."""

    indicator_id: int
    numerator: float | None
    denominator: float | None
    raw: float | None
    score: float | None  # None where the indicator does not apply or is not evaluated yet
    status: str = LeafStatus.SCORED


# A value sheet: every indicator value of one organization in one run, packed as little-endian float64, indicator by
# indicator in the order of the run's `sheet_layout`, a list of [indicator id, fields]: the fields stored for that
# indicator, of "ndrs" (numerator, denominator, raw, score), those that some organization of the run has (a group
# has a score only), NaN where an organization has none (a score of NaN: no value for that indicator). One row per
# organization instead of one per organization and indicator: a province run writes 111,428 sheets, not 2.1 million
# indexed rows (4-5 s of a 15 s run on PostgreSQL); every reader (the explanation, the API) wants one
# organization's values at a time.
SHEET_FIELDS = "ndrst"
SHEET_DTYPE = "<f8"


def pack_sheets(values: dict[int, np.ndarray], organizations: int) -> tuple[list, np.ndarray]:
    """The layout and the sheets of `organizations` organizations from (organizations x 4) numbers per indicator:
    an (organizations x bytes) array, one sheet per row (empty ones when no indicator has a value)."""
    layout, kept = [], {}
    for indicator in sorted(values):
        kept[indicator] = ~np.isnan(values[indicator]).all(axis=0)
        kept[indicator][SHEET_FIELDS.index("s")] = True
        layout.append([indicator, "".join(f for f, k in zip(SHEET_FIELDS, kept[indicator], strict=True) if k)])
    sheets = np.empty((organizations, sum(len(fields) for _indicator, fields in layout)), dtype=SHEET_DTYPE)
    at = 0
    for indicator, fields in layout:
        sheets[:, at : at + len(fields)] = values[indicator][:, kept[indicator]]
        at += len(fields)
    return layout, sheets.view(np.uint8)


def unpack_sheet(layout, sheet) -> dict[int, IndicatorValue]:
    """The values of a sheet by indicator id, those with a score or a status."""
    numbers = np.frombuffer(bytes(sheet or b""), dtype=SHEET_DTYPE).tolist()
    if len(numbers) != sum(len(fields) for _indicator, fields in layout):
        return {}  # not computed, or not with this layout
    values, at = {}, 0
    for indicator, fields in layout:
        found = {f: (None if v != v else v) for f, v in zip(fields, numbers[at : at + len(fields)], strict=True)}
        at += len(fields)
        if found.get("s") is not None or found.get("t") is not None:
            status = LeafStatus.SCORED if found.get("t") is None else STATUS_CODES[int(found["t"])]
            values[indicator] = IndicatorValue(
                indicator, found.get("n"), found.get("d"), found.get("r"), found.get("s"), status
            )
    return values


class Result(models.Model):
    """The outcome of one organization in one run: total, grade, ranks, TOPSIS closeness, veto reason."""

    # Written only by the engine, a hundred thousand at a time at province scale, for the run it computes and the
    # organizations of its scope: no foreign key checked row by row at commit (0.9 s for a province), deletes cascade
    # through Django; the run is found by the unique (run, organization) index, an organization's results by its own.
    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="results", db_constraint=False, db_index=False
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="assessment_results", db_constraint=False
    )
    weighted = models.FloatField(_("weighted score"))
    deductions = models.FloatField(_("deductions"), default=0)
    bonus = models.FloatField(_("bonus"), default=0)
    # None when the organization is not assessed (its grade "not_assessed", with the reason in `not_assessed`).
    score = models.FloatField(_("score"), null=True)
    grade = models.CharField(_("grade"), max_length=12, choices=Grade.choices + Standing.choices)
    not_assessed = models.CharField(
        _("why not assessed"), max_length=12, choices=NotAssessed.choices, blank=True, default=""
    )
    # The share of the system's weight carried by the indicators that apply to the organization.
    coverage = models.FloatField(_("coverage"), null=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    veto_reason = models.CharField(_("veto reason"), max_length=300, blank=True)
    rank_siblings = models.PositiveIntegerField(_("rank among siblings"), null=True)
    rank_level = models.PositiveIntegerField(_("rank in the level"), null=True)
    closeness = models.FloatField(_("TOPSIS closeness"), null=True)
    rank_topsis = models.PositiveIntegerField(_("TOPSIS rank"), null=True)
    rank_low = models.PositiveIntegerField(_("best rank when weights move"), null=True)
    rank_high = models.PositiveIntegerField(_("worst rank when weights move"), null=True)

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = [models.F("rank_level").asc(nulls_last=True), "organization_id"]
        constraints = [models.UniqueConstraint(fields=["run", "organization"], name="one_result_per_organization")]
        indexes = [models.Index(fields=["run", "score"], name="result_run_score_idx")]

    def __str__(self):
        return f"{self.organization}: {'-' if self.score is None else f'{self.score:.2f}'} {self.grade}"

    @property
    def is_assessed(self) -> bool:
        return self.grade != Standing.NOT_ASSESSED

    def audit_organization(self):
        return self.organization


class ValueSheet(models.Model):
    """Every indicator value of one organization in one run, packed (see pack_sheets)."""

    # Written only by the engine, with the results, one sheet per result; read one at a time (the explanation). Its
    # own table, keyed by (run, organization), so that lists of results do not carry the sheets; no id column, no
    # foreign key checked row by row; deletes cascade through Django.
    pk = models.CompositePrimaryKey("run", "organization")
    run = models.ForeignKey(
        AssessmentRun, on_delete=models.CASCADE, related_name="sheets", db_constraint=False, db_index=False
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    data = models.BinaryField()

    class Meta:
        verbose_name = _("indicator values")
        verbose_name_plural = _("indicator values")

    def __str__(self):
        return f"{self.run_id}@{self.organization_id}"

    def indicator_values(self) -> dict[int, IndicatorValue]:
        """The organization's values, by indicator id (the indicators it has a value for)."""
        return unpack_sheet(self.run.sheet_layout, self.data)
