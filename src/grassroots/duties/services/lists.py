"""Duty lists and their duties: made, changed, recurring occurrences, and lists copied into a new period."""

import calendar
import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core.audit import audit, snapshot
from grassroots.core.errors import ValidationError
from grassroots.core.models import Period, PeriodKind
from grassroots.core.policy import Action, require
from grassroots.core.text import bracketed
from grassroots.organizations.models import MemberStatus, Organization

from ..counting import refresh_counted
from ..models import (
    OPEN_STATES,
    Duty,
    DutyList,
    DutyState,
    Recurrence,
    lineage_of,
)


@transaction.atomic
def duty_list_create(*, actor, organization: Organization, period: Period | None, title: str, is_template=False):
    require(actor, Action.CHANGE, organization)
    duty_list = DutyList(organization=organization, period=period, title=title.strip(), is_template=is_template)
    duty_list.full_clean()
    duty_list.save()
    audit("duties.list.create", actor=actor, obj=duty_list, after=snapshot(duty_list, duty_list.audit_fields))
    return duty_list


def duty_list_for(*, actor, organization: Organization, period: Period) -> DutyList:
    """The organization's list for the period, made when first needed."""
    existing = DutyList.objects.filter(organization=organization, period=period, is_template=False).first()
    if existing:
        return existing
    title = _("Duty list of %(org)s, %(period)s") % {"org": organization.name, "period": period.code}
    return duty_list_create(actor=actor, organization=organization, period=period, title=title)


DUTY_FIELDS = Duty.EDITABLE_FIELDS


def _check_duty(duty: Duty) -> None:
    duty.full_clean(exclude=["lineage", "duty_list", "organization", "source_assignment", "series"])
    period = duty.duty_list.period
    if period is not None and not duty.duty_list.is_template and not period.contains(duty.due_on):
        raise ValidationError(
            {"due_on": _("The due date must lie within the period %(period)s.") % {"period": period.code}}
        )
    if duty.responsible_id and not duty.responsible.organization.is_within(duty.organization):
        raise ValidationError({"responsible": _("The responsible person must belong to this organization.")})
    if duty.recurrence == Recurrence.CUSTOM and not duty.interval_months:
        raise ValidationError({"interval_months": _("Say every how many months the duty recurs.")})
    if duty.objective_id and not duty.organization.is_within(duty.objective.organization):
        raise ValidationError({"objective": _("The objective must be this organization's or one above it.")})


@transaction.atomic
def duty_create(*, actor, duty_list: DutyList, collaborators=(), source_assignment=None, **fields) -> Duty:
    require(actor, Action.CHANGE, duty_list.organization)
    unknown = set(fields) - set(DUTY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    duty = Duty(duty_list=duty_list, organization=duty_list.organization, created_by=actor, **fields)
    duty.source_assignment = source_assignment
    _check_duty(duty)
    duty.save()
    parent = source_assignment.duty.lineage if source_assignment else ""
    duty.lineage = lineage_of(duty.pk, parent)
    duty.save(update_fields=["lineage"])
    if collaborators:
        duty.collaborators.set(collaborators)
    audit("duties.duty.create", actor=actor, obj=duty, after=snapshot(duty, duty.audit_fields))
    return duty


@transaction.atomic
def duty_update(*, actor, duty: Duty, **changes) -> Duty:
    duty = Duty.objects.select_for_update(no_key=True).get(pk=duty.pk)
    require(actor, Action.CHANGE, duty.organization)
    unknown = set(changes) - set(DUTY_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    if duty.state != DutyState.DRAFT and {"recurrence", "interval_months"} & set(changes):
        raise ValidationError(_("The recurrence of an issued duty cannot change."))
    before = snapshot(duty, duty.audit_fields)
    for key, value in changes.items():
        setattr(duty, key, value)
    _check_duty(duty)
    duty.save()
    if "due_on" in changes or "start_on" in changes:
        # Receivers whose date nobody moved follow the duty.
        duty.assignments.filter(state__in=OPEN_STATES, due_on=before["due_on"]).update(
            due_on=duty.due_on, start_on=duty.start_on
        )
    refresh_counted(duty_ids=[duty.pk])  # its area or its receivers' dates may have changed: the totals kept hear it
    audit("duties.duty.update", actor=actor, obj=duty, before=before, after=snapshot(duty, duty.audit_fields))
    return duty


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def occurrence_dates(duty: Duty) -> list[tuple[dt.date, dt.date]]:
    """(start, due) of each occurrence of a recurring duty within its period: the due day keeps its place."""
    step = {Recurrence.MONTHLY: 1, Recurrence.QUARTERLY: 3}.get(duty.recurrence, duty.interval_months or 0)
    if not step:
        return []
    period = duty.duty_list.period
    first_due = duty.due_on
    start = duty.start_on or (period.start if period else first_due)
    # Walk back to the first occurrence inside the period, then forward to its end.
    while period and _add_months(first_due, -step) >= period.start:
        first_due = _add_months(first_due, -step)
    out = []
    due = first_due
    offset = (duty.due_on - start).days if duty.start_on else None
    while period is None or due <= period.end:
        occ_start = due - dt.timedelta(days=offset) if offset is not None else _add_months(due, -step) + dt.timedelta(1)
        if period:
            occ_start = max(occ_start, period.start)
        out.append((occ_start, due))
        due = _add_months(first_due, step * len(out))
        if period is None and len(out) >= 12:
            break
    return out


@transaction.atomic
def duty_generate_occurrences(*, actor, duty: Duty) -> list[Duty]:
    """Make the occurrences of a recurring duty (each month, quarter, or N months) within its period."""
    require(actor, Action.CHANGE, duty.organization)
    if duty.recurrence == Recurrence.NONE or duty.series_id:
        raise ValidationError(_("Only a recurring duty has occurrences."))
    if duty.occurrences.exists():
        return list(duty.occurrences.all())
    made = []
    for start, due in occurrence_dates(duty):
        occurrence = Duty(
            duty_list=duty.duty_list,
            organization=duty.organization,
            series=duty,
            created_by=actor,
            **{f: getattr(duty, f) for f in DUTY_FIELDS if f not in ("recurrence", "interval_months")},
        )
        occurrence.start_on, occurrence.due_on = start, due
        occurrence.recurrence = Recurrence.NONE
        occurrence.title = bracketed(duty.title, f"{due:%Y-%m}", limit=Duty._meta.get_field("title").max_length)
        occurrence.source_assignment = duty.source_assignment
        occurrence.save()
        occurrence.lineage = lineage_of(occurrence.pk, duty.lineage)  # rolls up into its series
        occurrence.save(update_fields=["lineage"])
        made.append(occurrence)
    audit("duties.duty.occurrences", actor=actor, obj=duty, after={"count": len(made)})
    return made


def _shift(day, days):
    return day + dt.timedelta(days=days) if day else None


@transaction.atomic
def duty_list_copy(
    *,
    actor,
    source: DutyList,
    organization: Organization,
    period: Period,
    title: str = "",
    into_existing: bool = False,
) -> DutyList:
    """A new list for `period` with the duties of `source` (a template or last period's list), dates shifted.

    A period that already has a list with duties is copied into only when `into_existing` says so: typing the
    wrong year must not pour one list into another without a word.
    """
    require(actor, Action.VIEW, source.organization)
    require(actor, Action.CHANGE, organization)
    target = DutyList.objects.filter(organization=organization, period=period, is_template=False).first()
    if target is not None and target.pk == source.pk:
        raise ValidationError({"period": _("A list cannot be copied into itself: choose another period.")})
    if target is not None and not into_existing:
        held = target.duties.filter(series__isnull=True).count()
        if held:
            raise ValidationError(
                {
                    "into_existing": ngettext(
                        "%(period)s already has the list “%(title)s” with %(n)d duty; tick “Add to the existing"
                        " list” to copy into it anyway, or choose another period.",
                        "%(period)s already has the list “%(title)s” with %(n)d duties; tick “Add to the existing"
                        " list” to copy into it anyway, or choose another period.",
                        held,
                    )
                    % {"period": period.code, "title": target.title, "n": held}
                }
            )
    if target is None:
        target = duty_list_create(
            actor=actor,
            organization=organization,
            period=period,
            title=title or f"{organization.name} {period.code}",
        )
    if source.period:
        shift = (period.start - source.period.start).days
        # Keep the same day of the year: a whole number of years when periods are years.
        if period.kind == PeriodKind.YEAR and source.period.kind == PeriodKind.YEAR:
            years = period.start.year - source.period.start.year

            def move(day):
                return _add_months(day, 12 * years) if day else None
        else:

            def move(day):
                return _shift(day, shift)
    else:

        def move(day):
            if day is None:
                return None
            return dt.date(
                period.start.year,
                day.month,
                min(day.day, calendar.monthrange(period.start.year, day.month)[1]),
            )

    copied = 0
    for duty in source.duties.filter(series__isnull=True, source_assignment__isnull=True).order_by("id"):
        fields = {f: getattr(duty, f) for f in DUTY_FIELDS}
        fields["start_on"], fields["due_on"] = move(duty.start_on), move(duty.due_on)
        if fields["due_on"] and not period.contains(fields["due_on"]):
            fields["due_on"] = min(max(fields["due_on"], period.start), period.end)
        if fields["start_on"] and fields["start_on"] > fields["due_on"]:
            fields["start_on"] = None
        if fields["objective"] is not None and fields["objective"].period_id != period.pk:
            fields["objective"] = None
        if fields["responsible"] is not None and fields["responsible"].status != MemberStatus.ACTIVE:
            fields["responsible"] = None
        duty_create(actor=actor, duty_list=target, collaborators=list(duty.collaborators.all()), **fields)
        copied += 1
    audit("duties.list.copy", actor=actor, obj=target, after={"from": source.pk, "duties": copied})
    return target
