"""Core models: the user account and the append-only, hash-chained audit trail."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .labels import action_label, kind_message


class TextSize(models.TextChoices):
    """How large the pages write (ageing-friendly): the root size every other size follows."""

    STANDARD = "standard", _("Standard")
    LARGE = "large", _("Large")
    XLARGE = "xlarge", _("Extra large")


class User(AbstractUser):
    """A person who logs in: a member with an account, or staff of an organization department."""

    language = models.CharField(_("language"), max_length=10, blank=True, default="")
    text_size = models.CharField(_("text size"), max_length=10, choices=TextSize.choices, default=TextSize.STANDARD)
    # When the password was last set (the expiry policy counts from it; from date_joined before it was kept).
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # A one-time password given by an officer: the user chooses one of their own before anything else.
    password_given = models.BooleanField(_("password given by an officer"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def set_password(self, raw_password):
        from django.utils import timezone

        super().set_password(raw_password)
        self.password_changed_at = timezone.now()
        self.password_given = False  # set again by whoever gives a one-time password (organizations' services)

    def display_name(self) -> str:
        member = getattr(self, "member", None)
        if member is not None:
            return member.name
        return self.get_full_name() or self.username


class PasswordHistory(models.Model):
    """A password a user had, as its hash only: a new password may not be one of the newest
    GRASSROOTS_PASSWORD_HISTORY (core.passwords.PasswordHistoryValidator, which also keeps these rows)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history", verbose_name=_("user")
    )
    password = models.CharField(_("password hash"), max_length=128)
    set_at = models.DateTimeField(_("set at"))

    class Meta:
        verbose_name = _("earlier password")
        verbose_name_plural = _("earlier passwords")
        ordering = ["-set_at", "-id"]
        indexes = [models.Index(fields=["user", "-set_at"], name="password_history_user_idx")]

    def __str__(self):
        return f"{self.user_id} {self.set_at:%Y-%m-%d %H:%M}"


class TimeStampedModel(models.Model):
    """Base of the domain models: when a row was made and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class AppendOnlyError(Exception):
    """An audit entry was about to be changed or deleted."""


# The chain of the entries written before the trail had one chain per region (they verify as they did), and the
# chain of entries that name no organization.
LEGACY_CHAIN = "legacy"
SYSTEM_CHAIN = "system"


class AuditResult(models.TextChoices):
    """How the recorded event ended: done (every write, reading and sign-in recorded by its service), refused by the
    permission policy (a write the actor may not make: nothing of it was kept), or failed (a sign-in)."""

    DONE = "done", pgettext_lazy("audit result", "Succeeded")
    REFUSED = "refused", pgettext_lazy("audit result", "Refused")
    FAILED = "failed", pgettext_lazy("audit result", "Failed")


class AuditEntry(models.Model):
    """One recorded action: who did what to which object, before and after; chained by hash to the last entry of
    its chain (one chain per region, core.audit.chain_of)."""

    # The entry's number in the whole trail, from the database's sequence (unique, in order of writing, not gapless).
    seq = models.BigAutoField(_("sequence"), primary_key=True)
    # The region's chain the entry belongs to, and its place in that chain (1, 2, 3... without gaps).
    chain = models.CharField(_("chain"), max_length=40)
    chain_seq = models.BigIntegerField(_("sequence in the chain"))
    at = models.DateTimeField(_("time"), db_index=True)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=80, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    organization_id = models.BigIntegerField(_("organization id"), null=True, blank=True)
    org_path = models.CharField(_("organization path"), max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64)
    # The fingerprint of the key the hash was made with (HMAC-SHA256); empty: a plain SHA-256, before any key.
    key_id = models.CharField(_("key"), max_length=16, blank=True, default="")
    # Success or failure of the event (every entry written before there was a result was of a done event).
    result = models.CharField(
        pgettext_lazy("audit result", "Result"), max_length=10, choices=AuditResult.choices, default=AuditResult.DONE
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["result", "-seq"], name="audit_result_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["chain", "chain_seq"], name="audit_chain_seq_uniq")]

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("audit entries are append-only")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit entries are append-only")

    @property
    def label(self):
        return action_label(self.action)


class AuditChainHead(models.Model):
    """The last link of one audit chain, so that deleting its newest entries is detected too; an entry's write locks
    its own chain's head only."""

    chain = models.CharField(max_length=40, primary_key=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self):
        return f"{self.chain} #{self.seq} {self.hash[:12]}"


class PeriodKind(models.TextChoices):
    YEAR = "year", _("Year")
    HALF = "half", _("Half year")
    QUARTER = "quarter", _("Quarter")
    MONTH = "month", _("Month")


class Period(models.Model):
    """A stretch of time that duty lists, objectives and assessments belong to: a year, a quarter, a month."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=PeriodKind.choices)
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))

    class Meta:
        verbose_name = _("period")
        verbose_name_plural = _("periods")
        ordering = ["start", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="period_end_after_start",
                violation_error_message=_("A period cannot end before it starts."),
            )
        ]

    def __str__(self):
        return self.code

    def contains(self, day) -> bool:
        return self.start <= day <= self.end


class Notification(models.Model):
    """A message to one user about one object; rendered in the reader's language from its kind and params."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    kind = models.CharField(_("kind"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    dedupe_key = models.CharField(max_length=160, null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                name="notification_once",
                condition=models.Q(dedupe_key__isnull=False),
            )
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient_id}"

    @property
    def text(self) -> str:
        return kind_message(self.kind, self.params)


class WebhookDelivery(models.Model):
    """An outgoing webhook call waiting to be delivered, retried with back-off until it succeeds or gives up."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Gave up")

    event = models.CharField(max_length=60)
    payload = models.JSONField()
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["id"]

    def __str__(self):
        return f"{self.event} #{self.pk} ({self.state})"


class ApiToken(models.Model):
    """A key an API client sends as `Authorization: Token …`: only its keyed digest is stored, it expires and can be
    revoked; the key itself is shown once, when it is issued."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=80, blank=True)
    digest = models.CharField(_("digest"), max_length=64, unique=True)  # HMAC-SHA256 of the key (core.tokens)
    prefix = models.CharField(_("beginning"), max_length=12)  # the key's first characters, to tell tokens apart
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.prefix}… ({self.user_id})"

    def is_active(self, at=None) -> bool:
        from django.utils import timezone

        return self.revoked_at is None and self.expires_at > (at or timezone.now())


class SignIn(models.Model):
    """One sign-in of a user (a session), kept so that the user sees where they are signed in and ends a session."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sign_ins")
    session_key = models.CharField(max_length=40, unique=True)
    at = models.DateTimeField(_("signed in"), auto_now_add=True)
    ip = models.CharField(_("from where"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user} {self.at:%Y-%m-%d %H:%M}"


class JobState(models.TextChoices):
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


class Job(models.Model):
    """A long action started from a page (an import, an assessment's computing): its stage and progress, written
    by the work in its own transactions as it goes, read by the page every second; then its result."""

    kind = models.CharField(max_length=60)
    title = models.CharField(max_length=200)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.RUNNING)
    stage = models.CharField(max_length=200, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.title} · {self.get_state_display()}"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0
