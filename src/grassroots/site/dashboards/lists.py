"""The lists behind a dashboard's figures, read through the apps' selectors (cut down by the policy) with the
filters a figure's link carries: the count of each list is the figure it came from."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grassroots.accountability import selectors as pursuit_selectors
from grassroots.duties import selectors as duty_selectors
from grassroots.duties.models import Dimension, Light
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import MemberStatus
from grassroots.orglife import selectors as life_selectors
from grassroots.orglife.models import MeetingKind


class ListFilterForm(forms.Form):
    """The filters a figure's link may carry; anything else in the address is ignored."""

    light = forms.ChoiceField(label=_("Light"), required=False, choices=[("", _("All")), *Light.choices])
    dimension = forms.ChoiceField(
        label=_("Area of construction"), required=False, choices=[("", _("All")), *Dimension.choices]
    )
    kind = forms.ChoiceField(label=_("Meeting"), required=False, choices=[("", _("All")), *MeetingKind.choices])
    month = forms.RegexField(label=_("Month"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    accepted = forms.RegexField(label=_("Accepted in"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
    visited = forms.ChoiceField(
        label=_("Visited in the period"), required=False, choices=[("", _("All")), ("1", _("Yes")), ("0", _("No"))]
    )

    def described(self) -> list[tuple[str, str]]:
        """The filters in force, as (label, value) in the reader's language, for the page to say what it lists."""
        if not self.is_bound or not self.is_valid():
            return []
        out = []
        for name, field in self.fields.items():
            raw = self.data.get(name)
            if raw:
                choices = dict(getattr(field, "choices", ()))
                out.append((str(field.label), str(choices.get(raw, raw))))
        return out

    def clean_month(self):
        return _month(self.cleaned_data["month"])

    def clean_accepted(self):
        return _month(self.cleaned_data["accepted"])


def _month(value: str):
    if not value:
        return None
    year, month = (int(part) for part in value.split("-"))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass(frozen=True)
class Column:
    header: str
    value: object  # row -> text
    link: object = None  # row -> address, or None


def _span(period, month):
    return month if month is not None else (period.start, period.end)


def _assignments(user, organization, period, data):
    period_filter = None if data.get("accepted") else period
    return duty_selectors.assignments_within(
        user=user,
        organization=organization,
        period=period_filter,
        light=data.get("light") or "",
        dimension=data.get("dimension") or "",
        accepted_in=data.get("accepted"),
    )


def _meetings(user, organization, period, data):
    start, end = _span(period, data.get("month"))
    return life_selectors.meetings_within(
        user=user, organization=organization, start=start, end=end, kind=data.get("kind") or ""
    )


def _study(user, organization, period, data):
    start, end = _span(period, data.get("month"))
    return life_selectors.study_records_within(user=user, organization=organization, start=start, end=end)


def _members(user, organization, period, data):
    return (
        org_selectors.member_list(user=user, organization=organization, subtree=True)
        .filter(status=MemberStatus.ACTIVE)
        .select_related("organization")
        .order_by("organization__path", "id")
    )


def _care(user, organization, period, data):
    visited = {"1": True, "0": False}.get(data.get("visited") or "")
    return life_selectors.care_cases_within(user=user, organization=organization, period=period, visited=visited)


def _rectifications(user, organization, period, data):
    return pursuit_selectors.rectifications_within(user=user, organization=organization, light=data.get("light") or "")


def _org(field="organization"):
    def value(row):
        org = row
        for part in field.split("__"):
            org = getattr(org, part)
        return org.display_name()

    return value


def _assignment_columns():
    return [
        Column(_("Duty"), lambda a: a.duty.title, lambda a: reverse("duties:assignment", args=[a.pk])),
        Column(_("Receiving organization"), _org()),
        Column(_("Due"), lambda a: a.due_on),
        Column(_("State"), lambda a: a.get_state_display()),
        Column(_("Light"), lambda a: Light(a.light_code).label),
    ]


# What a list adds up beside its count, where a figure is a sum (the study hours).
SUMMED = {"study": "hours"}

LISTS = {
    "assignments": (_("List of assignments"), _assignments, _assignment_columns),
    "rectifications": (_("Rectifications"), _rectifications, _assignment_columns),
    "meetings": (
        _("Meetings held"),
        _meetings,
        lambda: [
            Column(_("Date"), lambda m: m.held_on, lambda m: reverse("orglife:meeting", args=[m.pk])),
            Column(_("Meeting"), lambda m: m.get_kind_display()),
            Column(_("Topic"), lambda m: m.topic),
            Column(_("Organization"), _org()),
        ],
    ),
    "study": (
        _("Confirmed study records"),
        _study,
        lambda: [
            Column(_("Date"), lambda r: r.studied_on),
            Column(_("Member"), lambda r: r.member.name),
            Column(_("What was studied"), lambda r: r.title),
            Column(_("Hours"), lambda r: r.hours),
            Column(_("Organization"), _org("member__organization")),
        ],
    ),
    "members": (
        _("Active members"),
        _members,
        lambda: [
            Column(_("Member"), lambda m: m.name, lambda m: reverse("organizations:member", args=[m.pk])),
            Column(_("Organization"), _org()),
        ],
    ),
    "care": (
        _("Members in the care ledger"),
        _care,
        lambda: [
            Column(_("Member"), lambda c: c.member.name),
            Column(_("Difficulty"), lambda c: c.get_category_display()),
            Column(_("In the ledger since"), lambda c: c.opened_on),
            Column(
                _("Organization"),
                _org("member__organization"),
                lambda c: reverse("orglife:care", args=[c.member.organization_id]),
            ),
        ],
    ),
}
