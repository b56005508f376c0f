"""Organizational life: meetings and attendance, study, member points, democratic appraisal, care and talks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.core.models import Period, TimeStampedModel
from grassroots.core.sealed import SealedTextField
from grassroots.core.uploads import UploadedFile
from grassroots.organizations.models import Member, Organization, PostTitle


class MeetingKind(models.TextChoices):
    GENERAL = "general", _("Branch general meeting")
    COMMITTEE = "committee", _("Branch committee meeting")
    GROUP = "group", _("Party group meeting")
    LECTURE = "lecture", _("Party lecture")
    THEME_DAY = "theme_day", _("Theme party day")
    ORG_LIFE = "org_life", _("Organizational life meeting")


class Per(models.TextChoices):
    MONTH = "month", _("a month")
    QUARTER = "quarter", _("a quarter")
    YEAR = "year", _("a year")


class MeetingRule(models.Model):
    """How often a kind of meeting must be held; a rule set on an organization applies to its whole subtree."""

    kind = models.CharField(_("meeting"), max_length=20, choices=MeetingKind.choices)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meeting_rules",
        verbose_name=_("applies below"),
        help_text=_("Empty: the default for every organization."),
    )
    count = models.PositiveSmallIntegerField(_("at least"), default=1)
    per = models.CharField(_("per"), max_length=10, choices=Per.choices)
    applies_to_groups = models.BooleanField(_("held by party groups"), default=False)

    class Meta:
        verbose_name = _("meeting rule")
        verbose_name_plural = _("meeting rules")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "organization"],
                name="one_rule_per_kind_and_organization",
                violation_error_message=_("This meeting already has a rule here."),
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(organization__isnull=True),
                name="one_default_rule_per_kind",
                violation_error_message=_("This meeting already has a default rule."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.count} / {self.get_per_display()}"


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Meeting(TimeStampedModel):
    """A meeting of an organization, planned ahead or recorded after it was held, with its attendance."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="meetings", verbose_name=_("organization")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    state = models.CharField(_("state"), max_length=12, choices=MeetingState.choices, default=MeetingState.HELD)
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    host = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("host")
    )
    topic = models.CharField(_("topic"), max_length=300)
    minutes = models.TextField(_("minutes"), blank=True)
    resolutions = models.TextField(_("resolutions"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    audit_fields = ("organization", "kind", "state", "held_on", "place", "host", "topic", "minutes", "resolutions")

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-held_on", "-id"]
        # With the state, so that the meetings held per organization and kind in a period are counted from the
        # index alone (on SQLite, whose indexes also hold the id, their attendance found from it too).
        indexes = [
            models.Index(fields=["organization", "kind", "held_on", "state"], name="meeting_org_kind_date_st_idx")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.held_on:%Y-%m-%d}"

    def audit_organization(self):
        return self.organization


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    LATE = "late", _("Late")
    EXCUSED = "excused", _("Absent with leave")
    ABSENT = "absent", _("Absent without leave")


class Attendance(models.Model):
    """Whether one member attended one meeting, and why not."""

    # A meeting's attendance is found by the unique (meeting, member) index and the (meeting, status) one; the
    # latter counts it from the index alone (the assessment's attendance by organization).
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance", db_index=False)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("member"))
    status = models.CharField(_("attendance"), max_length=10, choices=AttendanceStatus.choices)
    reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"],
                name="one_attendance_per_member_and_meeting",
                violation_error_message=_("This member's attendance is already recorded."),
            )
        ]
        indexes = [models.Index(fields=["meeting", "status"], name="attendance_meeting_status_idx")]

    def __str__(self):
        return f"{self.member}: {self.get_status_display()}"


class MeetingFile(UploadedFile):
    """A photo or document of a meeting (sign-in sheet, minutes scan), checked like report evidence."""

    upload_dir = "meetings"
    url_name = "orglife:meeting_file"
    thumbnail_url_name = "orglife:meeting_file_thumb"
    describe_url_name = "orglife:meeting_file_describe"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="files")
    description = models.CharField(
        _("description"),
        max_length=200,
        blank=True,
        help_text=_("What the photo shows, read out to those who cannot see it."),
    )

    class Meta(UploadedFile.Meta):
        verbose_name = _("meeting file")
        verbose_name_plural = _("meeting files")


class StudyCourse(TimeStampedModel):
    """A course or material members study; offered to an organization's subtree, or to everyone."""

    title = models.CharField(_("title"), max_length=200)
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="courses",
        verbose_name=_("offered by"),
    )
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=1)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self):
        return self.title


# The posts whose holders study the plan's cadre hours (required_hours_cadre): the secretary, the deputy secretary and
# the committee members, not group leaders; a post counts on the days it is held (started_on to ended_on).
CADRE_POSTS = tuple(
    title.value
    for title in (
        PostTitle.SECRETARY,
        PostTitle.DEPUTY_SECRETARY,
        PostTitle.ORGANIZATION,
        PostTitle.PROPAGANDA,
        PostTitle.DISCIPLINE,
        PostTitle.COMMITTEE,
    )
)


class StudyPlan(TimeStampedModel):
    """Hours each member must study in a period, set by an organization for its subtree."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="study_plans")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    required_hours = models.DecimalField(_("hours per member"), max_digits=5, decimal_places=1, default=32)
    required_hours_cadre = models.DecimalField(
        _("hours per secretary and committee member"), max_digits=5, decimal_places=1, default=56
    )
    needs_confirmation = models.BooleanField(_("records need the secretary's confirmation"), default=True)

    class Meta:
        verbose_name = _("study plan")
        verbose_name_plural = _("study plans")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "period"],
                name="one_study_plan_per_organization_and_period",
                violation_error_message=_("This organization already has a study plan for this period."),
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.period}: {self.required_hours}h"


class RecordState(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class StudyRecord(TimeStampedModel):
    """Hours a member studied on a day: entered by the member, confirmed by the secretary when required."""

    # Indexed by the (member, day, state, hours) index below, which also serves what a member-only index would.
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="study_records", db_index=False)
    course = models.ForeignKey(StudyCourse, null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    title = models.CharField(_("what was studied"), max_length=200)
    studied_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=1)
    state = models.CharField(_("state"), max_length=12, choices=RecordState.choices, default=RecordState.PENDING)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("study record")
        verbose_name_plural = _("study records")
        ordering = ["-studied_on", "-id"]
        # A member's confirmed hours over a span of days are read from the index alone (the assessment sums them
        # for every member), without a visit to each record.
        indexes = [models.Index(fields=["member", "studied_on", "state", "hours"], name="study_member_hours_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=24),
                name="study_hours_between_0_and_24",
                violation_error_message=_("Study hours are more than 0 and at most 24 a day."),
            )
        ]

    def __str__(self):
        return f"{self.member}: {self.title} ({self.hours}h)"

    def audit_organization(self):
        return self.member.organization


class PointSource(models.TextChoices):
    ATTENDANCE = "attendance", _("Attending a meeting")
    ABSENCE = "absence", _("Unexcused absence from a meeting")
    STUDY = "study", _("Confirmed study hours")
    CLAIM = "claim", _("Completing a claimed duty")
    DUTY = "duty", _("Accepted work as the responsible person")
    VOLUNTEER = "volunteer", _("Volunteering (confirmed)")
    MANUAL = "manual", _("Other, entered and confirmed by the secretary")


class PointRule(TimeStampedModel):
    """One line of the points rule book: what earns (or costs) how many points, with caps."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("action"), max_length=200)
    name_en = models.CharField(_("action in English"), max_length=200, blank=True, default="")
    source = models.CharField(_("counted from"), max_length=20, choices=PointSource.choices)
    points = models.DecimalField(_("points"), max_digits=6, decimal_places=1)
    per_hour = models.BooleanField(_("points per hour"), default=False)
    daily_cap = models.DecimalField(_("cap a day"), max_digits=6, decimal_places=1, null=True, blank=True)
    monthly_cap = models.DecimalField(_("cap a month"), max_digits=6, decimal_places=1, null=True, blank=True)
    yearly_cap = models.DecimalField(_("cap a year"), max_digits=7, decimal_places=1, null=True, blank=True)
    is_active = models.BooleanField(_("in force"), default=True)

    # The rule as the rule book lists it and its keeper edits it: the service, the API and the admin read this list.
    EDITABLE_FIELDS = (
        "code",
        "name",
        "name_en",
        "source",
        "points",
        "per_hour",
        "daily_cap",
        "monthly_cap",
        "yearly_cap",
        "is_active",
    )

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["source", "code"]

    def __str__(self):
        return self.name

    def display_name(self, language: str | None = None) -> str:
        """The rule's name in the reader's language: the English one on English pages when it has one."""
        from django.utils.translation import get_language

        lang = language or get_language() or ""
        return self.name_en if lang.startswith("en") and self.name_en else self.name


class PointEntry(models.Model):
    """A line of a member's points ledger; never edited: a correction is a new entry pointing at the old one."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="point_entries")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="entries")
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=1)
    earned_on = models.DateField(_("date"))
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    corrects = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-earned_on", "-id"]
        indexes = [models.Index(fields=["member", "earned_on"], name="points_member_date_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "rule", "source_type", "source_id"],
                condition=Q(corrects__isnull=True) & ~Q(source_id=""),
                name="points_once_per_source",
                violation_error_message=_("Points for this record were already given."),
            )
        ]

    def __str__(self):
        return f"{self.member}: {self.points:+} ({self.rule})"


class AppraisalGrade(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    BASIC = "basic", _("Basically qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class AppraisalState(models.TextChoices):
    VOTING = "voting", _("Voting")
    CLOSED = "closed", _("Closed")


class Appraisal(TimeStampedModel):
    """The yearly democratic appraisal of the members of one organization."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="appraisals")
    year = models.PositiveSmallIntegerField(_("year"))
    state = models.CharField(_("state"), max_length=10, choices=AppraisalState.choices, default=AppraisalState.VOTING)
    excellent_share = models.DecimalField(
        _("largest share rated excellent"), max_digits=3, decimal_places=2, default=0.33
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("democratic appraisal")
        verbose_name_plural = _("democratic appraisals")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="one_appraisal_per_organization_and_year",
                violation_error_message=_("This organization already has an appraisal for this year."),
            )
        ]

    def __str__(self):
        return f"{self.organization} {self.year}"

    def audit_organization(self):
        return self.organization


class AppraisalVote(models.Model):
    """One member's rating of another (or of themselves, as the self-assessment) in an appraisal."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    subject = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    grade = models.CharField(_("grade"), max_length=12, choices=AppraisalGrade.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "voter", "subject"],
                name="one_vote_per_voter_and_subject",
                violation_error_message=_("You have already rated this member."),
            )
        ]

    def __str__(self):
        return f"{self.voter} → {self.subject}: {self.grade}"


class AppraisalResult(TimeStampedModel):
    """The outcome for one member: vote counts, the secretary's proposal and the decided grade."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="results")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="appraisal_results")
    counts = models.JSONField(_("votes"), default=dict)
    proposed = models.CharField(
        _("proposed by the secretary"), max_length=12, choices=AppraisalGrade.choices, blank=True
    )
    grade = models.CharField(_("decided grade"), max_length=12, choices=AppraisalGrade.choices, blank=True)
    follow_up = models.TextField(_("follow-up (required for unqualified)"), blank=True)

    class Meta:
        verbose_name = _("appraisal result")
        verbose_name_plural = _("appraisal results")
        constraints = [
            models.UniqueConstraint(fields=["appraisal", "member"], name="one_result_per_member_and_appraisal"),
            models.CheckConstraint(
                condition=~Q(grade="unqualified") | ~Q(follow_up=""),
                name="unqualified_needs_follow_up",
                violation_error_message=_("An unqualified result needs a follow-up plan."),
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.grade or '-'}"


class CareCategory(models.TextChoices):
    OLD_AGE = "old_age", _("Old age")
    ILLNESS = "illness", _("Serious illness")
    DISABILITY = "disability", _("Disability")
    POVERTY = "poverty", _("Poverty")
    FAMILY = "family", _("Family hardship")
    DISASTER = "disaster", _("Disaster or accident")
    OTHER = "other", _("Other")


class CareCase(TimeStampedModel):
    """A member in difficulty, in the care ledger; the details are visible only to those who need them."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_cases")
    category = models.CharField(_("difficulty"), max_length=12, choices=CareCategory.choices)
    details = SealedTextField(_("details (restricted)"), blank=True)  # sealed at rest
    opened_on = models.DateField(_("in the ledger since"))
    closed_on = models.DateField(_("left the ledger on"), null=True, blank=True)
    visit_interval_days = models.PositiveSmallIntegerField(_("visit at least every (days)"), default=182)

    class Meta:
        verbose_name = _("member in difficulty")
        verbose_name_plural = _("members in difficulty")
        ordering = ["-opened_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(closed_on__isnull=True),
                name="one_open_care_case_per_member",
                violation_error_message=_("This member is already in the care ledger."),
            )
        ]

    def __str__(self):
        return f"{self.member} ({self.get_category_display()})"

    def audit_organization(self):
        return self.member.organization


class CareOccasion(models.TextChoices):
    SPRING_FESTIVAL = "spring_festival", _("New Year and Spring Festival")
    JULY_FIRST = "july_first", _("July 1st")
    ILLNESS = "illness", _("Illness or hospital stay")
    DISASTER = "disaster", _("Disaster")
    BEREAVEMENT = "bereavement", _("Bereavement")
    ROUTINE = "routine", _("Routine visit")


class CareVisit(TimeStampedModel):
    """A visit to a member in difficulty and the help given."""

    case = models.ForeignKey(CareCase, on_delete=models.CASCADE, related_name="visits")
    visited_on = models.DateField(_("date"))
    visitor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("visitor")
    )
    visitor_name = models.CharField(_("visitor (if not a member here)"), max_length=100, blank=True)
    occasion = models.CharField(
        _("occasion"), max_length=20, choices=CareOccasion.choices, default=CareOccasion.ROUTINE
    )
    help_given = models.TextField(_("what was done"))
    amount = models.DecimalField(_("money given (yuan)"), max_digits=9, decimal_places=2, default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("care visit")
        verbose_name_plural = _("care visits")
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="care_amount_not_negative",
                violation_error_message=_("The amount cannot be negative."),
            )
        ]

    def __str__(self):
        return f"{self.case.member} {self.visited_on}"

    def audit_organization(self):
        return self.case.member.organization


class Talk(TimeStampedModel):
    """A heart-to-heart talk with a member: every member has at least one a year."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="talks", verbose_name=_("member"), db_index=False
    )
    talked_on = models.DateField(_("date"))
    with_member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("talked with")
    )
    with_name = models.CharField(_("talked with (name, if not a member here)"), max_length=100, blank=True)
    topic = models.CharField(_("topic"), max_length=200)
    notes = SealedTextField(_("notes (restricted)"), blank=True)  # sealed at rest
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("heart-to-heart talk")
        verbose_name_plural = _("heart-to-heart talks")
        ordering = ["-talked_on", "-id"]
        # Whether a member was talked with in a span of days, from the index alone.
        indexes = [models.Index(fields=["member", "talked_on"], name="talk_member_date_idx")]

    def __str__(self):
        return f"{self.member} {self.talked_on}"

    def audit_organization(self):
        return self.member.organization
