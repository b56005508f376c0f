"""Writes of disclosure: the committees' rules, each organization's publications, released minutes, notices."""

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import PermissionDenied, ValidationError
from grassroots.core.notify import notify
from grassroots.organizations.models import Organization
from grassroots.orglife.models import Meeting, MeetingState

from .models import PER_ITEM, DisclosureRule, Item, Level, Notice, NoticeRead, Publication, ReleasedMinutes
from .rules import rule_above, standings
from .selectors import may_publish, may_set_rules, notice_addressees, notice_list

# --- The committees' rules ---------------------------------------------------------------------------------------


def disclosure_rule_set_check(*, actor, organization: Organization, item: str = "", level: str = "") -> None:
    if not may_set_rules(actor, organization):
        raise PermissionDenied(_("Only the officers of a committee set its rules of disclosure."))
    if not item and not level:
        return
    if item not in Item.values:
        raise ValidationError({"item": _("Choose an item of the public site.")})
    if level not in Level.values:
        raise ValidationError({"level": _("Choose whether it must be public, may be public or is not public.")})
    if item == Item.NOTICES and level == Level.MUST:
        raise ValidationError({"level": _("Each notice is made public or not by its poster: a rule says may or not.")})
    above = rule_above(organization, item)
    if above is not None and above.level != Level.MAY and above.level != level:
        raise ValidationError(
            {
                "level": _("%(org)s above has ruled: %(level)s. A rule below cannot change it.")
                % {"org": above.organization.display_name(), "level": above.get_level_display()}
            }
        )


@transaction.atomic
def disclosure_rule_set(*, actor, organization: Organization, item: str, level: str) -> DisclosureRule:
    """Set what the subtree of a committee must, may or may not publish of a kind of item (the nearest rule wins;
    a rule that says must or not binds the rules below it)."""
    disclosure_rule_set_check(actor=actor, organization=organization, item=item, level=level)
    rule = DisclosureRule.objects.select_for_update().filter(organization=organization, item=item).first()
    before = snapshot(rule, DisclosureRule.audit_fields) if rule else None
    if rule is None:
        rule = DisclosureRule(organization=organization, item=item)
    rule.level, rule.set_by = level, actor
    rule.save()
    audit("disclosure.rule.set", actor=actor, obj=rule, before=before, after=snapshot(rule, rule.audit_fields))
    return rule


@transaction.atomic
def disclosure_rule_delete(*, actor, rule: DisclosureRule) -> None:
    """Remove a rule: the rule above it (or the default) applies again."""
    disclosure_rule_set_check(actor=actor, organization=rule.organization)
    audit("disclosure.rule.delete", actor=actor, obj=rule, before=snapshot(rule, rule.audit_fields))
    rule.delete()


# --- Publishing and withdrawing --------------------------------------------------------------------------------------


def _standing(organization: Organization, item: str):
    if item not in Item.values:
        raise ValidationError({"item": _("Choose an item of the public site.")})
    return standings(organization)[item]


def _require_publisher(actor, organization: Organization) -> None:
    if not may_publish(actor, organization):
        raise PermissionDenied(_("Only the organization's secretary or its officers publish its items."))


def publication_publish_check(*, actor, organization: Organization, item: str) -> None:
    _require_publisher(actor, organization)
    standing = _standing(organization, item)
    if item in PER_ITEM:
        raise ValidationError(_("Minutes and notices are published one at a time."))
    if standing.level == Level.NEVER:
        raise ValidationError(_("The rules of disclosure keep this item off the public site."))
    if standing.level == Level.MUST:
        raise ValidationError(_("The rules of disclosure make this item public already."))
    if standing.published:
        raise ValidationError(_("This item is already published."))


@transaction.atomic
def publication_publish(*, actor, organization: Organization, item: str) -> Publication:
    """Publish a kind of item the rules leave to the organization, on its public site."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    publication_publish_check(actor=actor, organization=organization, item=item)
    try:
        with transaction.atomic():
            publication = Publication.objects.create(organization=organization, item=item, published_by=actor)
    except IntegrityError:
        raise ValidationError(_("This item is already published."))
    audit(
        "disclosure.item.publish", actor=actor, obj=publication, after=snapshot(publication, Publication.audit_fields)
    )
    return publication


def publication_withdraw_check(*, actor, organization: Organization, item: str) -> None:
    _require_publisher(actor, organization)
    standing = _standing(organization, item)
    if standing.level == Level.MUST and item not in PER_ITEM:
        raise ValidationError(_("The rules of disclosure say this item must be public: it cannot be withdrawn."))
    if not standing.published:
        raise ValidationError(_("This item is not published."))


@transaction.atomic
def publication_withdraw(*, actor, organization: Organization, item: str) -> None:
    """Take a kind of item off the organization's public site (where the rules leave it to the organization)."""
    Organization.objects.select_for_update().get(pk=organization.pk)
    publication_withdraw_check(actor=actor, organization=organization, item=item)
    publication = Publication.objects.get(organization=organization, item=item)
    audit(
        "disclosure.item.withdraw", actor=actor, obj=publication, before=snapshot(publication, Publication.audit_fields)
    )
    publication.delete()


# --- Minutes released per meeting ------------------------------------------------------------------------------------


def minutes_release_check(*, actor, meeting: Meeting) -> None:
    _require_publisher(actor, meeting.organization)
    standing = standings(meeting.organization)[Item.MINUTES]
    if standing.level == Level.NEVER:
        raise ValidationError(_("The rules of disclosure keep minutes off the public site."))
    if standing.level == Level.MUST:
        raise ValidationError(_("The rules of disclosure make every meeting's minutes public already."))
    if meeting.state != MeetingState.HELD:
        raise ValidationError(_("Only the minutes of a meeting held are released."))
    if not meeting.minutes.strip():
        raise ValidationError(_("This meeting has no minutes to release."))
    if ReleasedMinutes.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("These minutes are already public."))


@transaction.atomic
def minutes_release(*, actor, meeting: Meeting) -> ReleasedMinutes:
    """Release a meeting's minutes to its organization's public site (the meeting's own record is untouched)."""
    meeting = Meeting.objects.select_for_update().select_related("organization").get(pk=meeting.pk)
    minutes_release_check(actor=actor, meeting=meeting)
    released = ReleasedMinutes.objects.create(meeting=meeting, released_by=actor)
    audit("disclosure.minutes.release", actor=actor, obj=released, after={"meeting": meeting.pk})
    return released


def minutes_withdraw_check(*, actor, meeting: Meeting) -> None:
    _require_publisher(actor, meeting.organization)
    if not ReleasedMinutes.objects.filter(meeting=meeting).exists():
        raise ValidationError(_("These minutes are not released."))


@transaction.atomic
def minutes_withdraw(*, actor, meeting: Meeting) -> None:
    """Take a meeting's minutes off the public site."""
    meeting = Meeting.objects.select_for_update().select_related("organization").get(pk=meeting.pk)
    minutes_withdraw_check(actor=actor, meeting=meeting)
    released = ReleasedMinutes.objects.get(meeting=meeting)
    audit("disclosure.minutes.withdraw", actor=actor, obj=released, before={"meeting": meeting.pk})
    released.delete()


# --- Notices -----------------------------------------------------------------------------------------------------------


def notice_post_check(*, actor, organization: Organization) -> None:
    if not may_publish(actor, organization):
        raise PermissionDenied(_("Only the organization's secretary or its officers post its notices."))


def _clean_notice(organization: Organization, title: str, body: str, public: bool) -> tuple[str, str, bool]:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the notice a title.")
    elif len(title) > 200:
        errors["title"] = _("A title is at most 200 characters.")
    if not body:
        errors["body"] = _("Write the text of the notice.")
    elif len(body) > 20000:
        errors["body"] = _("A notice is at most 20,000 characters.")
    if public and standings(organization)[Item.NOTICES].level == Level.NEVER:
        errors["public"] = _("The rules of disclosure keep notices off the public site.")
    if errors:
        raise ValidationError(errors)
    return title, body, bool(public)


@transaction.atomic
def notice_post(*, actor, organization: Organization, title: str, body: str, public: bool = False) -> Notice:
    """Post a notice to the organization's subtree (its members and those of every organization below), and to
    its public site if `public` (within the rules of disclosure)."""
    notice_post_check(actor=actor, organization=organization)
    title, body, public = _clean_notice(organization, title, body, public)
    notice = Notice.objects.create(organization=organization, title=title, body=body, public=public, posted_by=actor)
    audit("disclosure.notice.post", actor=actor, obj=notice, after=snapshot(notice, Notice.audit_fields))
    notify(
        notice_addressees(notice),
        "disclosure.notice_posted",
        params={"org": organization.name, "title": notice.title[:120]},
        url=reverse("disclosure:notice", args=[notice.pk]),
        obj=notice,
        dedupe_key=f"notice:{notice.pk}",
    )
    return notice


def notice_withdraw_check(*, actor, notice: Notice) -> None:
    notice_post_check(actor=actor, organization=notice.organization)
    if notice.is_withdrawn:
        raise ValidationError(_("This notice is already withdrawn."))


@transaction.atomic
def notice_withdraw(*, actor, notice: Notice) -> Notice:
    """Withdraw a notice: its readers no longer see it, nor does the public site (the record stays)."""
    notice = Notice.objects.select_for_update().select_related("organization").get(pk=notice.pk)
    notice_withdraw_check(actor=actor, notice=notice)
    before = snapshot(notice, Notice.audit_fields)
    notice.withdrawn_at, notice.withdrawn_by = timezone.now(), actor
    notice.save(update_fields=["withdrawn_at", "withdrawn_by", "updated_at"])
    audit(
        "disclosure.notice.withdraw",
        actor=actor,
        obj=notice,
        before=before,
        after=snapshot(notice, Notice.audit_fields),
    )
    return notice


@transaction.atomic
def notice_read(*, actor, notice: Notice) -> bool:
    """Mark a notice read by its reader (once; True when this call marked it)."""
    if actor is None or not actor.is_authenticated or not notice_list(user=actor).filter(pk=notice.pk).exists():
        raise ValidationError(_("This notice is not addressed to you."))
    if notice.is_withdrawn:
        raise ValidationError(_("This notice was withdrawn."))
    receipt, created = NoticeRead.objects.get_or_create(notice=notice, user=actor)
    if created:
        audit("disclosure.notice.read", actor=actor, obj=notice, after={"read": True})
    return created
