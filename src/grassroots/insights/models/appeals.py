"""The appeals part's models: what the masses ask of an organization on its public page (群众诉求), and its photo."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.models import TimeStampedModel
from grassroots.core.sealed import SealedField
from grassroots.core.uploads import UploadedFile
from grassroots.duties.models import Assignment
from grassroots.organizations.models import Organization, mask_phone

__all__ = [
    "ANSWER_DAYS",
    "Appeal",
    "AppealCategory",
    "AppealKind",
    "AppealPhoto",
    "AppealState",
    "FOLLOW_ALPHABET",
    "hash_follow_code",
    "normalize_follow_code",
]

# An appeal is answered in time within this many days of its submission (GRASSROOTS_APPEAL_ANSWER_DAYS).
ANSWER_DAYS = int(getattr(settings, "GRASSROOTS_APPEAL_ANSWER_DAYS", 7))
# The follow code: no 0/O, 1/I/L, so that it is read back from paper without doubt; 12 characters, 60 bits.
FOLLOW_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
FOLLOW_LENGTH = 12


def normalize_follow_code(code: str) -> str:
    """A follow code as typed (lower case, spaces, dashes) in its one written form, or "" when it cannot be one."""
    code = "".join(ch for ch in (code or "").upper() if ch not in " -")[:40]
    if len(code) != FOLLOW_LENGTH or any(ch not in FOLLOW_ALPHABET for ch in code):
        return ""
    return code


def hash_follow_code(code: str) -> str:
    """Only a hash of the follow code is kept: whoever reads the database cannot open an appeal's page with it."""
    return hashlib.sha256(f"grassroots-appeal:{normalize_follow_code(code)}".encode()).hexdigest()


class AppealKind(models.TextChoices):
    REQUEST = "request", _("A request")
    PROBLEM = "problem", _("A problem")


class AppealCategory(models.TextChoices):
    ROADS = "roads", _("Roads, lights and water")
    ENVIRONMENT = "environment", _("Environment and sanitation")
    SERVICES = "services", _("Public services and benefits")
    SAFETY = "safety", _("Safety and neighbourhood")
    CONDUCT = "conduct", _("Conduct of party members and cadres")
    OTHER = "other", _("Something else")


class AppealState(models.TextChoices):
    NEW = "new", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")
    IN_DUTY = "in_duty", _("Being handled as a duty")
    CLOSED = "closed", _("Closed")


class Appeal(TimeStampedModel):
    """A request or problem a member of the masses put to an organization on its public page, followed by a code."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="appeals", verbose_name=_("organization")
    )
    number = models.CharField(_("number"), max_length=20, unique=True)  # what the branch and the requester call it
    follow_hash = models.CharField(max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=AppealKind.choices)
    category = models.CharField(_("category"), max_length=20, choices=AppealCategory.choices)
    text = models.TextField(_("what is asked"))
    phone = SealedField(_("contact phone"), max_length=20, blank=True)  # personal: sealed at rest, masked, never public
    state = models.CharField(_("state"), max_length=10, choices=AppealState.choices, default=AppealState.NEW)
    read_at = models.DateTimeField(_("first read at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The branch's first response (an answer, a duty or a closing with its reason): the response time runs to it.
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    # The same as a number, kept when the first response is made, so that averages and counts in time are plain SQL.
    response_seconds = models.PositiveIntegerField(_("seconds to the first response"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="appeals",
        verbose_name=_("duty"),
    )
    close_reason = models.CharField(_("reason for closing"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rating_comment = models.CharField(_("comment on the answer"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    audit_fields = ("organization", "kind", "category", "state", "answer", "assignment", "close_reason", "rating")

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "state"], name="appeal_org_state")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="appeal_rating_1_to_5",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
            models.CheckConstraint(
                condition=Q(first_response_at__isnull=True, response_seconds__isnull=True)
                | Q(first_response_at__isnull=False, response_seconds__isnull=False),
                name="appeal_response_time_with_response",
                violation_error_message=_("The time to the first response is kept with the response."),
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(first_response_at__isnull=False),
                name="appeal_rated_after_response",
                violation_error_message=_("An appeal is rated once it has been answered."),
            ),
        ]

    def __str__(self):
        return self.number

    def audit_organization(self):
        return self.organization

    @staticmethod
    def new_follow_code() -> str:
        return "".join(secrets.choice(FOLLOW_ALPHABET) for _i in range(FOLLOW_LENGTH))

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def due_at(self) -> dt.datetime:
        """When a response is due: ANSWER_DAYS after the appeal came in."""
        return self.created_at + dt.timedelta(days=ANSWER_DAYS)

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        """No response yet, and the days to answer in have passed."""
        return self.first_response_at is None and (now or timezone.now()) > self.due_at

    @property
    def is_open(self) -> bool:
        return self.state != AppealState.CLOSED

    @property
    def response_hours(self) -> float | None:
        if self.first_response_at is None:
            return None
        return (self.first_response_at - self.created_at).total_seconds() / 3600

    def may_be_rated(self) -> bool:
        """Rated once, after the branch responded."""
        return self.first_response_at is not None and self.rating is None


class AppealPhoto(UploadedFile):
    """A photo sent with an appeal: checked like every upload (size, type by content, pixels); seen by the branch."""

    upload_dir = "appeals"
    url_name = "insights:appeal_photo"
    thumbnail_url_name = "insights:appeal_photo_thumb"

    appeal = models.OneToOneField(Appeal, on_delete=models.CASCADE, related_name="photo", verbose_name=_("appeal"))

    class Meta(UploadedFile.Meta):
        verbose_name = _("photo of an appeal")
        verbose_name_plural = _("photos of appeals")

    def audit_organization(self):
        return self.appeal.organization
