"""Forms of the organizational-life pages: they check the shape of the input, the services decide the rest.

Numbers a person types (hours, amounts, points) stay text here, so that the service's own message reaches the
page and what was typed is shown again as it was.
"""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.collation import by_reading
from grassroots.core.uploads import MultipleFileField
from grassroots.core.web import parse_id
from grassroots.core.widgets import DateInput
from grassroots.organizations.forms import MemberPickField
from grassroots.organizations.models import Member, OrgKind

from .models import (
    AppraisalGrade,
    AttendanceStatus,
    CareCategory,
    CareOccasion,
    MeetingKind,
    PointRule,
    PointSource,
    StudyCourse,
)

ATTENDANCE_KEY = re.compile(r"^att-(.+)$")
GRADE_KEY = re.compile(r"^grade-(.+)$")
REASON_MAX = 200


def _today():
    return timezone.localdate()


# A member select lists every member; above this many, the field is a searchable picker instead (a name typed,
# suggestions with JavaScript, choices under the box without it), as a phone cannot scroll a select of hundreds.
PICKER_ABOVE = 40


def _member_field(label, members, required=True, pick_url=""):
    if pick_url and members.count() > PICKER_ABOVE:
        return MemberPickField(label=label, queryset=members, pick_url=pick_url, required=required)
    field = forms.ModelChoiceField(label=label, queryset=members, required=required)
    field.label_from_instance = lambda m: m.name
    return field


def member_pick_url(organization, *, pool=False) -> str:
    """Where a picker of the organization's own members gets its suggestions (`pool`: of those who attend its
    meetings, a group's being its branch's); "" without an organization (a plain select then)."""
    if organization is None:
        return ""
    if pool and organization.kind == OrgKind.GROUP and organization.parent_id:
        organization = organization.parent
    return f"{reverse('organizations:member_pick')}?org={organization.pk}&own=1"


def _numbered(data, pattern) -> tuple[dict[int, str], list[str]]:
    """Values posted under `<prefix>-<member id>`, and the keys whose id is not a number."""
    values, bad = {}, []
    for key in data:
        match = pattern.match(key)
        if not match:
            continue
        raw = match.group(1)
        if parse_id(raw) is None:
            bad.append(raw)
            continue
        values[int(raw)] = (data.get(key) or "").strip()
    return values, bad


def _number_guard(value: str, message, limit=None) -> str:
    """Leave the checking of a typed number to the service, except what it cannot handle (NaN, huge values)."""
    value = (value or "").strip()
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return value  # the service says it is not a number, in its own words
    if not number.is_finite() or (limit is not None and abs(number) >= limit):
        raise forms.ValidationError(message)
    return value


# ---------------------------------------------------------------- meetings


class AttendanceMixin:
    """Attendance is posted as `att-<member id>` = status and `reason-<member id>` = reason, one pair per member.

    The page shows every member of the attendee pool; every posted id goes to the service, which refuses
    anyone who is not in the organization, with names.
    """

    def attendance(self) -> dict:
        statuses, bad = _numbered(self.data, ATTENDANCE_KEY)
        if bad:
            self.add_error(None, _("The attendance names somebody who is not a member; reload the page."))
        out = {}
        for member_id, status in statuses.items():
            if not status:
                continue  # not marked: not recorded
            reason = (self.data.get(f"reason-{member_id}") or "").strip()
            if len(reason) > REASON_MAX:
                self.add_error(None, _("A reason for absence has at most %(n)d characters.") % {"n": REASON_MAX})
                reason = reason[:REASON_MAX]
            out[member_id] = (status, reason)
        return out

    def attendance_rows(self) -> list[dict]:
        """One row per member of the pool with the status and reason shown (typed input kept after a refusal)."""
        rows = []
        for member in self.pool:
            status = (self.data.get(f"att-{member.pk}") or "") if self.is_bound else ""
            reason = (self.data.get(f"reason-{member.pk}") or "") if self.is_bound else ""
            rows.append({"member": member, "status": status, "reason": reason})
        return rows

    @staticmethod
    def status_choices():
        return [("", _("Not marked"))] + list(AttendanceStatus.choices)

    def status_labels(self) -> dict[str, str]:
        """The label of each status, for the tapping script (the page's own language)."""
        return {value: str(label) for value, label in self.status_choices()}


class MeetingForm(AttendanceMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=MeetingKind.choices)
    held_on = forms.DateField(label=_("Date"), widget=DateInput, initial=_today)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    host = forms.ModelChoiceField(label=_("Host"), queryset=Member.objects.none(), required=False)
    topic = forms.CharField(label=_("Topic"), max_length=300, required=False)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What was said and done")}),
    )
    resolutions = forms.CharField(label=_("Resolutions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Photos and files"), required=False)

    PLANNED_FIELDS = ("kind", "held_on", "place", "host", "topic")

    def __init__(self, *args, pool=(), planned=False, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = list(pool)
        self.planned = planned
        hosts = Member.objects.filter(pk__in=[m.pk for m in self.pool]).order_by(by_reading("name", chinese=True))
        if organization is not None and len(self.pool) > PICKER_ABOVE:
            pick_url = member_pick_url(organization, pool=True)
            self.fields["host"] = MemberPickField(label=_("Host"), queryset=hosts, pick_url=pick_url)
        else:
            self.fields["host"].queryset = hosts
            self.fields["host"].label_from_instance = lambda m: m.name
        if planned:
            for name in list(self.fields):
                if name not in self.PLANNED_FIELDS:
                    del self.fields[name]
            self.fields["held_on"].initial = None


class MeetingHoldForm(AttendanceMixin, forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=DateInput)
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What was said and done")}),
    )
    resolutions = forms.CharField(label=_("Resolutions"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    files = MultipleFileField(label=_("Photos and files"), required=False)

    def __init__(self, *args, pool=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pool = list(pool)


# ---------------------------------------------------------------- study


class StudyForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    course = forms.ModelChoiceField(label=_("Course"), queryset=StudyCourse.objects.none(), required=False)
    title = forms.CharField(
        label=_("What was studied"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("For example: the Party Constitution, chapter 2")}),
    )
    studied_on = forms.DateField(label=_("Date"), widget=DateInput, initial=_today)
    hours = forms.CharField(
        label=_("Hours"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "1.5"}),
    )

    def __init__(self, *args, members=None, courses=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is None:
            del self.fields["member"]
        else:
            self.fields["member"] = _member_field(_("Member"), members, pick_url=member_pick_url(organization))
        if courses is not None and courses.exists():
            self.fields["course"].queryset = courses
        else:
            del self.fields["course"]

    def clean_hours(self):
        return _number_guard(self.cleaned_data["hours"], _("Hours must be a number, like 2 or 1.5."))


# ---------------------------------------------------------------- points


class PointsEntryForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=PointRule.objects.none())
    earned_on = forms.DateField(label=_("Date"), widget=DateInput, initial=_today)
    hours = forms.CharField(
        label=_("Hours (for rules counted by the hour)"),
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    note = forms.CharField(label=_("What the points are for"), max_length=300, required=False)

    def __init__(self, *args, members=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(
            _("Member"),
            members if members is not None else Member.objects.none(),
            pick_url=member_pick_url(organization),
        )
        self.fields["rule"].queryset = PointRule.objects.filter(
            is_active=True, source__in=[PointSource.VOLUNTEER, PointSource.MANUAL]
        ).order_by("source", "code")
        self.fields["rule"].label_from_instance = lambda r: f"{r.display_name()} ({r.points:+})"

    def clean_hours(self):
        return _number_guard(self.cleaned_data["hours"], _("Hours must be a number, like 2 or 1.5."))

    def cleaned_hours(self):
        hours = (self.cleaned_data.get("hours") or "").strip()
        return hours or None


class PointsCorrectForm(forms.Form):
    points = forms.CharField(
        label=_("Correct points of this line"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    reason = forms.CharField(label=_("Why it is corrected"), max_length=300, required=False)

    def clean_points(self):
        return _number_guard(self.cleaned_data["points"], _("Points must be a number."), limit=100_000)


# ---------------------------------------------------------------- appraisal


class AppraisalOpenForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class GradesMixin:
    """Grades are posted as `grade-<member id>`; the service refuses anyone who is not a full member here."""

    def grades(self) -> dict[int, str]:
        grades, bad = _numbered(self.data, GRADE_KEY)
        if bad:
            self.add_error(None, _("The page names somebody who is not a member; reload the page."))
        return {member_id: grade for member_id, grade in grades.items() if grade}

    @staticmethod
    def grade_choices():
        return list(AppraisalGrade.choices)


class AppraisalVoteForm(GradesMixin, forms.Form):
    pass


class AppraisalCloseForm(GradesMixin, forms.Form):
    def decisions(self) -> dict[int, tuple[str, str]]:
        return {
            member_id: (grade, (self.data.get(f"follow-{member_id}") or "").strip())
            for member_id, grade in self.grades().items()
        }


# ---------------------------------------------------------------- care and talks


class CareCaseForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    category = forms.ChoiceField(label=_("Difficulty"), choices=CareCategory.choices)
    details = forms.CharField(
        label=_("Details (seen only by those who may read personal data)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    opened_on = forms.DateField(label=_("In the ledger since"), widget=DateInput, initial=_today)
    interval_days = forms.IntegerField(label=_("Visit at least every (days)"), min_value=1, max_value=3650, initial=182)

    def __init__(self, *args, members=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(
            _("Member"),
            members if members is not None else Member.objects.none(),
            pick_url=member_pick_url(organization),
        )


class CareVisitForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member visited"), queryset=Member.objects.none())
    visited_on = forms.DateField(label=_("Date"), widget=DateInput, initial=_today)
    visitor = forms.ModelChoiceField(label=_("Visitor"), queryset=Member.objects.none(), required=False)
    visitor_name = forms.CharField(label=_("Visitor, if not a member here"), max_length=100, required=False)
    occasion = forms.ChoiceField(
        label=_("Occasion"), choices=CareOccasion.choices, initial=CareOccasion.ROUTINE, required=False
    )
    help_given = forms.CharField(
        label=_("What was done"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("For example: brought rice and oil, helped see a doctor")}
        ),
    )
    amount = forms.CharField(
        label=_("Money given (yuan)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0"}),
    )

    def __init__(self, *args, members=None, visitors=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(
            _("Member visited"),
            members if members is not None else Member.objects.none(),
            pick_url=member_pick_url(organization),
        )
        self.fields["visitor"] = _member_field(
            _("Visitor"),
            visitors if visitors is not None else Member.objects.none(),
            False,
            member_pick_url(organization, pool=True),
        )

    def clean_amount(self):
        return _number_guard(self.cleaned_data["amount"], _("The amount must be a number of yuan."), limit=10_000_000)


class TalkForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())
    talked_on = forms.DateField(label=_("Date"), widget=DateInput, initial=_today)
    with_member = forms.ModelChoiceField(label=_("Talked with"), queryset=Member.objects.none(), required=False)
    with_name = forms.CharField(label=_("Talked with, if not a member here"), max_length=100, required=False)
    topic = forms.CharField(label=_("Topic"), max_length=200, required=False)
    notes = forms.CharField(
        label=_("Notes (seen only by those who may read personal data)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, members=None, talkers=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"] = _member_field(
            _("Member"),
            members if members is not None else Member.objects.none(),
            pick_url=member_pick_url(organization),
        )
        self.fields["with_member"] = _member_field(
            _("Talked with"),
            talkers if talkers is not None else Member.objects.none(),
            False,
            member_pick_url(organization, pool=True),
        )


class DecisionForm(forms.Form):
    """Confirm or reject a study record (the buttons of the confirmation queue)."""

    decision = forms.ChoiceField(
        choices=[("confirm", _("Confirm")), ("reject", _("Reject"))],
        widget=forms.HiddenInput,
        error_messages={"required": _("Choose confirm or reject."), "invalid_choice": _("Choose confirm or reject.")},
    )
