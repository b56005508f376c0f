"""The organization tree, members, posts, transfers and access grants."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from grassroots.core.models import TimeStampedModel
from grassroots.core.sealed import DigestField, SealedField, refresh_digests
from grassroots.core.tree import PATH_END, subtree_q  # noqa: F401 - the tree's range filter, re-exported for the apps


class PathField(models.CharField):
    """Materialized path; bytewise ("C") collation on PostgreSQL so that range filters follow the tree."""

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def ancestor_paths(path: str) -> list[str]:
    """The paths of the organization at `path` and of every organization above it, from the root down."""
    step = Organization.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


class OrgKind(models.TextChoices):
    COMMITTEE = "committee", _("Party committee")
    GENERAL_BRANCH = "general_branch", _("General branch")
    BRANCH = "branch", _("Branch")
    GROUP = "group", _("Party group")


class UnitType(models.TextChoices):
    PARTY_ORGAN = "party_organ", _("Party organ")
    GOVERNMENT = "government", _("Government organ")
    TOWNSHIP = "township", _("Township")
    SUBDISTRICT = "subdistrict", _("Sub-district (street)")
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Community")
    ENTERPRISE = "enterprise", _("Enterprise")
    STATE_ENTERPRISE = "state_enterprise", _("State-owned enterprise")
    SCHOOL = "school", _("School")
    HOSPITAL = "hospital", _("Hospital")
    INSTITUTION = "institution", _("Public institution")
    SOCIAL = "social", _("Social organization")
    OTHER = "other", _("Other")


# An organization's code names it in addresses (/public/<code>/) and files: Latin letters, digits, hyphens, dots and
# underscores, beginning with a letter or a digit (a "/" or a space would make addresses that cannot be built).
CODE_VALIDATOR = RegexValidator(
    r"^[0-9A-Za-z][0-9A-Za-z._-]*\Z",
    message=_(
        "A code has only Latin letters, digits, hyphens (-), dots (.) and underscores (_), and begins with a letter "
        "or a digit."
    ),
    code="code_characters",
)


class Organization(MP_Node, TimeStampedModel):
    """A party organization: committee, general branch, branch or group, placed in the tree."""

    steplen = 4
    path = PathField(max_length=255, unique=True)
    code = models.CharField(_("code"), max_length=32, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=OrgKind.choices)
    unit_type = models.CharField(_("unit type"), max_length=20, choices=UnitType.choices, default=UnitType.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    founded_on = models.DateField(_("founded on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    # What may change once an organization is in the tree (its code and kind stay; it moves by organization_move).
    EDITABLE_FIELDS = ("name", "name_en", "unit_type", "founded_on", "is_active")
    audit_fields = (
        "code",
        "name",
        "name_en",
        "kind",
        "unit_type",
        "parent",
        "founded_on",
        "is_active",
        "path",
    )

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path"]
        indexes = [models.Index(fields=["parent", "path"], name="org_parent_path_idx")]

    def __str__(self):
        return self.name

    def audit_organization(self):
        return self

    def display_name(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        lang = language or get_language() or ""
        if lang.startswith("en") and self.name_en:
            return self.name_en
        return self.name

    def subtree_q(self, field: str = "path") -> Q:
        return subtree_q(self.path, field)

    def is_within(self, other: "Organization") -> bool:
        """True when this organization is `other` or lies below it."""
        return self.path.startswith(other.path)


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school or below")
    JUNIOR = "junior", _("Junior middle school")
    SENIOR = "senior", _("Senior high school")
    TECHNICAL = "technical", _("Technical secondary school")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTOR = "doctor", _("Doctorate")


class MemberCategory(models.TextChoices):
    FULL = "full", _("Full member")
    PROBATIONARY = "probationary", _("Probationary member")


class MemberStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    TRANSFERRED_OUT = "transferred_out", _("Transferred out")
    DECEASED = "deceased", _("Deceased")
    REMOVED = "removed", _("Removed from the party")


class Member(TimeStampedModel):
    """A party member (full or probationary), attached to one organization at a time."""

    name = models.CharField(_("name"), max_length=100)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    # Sealed at rest (core.sealed): found by the full number through the keyed digest beside each, which also keeps
    # ID numbers unique.
    id_number = SealedField(_("ID number"), max_length=18, null=True, blank=True, digest="id_number_digest")
    phone = SealedField(_("phone"), max_length=20, blank=True, digest="phone_digest")
    id_number_digest = DigestField(source="id_number", unique=True)
    phone_digest = DigestField(source="phone", db_index=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    category = models.CharField(
        _("category"), max_length=20, choices=MemberCategory.choices, default=MemberCategory.FULL
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    confirmed_on = models.DateField(_("full membership on"), null=True, blank=True)
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="members"
    )
    status = models.CharField(_("status"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.ACTIVE)
    # The day the member left (set with a status other than active, by member_update): what they did before it still
    # counts for the organizations they were in, and they count as members there until then.
    left_on = models.DateField(_("left on"), null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )

    # The record as people edit it: the form, the API, the import, the export and the audit read this one list.
    EDITABLE_FIELDS = (
        "name",
        "gender",
        "ethnicity",
        "birth_date",
        "education",
        "id_number",
        "phone",
        "occupation",
        "category",
        "joined_on",
        "confirmed_on",
    )
    # What a colleague without a role does not see of a member (the policy's VIEW_RECORD).
    RECORD_FIELDS = ("ethnicity", "birth_date", "education", "occupation", "id_number", "phone")
    # Shown masked unless the role may read them, each reading audited.
    PERSONAL_FIELDS = ("id_number", "phone")
    audit_fields = (*EDITABLE_FIELDS, "organization", "status", "left_on", "user")

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["organization_id", "name", "id"]
        indexes = [
            models.Index(fields=["organization", "status"], name="member_org_status_idx"),
            # Every member in id order with their organization and status, from the index alone: how the
            # assessment's members statement reads the whole tree, merged with study records, posts and talks by
            # member (key columns, not INCLUDE, which SQLite lacks).
            models.Index(fields=["id", "organization", "status"], name="member_id_org_status_idx"),
            # The few members who left after a day (the assessment counts them for the part of its period before).
            models.Index(fields=["left_on"], condition=Q(left_on__isnull=False), name="member_left_on_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmed_on__isnull=True)
                | Q(joined_on__isnull=True)
                | Q(confirmed_on__gte=models.F("joined_on")),
                name="member_confirmed_after_joined",
                violation_error_message=_("Full membership cannot start before joining."),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        refresh_digests([self], ["id_number", "phone"])
        if (
            self.id_number_digest
            and Member.objects.filter(id_number_digest=self.id_number_digest).exclude(pk=self.pk).exists()
        ):
            raise ValidationError({"id_number": self.unique_error_message(Member, ("id_number",))})

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude={*(exclude or ()), "id_number_digest"})  # clean() says it of the number

    def save(self, *args, update_fields=None, **kwargs):
        if update_fields is not None:
            update_fields = refresh_digests([self], list(update_fields))
        super().save(*args, update_fields=update_fields, **kwargs)

    def audit_organization(self):
        return self.organization

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number or "")

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    def age(self, on=None) -> int | None:
        if not self.birth_date:
            return None
        on = on or timezone.localdate()
        b = self.birth_date
        return on.year - b.year - ((on.month, on.day) < (b.month, b.day))


JOINING_AGE = 18  # the party constitution (art. 1): a member joins at eighteen or older


def joining_problem(birth, joined, today=None) -> str:
    """What is wrong with a date of joining, in the reader's language ("" when nothing): in the future, before
    birth, or before the eighteenth birthday."""
    if not joined:
        return ""
    if joined > (today or timezone.localdate()):
        return str(_("The date of joining is in the future."))
    if birth and joined <= birth:
        return str(_("The member cannot have joined the party before being born."))
    if birth:
        years = joined.year - birth.year - ((joined.month, joined.day) < (birth.month, birth.day))
        if years < JOINING_AGE:
            return str(
                _("A member joins the party at %(age)d or older (the party constitution); this date makes %(years)d.")
                % {"age": JOINING_AGE, "years": years}
            )
    return ""


def mask_id_number(value: str) -> str:
    """Keep the region (first 6) and the check digit; hide birth date and sequence."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 7) + value[-1]


def mask_phone(value: str) -> str:
    digits = value or ""
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


# How each personal field reads for a role that may not read it: the API, the export and the audit trail mask so.
PERSONAL_MASKS = dict(zip(Member.PERSONAL_FIELDS, (mask_id_number, mask_phone), strict=True))


class PostTitle(models.TextChoices):
    SECRETARY = "secretary", _("Secretary")
    DEPUTY_SECRETARY = "deputy_secretary", _("Deputy secretary")
    ORGANIZATION = "organization", _("Committee member for organization")
    PROPAGANDA = "propaganda", _("Committee member for propaganda")
    DISCIPLINE = "discipline", _("Committee member for discipline")
    COMMITTEE = "committee", _("Committee member")
    GROUP_LEADER = "group_leader", _("Group leader")


def post_rank():
    """An ordering expression of posts by rank, as a roster lists them: the secretary first, then the deputy, the
    committee members, the group leaders (the order of PostTitle)."""
    return models.Case(
        *(models.When(title=value, then=models.Value(n)) for n, value in enumerate(PostTitle.values)),
        default=models.Value(len(PostTitle.values)),
        output_field=models.IntegerField(),
    )


class Post(TimeStampedModel):
    """A post a member holds in an organization, from a date to a date (open while held)."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="posts")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="posts"
    )
    title = models.CharField(_("title"), max_length=20, choices=PostTitle.choices)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("to"), null=True, blank=True)

    audit_fields = ("member", "organization", "title", "started_on", "ended_on")

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["organization_id", "title", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_ends_after_start",
                violation_error_message=_("A post cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_title_display()} · {self.member}"

    def audit_organization(self):
        return self.organization

    @property
    def is_current(self) -> bool:
        return self.ended_on is None or self.ended_on >= timezone.localdate()


class TransferState(models.TextChoices):
    REQUESTED = "requested", _("Awaiting acceptance")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(TimeStampedModel):
    """Transfer of a member's organizational relation from one organization to another."""

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="transfers")
    from_organization = models.ForeignKey(
        Organization, verbose_name=_("from"), on_delete=models.PROTECT, related_name="transfers_out"
    )
    to_organization = models.ForeignKey(
        Organization, verbose_name=_("to"), on_delete=models.PROTECT, related_name="transfers_in"
    )
    state = models.CharField(_("state"), max_length=20, choices=TransferState.choices, default=TransferState.REQUESTED)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note on the decision"), max_length=300, blank=True)

    audit_fields = ("member", "from_organization", "to_organization", "state", "reason", "decision_note")

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(state="requested"),
                name="one_open_transfer_per_member",
                violation_error_message=_("This member already has a transfer awaiting acceptance."),
            ),
        ]

    def __str__(self):
        return f"{self.member}: {self.from_organization} → {self.to_organization}"

    def audit_organization(self):
        return self.from_organization


class Role(models.TextChoices):
    ADMIN = "admin", _("System administrator")
    OFFICER = "officer", _("Organization officer")
    SECRETARY = "secretary", _("Secretary")
    AUDITOR = "auditor", _("Auditor")


class Grant(TimeStampedModel):
    """A role given to a user on an organization; it covers the organization's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="grants"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="grants"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    audit_fields = ("user", "organization", "role")

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["organization_id", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization", "role"],
                name="unique_grant",
                violation_error_message=_("This user already holds this role on this organization."),
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"

    def audit_organization(self):
        return self.organization
