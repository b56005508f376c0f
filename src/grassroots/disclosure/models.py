"""Disclosure (党务公开) and notices (通知公告): what each organization publishes, within its committees' rules."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grassroots.core.models import TimeStampedModel
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Meeting


class Item(models.TextChoices):
    """What an organization's public site may show, one kind of item each."""

    DUTIES = "duties", _("Duty list and progress")
    MEETINGS = "meetings", _("Meetings held")
    MINUTES = "minutes", _("Minutes of meetings")
    RESULTS = "results", _("Assessment results")
    BOARD = "board", _("Red/yellow board")
    RECTIFICATIONS = "rectifications", _("Rectifications")
    COMMENDATIONS = "commendations", _("Commendations")
    NOTICES = "notices", _("Notices")


# The kinds published one item at a time (a meeting's minutes, a notice); the others are published as a whole.
PER_ITEM = (Item.MINUTES, Item.NOTICES)


class Level(models.TextChoices):
    """What a committee's rule says of a kind of item for its subtree."""

    MUST = "must", _("Must be public")
    MAY = "may", _("May be public")
    NEVER = "never", _("Not public")


# Where no committee has set a rule: what the party's rules on disclosure ask of every organization (its duties,
# its meetings, its results and honours in the open), the rest at the organization's choice.
DEFAULT_LEVELS = {
    Item.DUTIES: Level.MUST,
    Item.MEETINGS: Level.MUST,
    Item.MINUTES: Level.MAY,
    Item.RESULTS: Level.MUST,
    Item.BOARD: Level.MUST,
    Item.RECTIFICATIONS: Level.MAY,
    Item.COMMENDATIONS: Level.MUST,
    Item.NOTICES: Level.MAY,
}


class DisclosureRule(TimeStampedModel):
    """A committee's rule for its subtree: a kind of item must be public, may be, or is not (the nearest wins)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="disclosure_rules", verbose_name=_("organization")
    )
    item = models.CharField(_("item"), max_length=20, choices=Item.choices)
    level = models.CharField(_("rule"), max_length=8, choices=Level.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    audit_fields = ("organization", "item", "level")

    class Meta:
        verbose_name = _("rule of disclosure")
        verbose_name_plural = _("rules of disclosure")
        ordering = ["organization__path", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item"],
                name="one_disclosure_rule_per_item",
                violation_error_message=_("This organization already has a rule for this item."),
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_item_display()} · {self.get_level_display()}"

    def audit_organization(self):
        return self.organization


class Publication(TimeStampedModel):
    """An organization's choice to publish a kind of item its rules leave to it (withdrawn: the row is removed)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="publications", verbose_name=_("organization")
    )
    item = models.CharField(_("item"), max_length=20, choices=Item.choices)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    audit_fields = ("organization", "item")

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["organization__path", "item"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "item"],
                name="one_publication_per_item",
                violation_error_message=_("This item is already published."),
            )
        ]

    def __str__(self):
        return f"{self.organization} · {self.get_item_display()}"

    def audit_organization(self):
        return self.organization


class ReleasedMinutes(TimeStampedModel):
    """The minutes of a meeting its organization released to its public site (the meeting itself is untouched)."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="released_minutes", verbose_name=_("meeting")
    )
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    audit_fields = ("meeting",)

    class Meta:
        verbose_name = _("released minutes")
        verbose_name_plural = _("released minutes")

    def __str__(self):
        return str(self.meeting)

    def audit_organization(self):
        return self.meeting.organization


class Notice(TimeStampedModel):
    """A notice (通知公告) an organization posts to its subtree, and to its public site if it says so."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="notices", verbose_name=_("posted by")
    )
    title = models.CharField(pgettext_lazy("notice", "title"), max_length=200)
    body = models.TextField(_("text"))
    public = models.BooleanField(_("also on the public site"), default=False)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    EDITABLE_FIELDS = ("title", "body", "public")
    audit_fields = ("organization", "title", "public", "withdrawn_at")

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "created_at"], name="notice_org_created_idx")]

    def __str__(self):
        return self.title

    def audit_organization(self):
        return self.organization

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


class NoticeRead(models.Model):
    """A reader's receipt of a notice: who read it and when."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "user"],
                name="one_receipt_per_reader",
                violation_error_message=_("This notice is already marked read."),
            )
        ]

    def __str__(self):
        return f"{self.notice} · {self.user}"

    def audit_organization(self):
        return self.notice.organization
