"""The formalism part's models: flags for a person to judge, and the indexes that find copied text and reused
photos without reading everything again."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grassroots.accountability.models import Case, DutyReport
from grassroots.core.models import Period, TimeStampedModel
from grassroots.duties.models import Evidence, ProgressReport
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Meeting, MeetingFile

__all__ = [
    "Flag",
    "FlagKind",
    "FlagState",
    "PhotoBand",
    "PhotoSignature",
    "StopShingle",
    "TextBand",
    "TextSignature",
    "TextSource",
]


class FlagKind(models.TextChoices):
    COPIED_TEXT = "copied_text", _("Copied text")
    REUSED_PHOTO = "reused_photo", _("Reused photo")
    MEETING_BURST = "meeting_burst", _("Meetings recorded in a burst")
    REPORT_BURST = "report_burst", _("Reports submitted in a rush")
    EMPTY_MEETING = "empty_meeting", _("Meeting without minutes or attendance")
    SAME_ATTENDANCE = "same_attendance", _("Attendance identical at every meeting")


class FlagState(models.TextChoices):
    OPEN = "open", _("Open")
    DISMISSED = "dismissed", _("Dismissed")
    CONFIRMED = "confirmed", _("Confirmed")


class Flag(TimeStampedModel):
    """A sign of work done for show (形式主义) for a person to judge, with the records on both sides; it never
    changes a score. Seen by the reviewing organization and those above it, not by the organization flagged."""

    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("organization")
    )
    # Who judges it: the organization that reviews the flagged record (the duty's issuer, the level above).
    reviewing = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", verbose_name=_("reviewed by")
    )
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("period"))
    other_organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("other organization"),
    )
    report = models.ForeignKey(ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_report = models.ForeignKey(ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_evidence = models.ForeignKey(Evidence, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_meeting = models.ForeignKey(Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # A meeting's photo, on either side of a reused photo (the other side a report's evidence or another meeting's).
    meeting_file = models.ForeignKey(MeetingFile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_meeting_file = models.ForeignKey(
        MeetingFile, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    duty_report = models.ForeignKey(DutyReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    other_duty_report = models.ForeignKey(DutyReport, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    similarity = models.DecimalField(_("similarity"), max_digits=4, decimal_places=3, null=True, blank=True)
    # What the detector measured, for the page to say in words (counts, hours, the shared wording).
    details = models.JSONField(_("details"), default=dict, blank=True)
    # What was found, so that the same finding raises one flag however often the detectors run.
    key = models.CharField(max_length=120, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=FlagState.choices, default=FlagState.OPEN)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("case")
    )
    version = models.PositiveIntegerField(default=0)

    audit_fields = ("kind", "organization", "reviewing", "period", "similarity", "state", "reason", "case")

    class Meta:
        verbose_name = _("formalism flag")
        verbose_name_plural = _("formalism flags")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="open") | Q(decided_at__isnull=False),
                name="flag_decided_when_not_open",
                violation_error_message=_("A flag dismissed or confirmed says when."),
            ),
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(reason=""),
                name="flag_dismissed_with_reason",
                violation_error_message=_("A flag is dismissed with a reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["reviewing", "state"], name="flag_reviewing_state_idx"),
            models.Index(fields=["organization", "period"], name="flag_org_period_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.organization}"

    def audit_organization(self):
        return self.reviewing

    @property
    def is_open(self) -> bool:
        return self.state == FlagState.OPEN


class TextSource(models.TextChoices):
    REPORT = "report", _("Progress report")
    MEETING = "meeting", _("Meeting minutes")
    DUTY_REPORT = "duty_report", _("Report on duty")


class TextSignature(models.Model):
    """A text as the copy detector keeps it: its informative shingles and MinHash, found again by its bands."""

    source = models.CharField(max_length=12, choices=TextSource.choices)
    record_id = models.BigIntegerField()
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.CASCADE, related_name="+")
    # Which assignment (reports), so that a report resubmitted on the same assignment is not its own copy.
    thread = models.BigIntegerField(default=0)
    shingles = models.BinaryField()  # uint32 little-endian, sorted
    minhash = models.BinaryField()  # uint64 little-endian, NUM_PERM values
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "record_id"], name="one_text_signature_per_record")]

    def __str__(self):
        return f"{self.source} #{self.record_id}"


class TextBand(models.Model):
    """One LSH band of a text's signature: texts sharing a band are candidates for the exact comparison."""

    # Indexed: forgetting a text (indexed again, or the whole index cleared) finds its bands without reading them all.
    signature = models.ForeignKey(TextSignature, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField(db_index=True)

    def __str__(self):
        return str(self.key)


class StopShingle(models.Model):
    """A shingle common to many texts of one kind (a template phrase), learnt from the corpus and left out of their
    signatures."""

    source = models.CharField(max_length=12, choices=TextSource.choices)
    value = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "value"], name="one_stop_shingle_per_source")]

    def __str__(self):
        return f"{self.source}:{self.value}"


class PhotoSignature(models.Model):
    """A photo of a report's evidence or of a meeting as the reuse detector keeps it: the perceptual hashes of its
    variants."""

    evidence = models.OneToOneField(Evidence, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    meeting_file = models.OneToOneField(MeetingFile, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    # The report's assignment, or minus the meeting's id: photos of one thread are not copies of each other.
    thread = models.BigIntegerField(default=0)
    hashes = models.BinaryField()  # uint64 little-endian: the whole photo first, then its variants
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(evidence__isnull=False, meeting_file__isnull=True)
                | Q(evidence__isnull=True, meeting_file__isnull=False),
                name="photo_signature_of_one_upload",
                violation_error_message=_("A photo's signature is of one report's evidence or one meeting's file."),
            )
        ]

    def __str__(self):
        return f"evidence #{self.evidence_id}" if self.evidence_id else f"meeting file #{self.meeting_file_id}"


class PhotoBand(models.Model):
    """One 16-bit band of one of a photo's hashes: photos sharing a band are compared bit by bit."""

    signature = models.ForeignKey(PhotoSignature, on_delete=models.CASCADE, related_name="bands")  # indexed: as above
    key = models.BigIntegerField(db_index=True)

    def __str__(self):
        return str(self.key)
