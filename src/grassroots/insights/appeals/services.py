"""Writes of the appeals: a member of the masses submits one and rates its answer (anonymous, audited without an
actor); the branch reads, answers, turns it into a duty or closes it with a reason.

The public form is guarded without any outside service: a field no person fills (the trap), a signed stamp of when
the form was given out (a form sent back within seconds is a robot's, one older than a few hours is stale), and
limits per client address (as the login lockout reads it behind a proxy) and per organization, counted in the cache.
"""

import datetime as dt
import re
import time

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core import throttle
from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import Conflict, PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.core.periods import period_for
from grassroots.core.policy import Action, can
from grassroots.core.tree import subtree_q
from grassroots.core.uploads import UploadKind, check_upload
from grassroots.duties import services as duties
from grassroots.duties.models import Dimension
from grassroots.organizations.models import Member, MemberStatus, Organization

from ..models import Appeal, AppealCategory, AppealKind, AppealPhoto, AppealState, hash_follow_code

STAMP_SALT = "grassroots.insights.appeal-form"
# A person reads the form and writes a few words: a form sent back sooner is a robot's.
MIN_SECONDS = int(getattr(settings, "GRASSROOTS_APPEAL_MIN_SECONDS", 4))
STAMP_MAX_AGE = 3 * 3600  # a form kept open longer is given out again
# Appeals accepted from one client address per hour, and by one organization per day.
CLIENT_LIMIT = int(getattr(settings, "GRASSROOTS_APPEAL_CLIENT_LIMIT", 5))
ORGANIZATION_LIMIT = int(getattr(settings, "GRASSROOTS_APPEAL_ORGANIZATION_LIMIT", 60))
# Follow codes tried from one client address per ten minutes (a code cannot be guessed by trying many).
FOLLOW_LIMIT = int(getattr(settings, "GRASSROOTS_APPEAL_FOLLOW_LIMIT", 30))
TEXT_MIN, TEXT_MAX = 5, 2000
PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")


def _clean_text(value, *, field: str, low: int, high: int, empty, short, long) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("The text contains characters that cannot be stored (such as a NUL byte).")})
    if not value:
        raise ValidationError({field: empty})
    if len(value) < low:
        raise ValidationError({field: short})
    if len(value) > high:
        raise ValidationError({field: long})
    return value


# ---------------------------------------------------------------- the public form


def form_stamp(*, organization: Organization, now: float | None = None) -> str:
    """The signed stamp a form carries: which organization's, given out when."""
    return signing.dumps({"o": organization.pk, "t": int(now if now is not None else time.time())}, salt=STAMP_SALT)


def _check_stamp(stamp: str, organization: Organization, now: float) -> None:
    try:
        data = signing.loads(stamp or "", salt=STAMP_SALT)
        given, org_id = int(data["t"]), int(data["o"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("The form could not be checked. Open the page again and send it from there."))
    if org_id != organization.pk:
        raise ValidationError(_("The form could not be checked. Open the page again and send it from there."))
    if now - given < MIN_SECONDS:
        raise ValidationError(
            _("The form was sent too quickly to have been filled in by a person. Wait a moment and send it again.")
        )
    if now - given > STAMP_MAX_AGE:
        raise ValidationError(_("The form was open too long. It has been given out again: send it once more."))


def _check_limits(organization: Organization, client: str) -> None:
    if not throttle.allow("appeal-client", client or "unknown", limit=CLIENT_LIMIT, seconds=3600):
        raise ValidationError(
            _(
                "Too many appeals were sent from this connection in the last hour. Try again in an hour, or go to the branch in person."
            )
        )
    if not throttle.allow("appeal-organization", organization.pk, limit=ORGANIZATION_LIMIT, seconds=24 * 3600):
        raise ValidationError(
            _(
                "This organization has received too many appeals today. Try again tomorrow, or go to the branch in person."
            )
        )


def _clean_phone(phone: str) -> str:
    phone = (phone or "").strip()
    if not phone:
        return ""
    if not PHONE.match(phone) or sum(ch.isdigit() for ch in phone) < 7:
        raise ValidationError({"phone": _("Write a phone number of digits only (7 to 20), or leave it empty.")})
    return re.sub(r"[ -]", "", phone)


def _secretaries(organization: Organization) -> list:
    """Those told of a new appeal: the organization's secretary, and those holding the secretary's or an officer's
    role on it."""
    users = duties.managers_of([organization.pk])
    secretary = duties.secretaries_of([organization.pk]).get(organization.pk)
    if secretary is not None and secretary.user_id:
        users.append(secretary.user)
    return users


@transaction.atomic
def appeal_submit(
    *,
    organization: Organization,
    kind: str,
    category: str,
    text: str,
    phone: str = "",
    photo=None,
    client: str = "",
    stamp: str = "",
    trap: str = "",
    now: float | None = None,
    limited: bool = True,
) -> tuple[Appeal, str]:
    """A member of the masses puts a request or problem to an organization: the appeal and its follow code (shown
    once; only its hash is kept). The branch's secretary is told. `limited`: the public form's limits per connection
    and per organization apply (False only for a trusted caller entering appeals on the public's behalf, such as the
    demo)."""
    now = now if now is not None else time.time()
    if trap:
        raise ValidationError(_("The appeal could not be accepted. Leave the last field empty and send it again."))
    _check_stamp(stamp, organization, now)
    if not organization.is_active:
        raise ValidationError(_("This organization no longer receives appeals."))
    errors = {}
    if kind not in AppealKind.values:
        errors["kind"] = _("Say whether it is a request or a problem.")
    if category not in AppealCategory.values:
        errors["category"] = _("Choose what the appeal is about.")
    if errors:
        raise ValidationError(errors)
    text = _clean_text(
        text,
        field="text",
        low=TEXT_MIN,
        high=TEXT_MAX,
        empty=_("Write what you ask for or what the problem is."),
        short=_("Say a little more: at least %(n)d characters.") % {"n": TEXT_MIN},
        long=_("An appeal is at most %(n)d characters.") % {"n": TEXT_MAX},
    )
    phone = _clean_phone(phone)
    if limited:
        _check_limits(organization, client)
    checked = None
    if photo:
        try:
            checked = check_upload(photo)
        except ValidationError as exc:
            raise ValidationError({"photo": exc.messages})
        if checked.kind != UploadKind.IMAGE:
            raise ValidationError({"photo": _("Only a photo can be sent with an appeal (JPEG, PNG, GIF or WebP).")})
    code = Appeal.new_follow_code()
    appeal = Appeal.objects.create(
        organization=organization,
        number=hash_follow_code(code)[:20],  # replaced by the number of the row just below
        follow_hash=hash_follow_code(code),
        kind=kind,
        category=category,
        text=text,
        phone=phone,
    )
    appeal.number = f"{timezone.localdate():%Y}-{appeal.pk:06d}"
    appeal.save(update_fields=["number"])
    if checked is not None:
        AppealPhoto(appeal=appeal).attach(checked).save()
    # No actor: the public submits. The phone stays out of the trail; only whether one was given.
    audit(
        "insights.appeal.submit",
        obj=appeal,
        after={
            **snapshot(appeal, ("organization", "kind", "category", "state")),
            "contact": bool(phone),
            "photo": checked is not None,
        },
    )
    notify(
        _secretaries(organization),
        "insights.appeal.new",
        params={"number": appeal.number, "organization": organization.name},
        url=reverse("insights:appeal", args=[appeal.pk]),
        obj=appeal,
        dedupe_key=f"appeal:{appeal.pk}",
    )
    return appeal, code


def follow_allowed(*, client: str) -> bool:
    """Whether another follow code may be tried from this client address now."""
    return throttle.allow("appeal-follow", client or "unknown", limit=FOLLOW_LIMIT, seconds=600)


@transaction.atomic
def appeal_rate(*, appeal: Appeal, rating, comment: str = "") -> Appeal:
    """The requester rates the answer, once, after the branch responded (1 to 5 and a comment)."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.first_response_at is None:
        raise ValidationError(_("The appeal can be rated once the organization has answered it."))
    if appeal.rating is not None:
        raise Conflict(_("This appeal has already been rated. Each appeal is rated once."))
    try:
        rating = int(str(rating).strip())
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 (poor) to 5 (very good).")})
    comment = (comment or "").strip()
    if "\x00" in comment:
        raise ValidationError(
            {"comment": _("The text contains characters that cannot be stored (such as a NUL byte).")}
        )
    if len(comment) > 500:
        raise ValidationError({"comment": _("A comment is at most 500 characters.")})
    before = snapshot(appeal, Appeal.audit_fields)
    appeal.rating, appeal.rating_comment, appeal.rated_at = rating, comment, timezone.now()
    appeal.version += 1
    appeal.save(update_fields=["rating", "rating_comment", "rated_at", "version", "updated_at"])
    audit("insights.appeal.rate", obj=appeal, before=before, after=snapshot(appeal, Appeal.audit_fields))
    return appeal


# ---------------------------------------------------------------- the branch


def _locked(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update(of=("self",)).select_related("organization").get(pk=appeal.pk)


def appeal_answer_check(*, actor, appeal: Appeal) -> None:
    """The organization's secretary and its officers (those who change its records) answer its appeals."""
    if not can(actor, Action.CHANGE, appeal.organization):
        raise PermissionDenied(_("Only the organization's secretary or its officers answer its appeals."))
    if appeal.state == AppealState.CLOSED:
        raise ValidationError(_("This appeal is closed."))


@transaction.atomic
def appeal_read(*, actor, appeal: Appeal) -> bool:
    """The first time one who answers opens the appeal, it is no longer unread (True when this call marked it)."""
    if appeal.read_at is not None or not can(actor, Action.CHANGE, appeal.organization):
        return False
    updated = Appeal.objects.filter(pk=appeal.pk, read_at__isnull=True).update(read_at=timezone.now())
    if updated:
        audit("insights.appeal.read", actor=actor, obj=appeal, after={"read": True})
    return bool(updated)


def _responded(appeal: Appeal, actor) -> None:
    now = timezone.now()
    if appeal.first_response_at is None:
        appeal.first_response_at = now
        appeal.response_seconds = max(0, int((now - appeal.created_at).total_seconds()))
    if appeal.read_at is None:
        appeal.read_at = now
    appeal.answered_by = actor
    appeal.version += 1


@transaction.atomic
def appeal_answer(*, actor, appeal: Appeal, answer: str) -> Appeal:
    """Answer the appeal (or change the answer): the requester reads it on the appeal's page."""
    appeal = _locked(appeal)
    appeal_answer_check(actor=actor, appeal=appeal)
    answer = _clean_text(
        answer,
        field="answer",
        low=2,
        high=4000,
        empty=_("Write the answer."),
        short=_("Write the answer."),
        long=_("An answer is at most 4,000 characters."),
    )
    before = snapshot(appeal, Appeal.audit_fields)
    appeal.answer, appeal.answered_at = answer, timezone.now()
    if appeal.state == AppealState.NEW:
        appeal.state = AppealState.ANSWERED
    _responded(appeal, actor)
    appeal.save()
    audit("insights.appeal.answer", actor=actor, obj=appeal, before=before, after=snapshot(appeal, Appeal.audit_fields))
    return appeal


def appeal_to_duty_check(*, actor, appeal: Appeal) -> None:
    appeal_answer_check(actor=actor, appeal=appeal)
    if appeal.assignment_id is not None:
        raise ValidationError(_("This appeal is already a duty."))


def responsible_choices(organization: Organization):
    """Who may be made responsible for an appeal's duty: the active members of the organization and below it."""
    members = Member.objects.filter(subtree_q(organization.path, "organization__path"), status=MemberStatus.ACTIVE)
    return members.order_by("name", "pk")


@transaction.atomic
def appeal_to_duty(
    *,
    actor,
    appeal: Appeal,
    responsible: Member,
    due_on: dt.date,
    title: str = "",
    answer: str = "",
    dimension: str = Dimension.WORK_STYLE,
) -> Appeal:
    """Turn the appeal into a duty of its organization, with a responsible person and a due date: the duty is made in
    the organization's list for the due date's year and issued to the organization itself (one assignment), whose
    progress the requester then follows on the appeal's page."""
    appeal = _locked(appeal)
    appeal_to_duty_check(actor=actor, appeal=appeal)
    errors = {}
    if not isinstance(due_on, dt.date):
        errors["due_on"] = _("Give the date by which it will be done.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("The due date cannot be in the past.")
    if responsible is None or not responsible_choices(appeal.organization).filter(pk=responsible.pk).exists():
        errors["responsible"] = _("Choose a member of this organization as the responsible person.")
    title = (title or "").strip() or appeal.text.splitlines()[0]
    if len(title) > 200:
        title = title[:199] + "…"
    answer = (answer or "").strip()
    if len(answer) > 4000:
        errors["answer"] = _("An answer is at most 4,000 characters.")
    if "\x00" in title + answer:
        errors["title"] = _("The text contains characters that cannot be stored (such as a NUL byte).")
    if errors:
        raise ValidationError(errors)
    duty_list = duties.duty_list_for(actor=actor, organization=appeal.organization, period=period_for(str(due_on.year)))
    duty = duties.duty_create(
        actor=actor,
        duty_list=duty_list,
        title=title,
        dimension=dimension,
        due_on=due_on,
        responsible=responsible,
        requirement=_("Appeal %(number)s from the masses: %(text)s") % {"number": appeal.number, "text": appeal.text},
    )
    duties.duty_issue(actor=actor, duty=duty)
    before = snapshot(appeal, Appeal.audit_fields)
    appeal.assignment = duty.assignments.get(organization=appeal.organization)
    appeal.state = AppealState.IN_DUTY
    if answer:
        appeal.answer, appeal.answered_at = answer, timezone.now()
    _responded(appeal, actor)
    appeal.save()
    audit(
        "insights.appeal.to_duty", actor=actor, obj=appeal, before=before, after=snapshot(appeal, Appeal.audit_fields)
    )
    return appeal


def appeal_close_check(*, actor, appeal: Appeal) -> None:
    appeal_answer_check(actor=actor, appeal=appeal)


@transaction.atomic
def appeal_close(*, actor, appeal: Appeal, reason: str) -> Appeal:
    """Close the appeal with the reason the requester reads (done, not the organization's to handle, a duplicate)."""
    appeal = _locked(appeal)
    appeal_close_check(actor=actor, appeal=appeal)
    reason = _clean_text(
        reason,
        field="reason",
        low=2,
        high=500,
        empty=_("Say why the appeal is closed."),
        short=_("Say why the appeal is closed."),
        long=_("A reason is at most 500 characters."),
    )
    before = snapshot(appeal, Appeal.audit_fields)
    appeal.state, appeal.close_reason, appeal.closed_at = AppealState.CLOSED, reason, timezone.now()
    _responded(appeal, actor)
    appeal.save()
    audit("insights.appeal.close", actor=actor, obj=appeal, before=before, after=snapshot(appeal, Appeal.audit_fields))
    return appeal


@transaction.atomic
def appeal_reveal_phone(*, actor, appeal: Appeal) -> str:
    """The requester's phone unmasked, for a role that reads personal data; every reading is audited."""
    if not can(actor, Action.VIEW_PERSONAL, appeal):
        raise PermissionDenied(_("Your role does not allow reading personal data."))
    audit("core.personal_data.read", actor=actor, obj=appeal, after={"fields": ["phone"]})
    return appeal.phone
