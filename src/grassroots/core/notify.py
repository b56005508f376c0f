"""Notifications: in-app, by e-mail in the reader's language, and a signed outgoing webhook with retries."""

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from .labels import is_kind
from .models import Notification, WebhookDelivery

log = logging.getLogger(__name__)
MAX_WEBHOOK_ATTEMPTS = 8


def _language_of(user) -> str:
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


@transaction.atomic
def notify(recipients, kind: str, *, params=None, url: str = "", obj=None, dedupe_key: str | None = None) -> int:
    """Notify each recipient once (per dedupe key); returns how many notifications were new."""
    if not is_kind(kind):
        raise ValueError(f"unregistered notification kind {kind!r}")
    params = params or {}
    recipients = [r for r in {r.pk: r for r in recipients if r is not None}.values()]
    if not recipients:
        return 0
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    if dedupe_key:
        seen = set(
            Notification.objects.filter(recipient__in=recipients, dedupe_key=dedupe_key).values_list(
                "recipient_id", flat=True
            )
        )
        recipients = [r for r in recipients if r.pk not in seen]
    rows = [
        Notification(
            recipient=r,
            kind=kind,
            params=params,
            url=url,
            object_type=object_type,
            object_id=object_id,
            dedupe_key=dedupe_key,
        )
        for r in recipients
    ]
    Notification.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=bool(dedupe_key))
    if dedupe_key and rows:
        # Rows inserted with ignore_conflicts come back without ids: read them back for the e-mails.
        rows = list(
            Notification.objects.filter(
                recipient__in=recipients, dedupe_key=dedupe_key, emailed_at__isnull=True
            ).select_related("recipient")
        )
    if rows:
        transaction.on_commit(lambda: _email(rows))
        if settings.GRASSROOTS_WEBHOOK_URL:
            _enqueue_webhook(kind, params, url, object_type, object_id, recipients)
    return len(rows)


def _email(rows) -> None:
    for row in rows:
        user = row.recipient
        if not user.email:
            continue
        with translation.override(_language_of(user)):
            text = row.text
            link = f"{settings.GRASSROOTS_BASE_URL}{row.url}" if row.url else ""
            try:
                send_mail(str(_("Grassroots")) + ": " + text[:80], f"{text}\n\n{link}".strip(), None, [user.email])
            except OSError as exc:  # a mail server that is down must not lose the in-app notification
                log.warning("mail to %s failed: %s", user.email, exc)
                continue
        Notification.objects.filter(pk=row.pk).update(emailed_at=timezone.now())


def _enqueue_webhook(kind, params, url, object_type, object_id, recipients) -> None:
    payload = {
        "event": kind,
        "params": params,
        "url": f"{settings.GRASSROOTS_BASE_URL}{url}" if url else "",
        "object": {"type": object_type, "id": object_id},
        "recipients": [{"username": r.get_username(), "email": r.email} for r in recipients],
        "at": timezone.now().isoformat(),
    }
    WebhookDelivery.objects.create(event=kind, payload=payload, next_attempt_at=timezone.now())


def sign(body: bytes) -> str:
    secret = settings.GRASSROOTS_WEBHOOK_SECRET.encode()
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def deliver_webhooks(*, now=None, timeout: float = 5.0) -> dict:
    """Send due webhook calls; failures are retried with exponential back-off, then given up."""
    now = now or timezone.now()
    sent = failed = 0
    due = WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
    for delivery in due.order_by("id")[:500]:
        body = json.dumps(delivery.payload, ensure_ascii=False, sort_keys=True).encode()
        request = urllib.request.Request(
            settings.GRASSROOTS_WEBHOOK_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "X-Grassroots-Event": delivery.event,
                "X-Grassroots-Delivery": str(delivery.pk),
                "X-Grassroots-Signature": sign(body),
            },
        )
        delivery.attempts += 1
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (configured URL)
                ok = 200 <= response.status < 300
                error = "" if ok else f"HTTP {response.status}"
        except (urllib.error.URLError, OSError, ValueError) as exc:
            ok, error = False, str(exc)[:300]
        if ok:
            delivery.state = WebhookDelivery.State.DELIVERED
            delivery.delivered_at = timezone.now()
            sent += 1
        else:
            delivery.last_error = error
            if delivery.attempts >= MAX_WEBHOOK_ATTEMPTS:
                delivery.state = WebhookDelivery.State.FAILED
            delivery.next_attempt_at = now + dt.timedelta(minutes=2**delivery.attempts)
            failed += 1
        delivery.save()
    return {"sent": sent, "failed": failed}


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
