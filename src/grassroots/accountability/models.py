"""Pursuit (责任追究): cases opened by the rules of pursuit or by hand, the measures decided on a ladder, and the
rectifications they require (carried out as assignments, by the duties' own mechanism)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.assessment.models import AssessmentRun, EnteredValue, Grade
from grassroots.core.models import Period, TimeStampedModel
from grassroots.core.uploads import UploadedFile
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Member, Organization, PostTitle
from grassroots.orglife.models import Appraisal, CareCase


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


# --- Commendations and the red/yellow board ---


class CommendationKind(models.TextChoices):
    """What is commended: an organization (先进基层党组织), a member (优秀共产党员), a party worker (优秀党务工作者)."""

    ADVANCED_ORGANIZATION = "advanced_organization", _("Advanced grassroots party organization")
    EXCELLENT_MEMBER = "excellent_member", _("Excellent party member")
    EXCELLENT_WORKER = "excellent_worker", _("Excellent party worker")


# The kinds that commend a member (the others commend an organization).
MEMBER_KINDS = (CommendationKind.EXCELLENT_MEMBER, CommendationKind.EXCELLENT_WORKER)


class CommendationState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    DECIDED = "decided", _("Decided")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Commendation(TimeStampedModel):
    """A commendation (表彰): proposed from published results and appraisals (or by hand, with the reason), decided
    by the commending organization with its decision document, or withdrawn with a reason; never deleted."""

    kind = models.CharField(_("commendation"), max_length=24, choices=CommendationKind.choices)
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    # The organization commended; for a member, the organization they belong to (a party worker: the one they lead).
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="commendations", verbose_name=_("organization")
    )
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        verbose_name=_("member"),
    )
    commending = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="commendations_given",
        verbose_name=_("commending organization"),
    )
    # What it was proposed from: the published assessment, the democratic appraisal (none when by hand).
    run = models.ForeignKey(
        AssessmentRun,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        verbose_name=_("assessment"),
    )
    appraisal = models.ForeignKey(
        Appraisal,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commendations",
        verbose_name=_("democratic appraisal"),
    )
    # The score and rank of the result it was proposed from, as they stood then.
    score = models.FloatField(_("score"), null=True, blank=True)
    rank = models.PositiveIntegerField(_("rank"), null=True, blank=True)
    # Proposed although not among the candidates (not graded excellent, not rated excellent): why.
    by_hand = models.BooleanField(_("proposed by hand"), default=False)
    proposal_reason = models.CharField(_("why proposed by hand"), max_length=500, blank=True)
    citation = models.TextField(_("citation"), blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=CommendationState.choices, default=CommendationState.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reference = models.CharField(_("reference number of the decision"), max_length=100, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    audit_fields = ("kind", "period", "organization", "member", "commending", "state", "reference", "decided_on")

    class Meta:
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        ordering = ["-period__start", "kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "commending", "organization"],
                condition=Q(member__isnull=True) & ~Q(state="withdrawn"),
                name="one_commendation_per_organization",
                violation_error_message=_("This organization is already proposed for this commendation."),
            ),
            models.UniqueConstraint(
                fields=["kind", "period", "commending", "member"],
                condition=Q(member__isnull=False) & ~Q(state="withdrawn"),
                name="one_commendation_per_member",
                violation_error_message=_("This member is already proposed for this commendation."),
            ),
            models.CheckConstraint(
                condition=Q(member__isnull=True, kind="advanced_organization")
                | Q(member__isnull=False, kind__in=["excellent_member", "excellent_worker"]),
                name="commendation_member_by_kind",
            ),
            models.CheckConstraint(
                condition=~Q(state="decided") | (~Q(reference="") & Q(decided_on__isnull=False)),
                name="commendation_decided_with_its_document",
            ),
        ]
        indexes = [models.Index(fields=["commending", "period"], name="commendation_commending_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.commended_name()} · {self.period}"

    def audit_organization(self):
        return self.commending

    @property
    def is_of_member(self) -> bool:
        return self.kind in MEMBER_KINDS

    def commended_name(self) -> str:
        return self.member.name if self.member_id else self.organization.display_name()

    def grounds(self) -> str:
        """What it was proposed from, in the reader's language."""
        return commendation_grounds(self)


def commendation_grounds(item) -> str:
    """The grounds of a commendation or a candidate (anything with kind, run, appraisal, score, rank, by_hand and
    proposal_reason), in the reader's language."""
    from django.utils.translation import gettext

    if item.run is not None:
        text = gettext("Graded excellent in %(system)s, %(period)s") % {
            "system": item.run.system.display_name(),
            "period": item.run.period.code,
        }
        if item.rank:
            text += gettext(", rank %(rank)s") % {"rank": item.rank}
        if item.score is not None:
            text += gettext(", %(score)s points") % {"score": f"{item.score:.2f}"}
        if item.kind == CommendationKind.EXCELLENT_WORKER:
            text = gettext("Secretary of %(org)s. %(grounds)s") % {
                "org": item.organization.display_name(),
                "grounds": text,
            }
        return text
    if item.appraisal is not None:
        return gettext("Rated excellent in the democratic appraisal of %(year)s at %(org)s") % {
            "year": item.appraisal.year,
            "org": item.appraisal.organization.display_name(),
        }
    if item.by_hand:
        return gettext("Proposed by hand: %(reason)s") % {"reason": item.proposal_reason}
    return ""


class CommendationFile(UploadedFile):
    """The scanned decision document of a commendation, checked and served as every upload."""

    upload_dir = "commendations"
    url_name = "accountability:commendation_file"
    thumbnail_url_name = "accountability:commendation_file_thumb"

    commendation = models.OneToOneField(Commendation, on_delete=models.CASCADE, related_name="document")

    class Meta(UploadedFile.Meta):
        verbose_name = _("decision document")
        verbose_name_plural = _("decision documents")


class BoardState(models.TextChoices):
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Board(TimeStampedModel):
    """The red/yellow board (红黄榜) of a published assessment: its organizations graded excellent (red) and poor
    (yellow, with the reason), as they stood when the board was published (its entries are kept)."""

    run = models.ForeignKey(
        AssessmentRun, on_delete=models.PROTECT, related_name="boards", verbose_name=_("assessment")
    )
    state = models.CharField(_("state"), max_length=10, choices=BoardState.choices, default=BoardState.PUBLISHED)
    ranked = models.PositiveIntegerField(_("organizations ranked"), default=0)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_reason = models.CharField(_("why withdrawn"), max_length=500, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    audit_fields = ("run", "state", "ranked", "withdrawn_reason")

    class Meta:
        verbose_name = _("red/yellow board")
        verbose_name_plural = _("red/yellow boards")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run"],
                condition=Q(state="published"),
                name="one_published_board_per_run",
                violation_error_message=_("This assessment already has a published board."),
            )
        ]

    def __str__(self):
        return f"{self.run.period} · {self.run.scope}"

    def audit_organization(self):
        return self.run.scope


class BoardColor(models.TextChoices):
    RED = "red", _("Red board")
    YELLOW = "yellow", _("Yellow board")


class BoardEntry(models.Model):
    """One organization on a board: its grade, score and rank as published; on the yellow board, the reason (the
    veto, else the indicators that cost it most)."""

    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="entries")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    color = models.CharField(_("board"), max_length=6, choices=BoardColor.choices)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    score = models.FloatField(_("score"), null=True)
    grade = models.CharField(_("grade"), max_length=12)
    veto_reason = models.CharField(_("veto reason"), max_length=300, blank=True)
    # The biggest losses of points: [{"code", "name", "name_en", "points"}], the biggest first.
    losses = models.JSONField(_("biggest losses"), default=list, blank=True)

    class Meta:
        verbose_name = _("board entry")
        verbose_name_plural = _("board entries")
        ordering = ["board_id", "color", models.F("rank").asc(nulls_last=True), "organization_id"]
        constraints = [
            models.UniqueConstraint(fields=["board", "organization"], name="one_board_entry_per_organization")
        ]

    def __str__(self):
        return f"{self.get_color_display()} · {self.organization}"


# --- The report-on-duty review and its three lists ---
# (述职评议: the secretaries below an organization report on their duty each period, raters grade the reports by the
# assessment's fuzzy evaluation, and the reviewing organization writes each reporter's problems, responsibilities and
# rectifications; a rectification is an assignment, carried out as any work.)


class ReviewState(models.TextChoices):
    OPEN = "open", _("Taking reports")
    RATING = "rating", _("Rating")
    CLOSED = "closed", _("Closed")


class ReviewRaterKind(models.TextChoices):
    """The groups who rate a report on duty: the reviewing organization's officers, the members of the reporter's
    branch (its representatives, those with an account), and the other secretaries reporting in the review."""

    SUPERIOR = "superior", _("Superior officers")
    MEMBERS = "members", _("Members' representatives")
    PEERS = "peers", _("Peer secretaries")


class DutyReview(TimeStampedModel):
    """The review of the reports on duty of a period, opened by an organization for the branches below it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="duty_reviews", verbose_name=_("reviewing organization")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    state = models.CharField(_("state"), max_length=8, choices=ReviewState.choices, default=ReviewState.OPEN)
    include_committee = models.BooleanField(_("committee members report too"), default=False)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating_at = models.DateTimeField(_("rating started at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    audit_fields = ("organization", "period", "state", "include_committee")

    class Meta:
        verbose_name = _("review of reports on duty")
        verbose_name_plural = _("reviews of reports on duty")
        ordering = ["-period__start", "organization__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period"],
                name="one_duty_review_per_period",
                violation_error_message=_("This organization already reviews the reports on duty of this period."),
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.period.code}"

    def audit_organization(self):
        return self.organization


class ReviewRaterGroup(models.Model):
    """A group of raters of a review, with the weight of its opinion and the fewest raters it needs to give one."""

    review = models.ForeignKey(DutyReview, on_delete=models.CASCADE, related_name="groups")
    kind = models.CharField(_("raters"), max_length=10, choices=ReviewRaterKind.choices)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=4)
    min_raters = models.PositiveSmallIntegerField(_("fewest raters"), default=1)

    class Meta:
        verbose_name = _("group of raters")
        verbose_name_plural = _("groups of raters")
        ordering = ["review_id", "id"]
        constraints = [models.UniqueConstraint(fields=["review", "kind"], name="one_review_group_per_kind")]

    def __str__(self):
        return f"{self.review} · {self.get_kind_display()}"


class ReportState(models.TextChoices):
    EXPECTED = "expected", _("Not submitted")
    SUBMITTED = "submitted", _("Submitted")


class DutyReport(TimeStampedModel):
    """The report on duty (述职报告) a secretary (or committee member) of a branch owes a review, and its result."""

    review = models.ForeignKey(DutyReview, on_delete=models.CASCADE, related_name="reports", verbose_name=_("review"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="+", verbose_name=_("organization")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="duty_reports", verbose_name=_("reporting")
    )
    post_title = models.CharField(_("post"), max_length=20, choices=PostTitle.choices)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.EXPECTED)
    text = models.TextField(_("text of the report"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The result, fixed when the review closes: the score of the fuzzy evaluation, its grade, the votes per group.
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    votes = models.JSONField(_("votes"), default=list, blank=True)
    # The value the result was entered as in an assessment (review_result_feed), while it stands.
    fed_value = models.ForeignKey(
        EnteredValue, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("entered as")
    )

    audit_fields = ("review", "organization", "member", "post_title", "state", "score", "grade")

    class Meta:
        verbose_name = _("report on duty")
        verbose_name_plural = _("reports on duty")
        ordering = ["review_id", "organization__path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "organization", "member"],
                name="one_duty_report_per_post",
                violation_error_message=_("This report on duty is already expected."),
            )
        ]

    def __str__(self):
        return f"{self.member} · {self.organization} · {self.review.period.code}"

    def audit_organization(self):
        return self.organization

    @property
    def is_submitted(self) -> bool:
        return self.state == ReportState.SUBMITTED


class DutyReportFile(UploadedFile):
    """The attachment of a report on duty (the report as a document, a photo of it), checked as any upload."""

    upload_dir = "reviews"
    url_name = "accountability:review_file"
    thumbnail_url_name = "accountability:review_file_thumb"

    report = models.OneToOneField(DutyReport, on_delete=models.CASCADE, related_name="attachment")

    class Meta(UploadedFile.Meta):
        verbose_name = _("attachment of a report on duty")
        verbose_name_plural = _("attachments of reports on duty")


class ReviewRating(TimeStampedModel):
    """One rater's grade of one report, in the rater's group; one per rater and report."""

    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="ratings")
    group = models.ForeignKey(ReviewRaterGroup, on_delete=models.CASCADE, related_name="ratings")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices)

    class Meta:
        verbose_name = _("rating of a report on duty")
        verbose_name_plural = _("ratings of reports on duty")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "rater"],
                name="one_review_rating_per_rater",
                violation_error_message=_("You have already rated this report."),
            )
        ]

    def __str__(self):
        return f"{self.report} · {self.grade}"


class ListKind(models.TextChoices):
    """The three lists of a review (三个清单)."""

    PROBLEM = "problem", _("Problem list")
    RESPONSIBILITY = "responsibility", _("Responsibility list")
    RECTIFICATION = "rectification", _("Rectification list")


class ReviewListItem(TimeStampedModel):
    """An item of one of the three lists the reviewing organization writes for a reporter; a rectification item is
    an assignment of a duty the reviewing organization issues to the reporter's branch."""

    report = models.ForeignKey(
        DutyReport, on_delete=models.CASCADE, related_name="list_items", verbose_name=_("report on duty")
    )
    kind = models.CharField(_("list"), max_length=16, choices=ListKind.choices)
    text = models.CharField(_("item"), max_length=300)
    assignment = models.OneToOneField(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_item",
        verbose_name=_("assignment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    audit_fields = ("report", "kind", "text", "assignment")

    class Meta:
        verbose_name = _("item of the three lists")
        verbose_name_plural = _("items of the three lists")
        ordering = ["report_id", "kind", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(assignment__isnull=True) | Q(kind="rectification"),
                name="review_item_assignment_only_for_rectification",
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.text}"

    def audit_organization(self):
        return self.report.organization


class ProblemAnswer(TimeStampedModel):
    """How a report on duty answers a problem of the report before it (last period's problem list)."""

    report = models.ForeignKey(DutyReport, on_delete=models.CASCADE, related_name="answers")
    problem = models.ForeignKey(ReviewListItem, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(_("answer"))

    class Meta:
        verbose_name = _("answer to a problem")
        verbose_name_plural = _("answers to problems")
        ordering = ["problem_id"]
        constraints = [models.UniqueConstraint(fields=["report", "problem"], name="one_answer_per_problem")]

    def __str__(self):
        return f"{self.report} · {self.problem}"
