"""Forms of the duty pages; they check the shape of the input, the services decide everything else."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from grassroots.core.collation import by_reading
from grassroots.core.uploads import MultipleFileField
from grassroots.core.widgets import DateInput
from grassroots.organizations.forms import MemberPickField
from grassroots.organizations.models import Member, MemberStatus, OrgKind, PostTitle, UnitType

from .models import BusinessObjective, Dimension, Light, Recurrence


def _members_field(label, members, pick_url=""):
    """The responsible person, picked by typing a name (a county has hundreds of members: no long select)."""
    return MemberPickField(label=label, queryset=members, pick_url=pick_url)


class ReportForm(forms.Form):
    text = forms.CharField(
        label=_("What was done"),
        widget=forms.Textarea(attrs={"rows": 5, "placeholder": _("Date, place, who took part, what was done")}),
        required=False,
    )
    percent = forms.IntegerField(
        label=_("Percent done"),
        min_value=0,
        max_value=100,
        error_messages={"invalid": _("Percent done is a whole number from 0 to 100.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100, "step": 5}),
    )
    files = MultipleFileField(label=_("Photos and files"), required=False)


class ReviewForm(forms.Form):
    DECISIONS = [("accept", _("Accept")), ("return", _("Return"))]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.HiddenInput)
    # A return needs a reason: the service says so, in its own words.
    reason = forms.CharField(label=_("Reason for returning"), max_length=500, required=False)
    # Above the issuer, the review is taken over only when asked for: the service refuses it otherwise.
    take_over = forms.BooleanField(required=False)


class ReviewFilterForm(forms.Form):
    """Narrowing the review queue at county scale (GET): one duty, one township and what is below it, one light."""

    duty = forms.TypedChoiceField(label=_("Duty"), coerce=int, required=False, empty_value=None)
    under = forms.TypedChoiceField(label=_("Reports from"), coerce=int, required=False, empty_value=None)
    light = forms.ChoiceField(
        label=_("Light"),
        required=False,
        choices=[("", _("All lights"))] + [(k, v) for k, v in Light.choices if k != Light.DONE],
    )

    def __init__(self, *args, duties=(), areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["duty"].choices = [("", _("All duties"))] + [(d.pk, f"{d.title} ({d.waiting})") for d in duties]
        self.fields["under"].choices = [("", _("Every organization"))] + [(o.pk, o.display_name()) for o in areas]


class ReviewManyForm(forms.Form):
    """Several reports ticked on the review page, accepted together or returned with one reason."""

    report = forms.TypedMultipleChoiceField(coerce=int, required=False)
    decision = forms.ChoiceField(choices=ReviewForm.DECISIONS)
    reason = forms.CharField(label=_("Reason for returning"), max_length=500, required=False)
    take_over = forms.BooleanField(required=False)

    def __init__(self, *args, report_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [(pk, pk) for pk in report_ids]


class DueDateRequestForm(forms.Form):
    new_due = forms.DateField(label=_("New due date"), widget=DateInput)
    reason = forms.CharField(label=_("Why a new date is needed"), max_length=500, required=False)


class DueDateDecisionForm(forms.Form):
    DECISIONS = [("grant", _("Grant")), ("refuse", _("Refuse"))]
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Reason for refusing"), max_length=300, required=False)


class AssignmentForm(forms.Form):
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=Member.objects.none(), required=False)
    note = forms.CharField(
        label=_("Our own requirement"),
        max_length=500,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("For example: photos of the activity, attendance list")}
        ),
    )

    def __init__(self, *args, members=None, pick_url="", **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["responsible"] = _members_field(_("Responsible person"), members, pick_url)


class DutyForm(forms.Form):
    """The five things of a duty (personnel, post, task, time, requirement) and how it counts."""

    title = forms.CharField(label=_("Task"), max_length=200)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=Member.objects.none(), required=False)
    post = forms.ChoiceField(label=_("Post"), choices=[("", "—")] + list(PostTitle.choices), required=False)
    start_on = forms.DateField(label=_("Start"), required=False, widget=DateInput)
    due_on = forms.DateField(label=_("Due"), widget=DateInput)
    recurrence = forms.ChoiceField(label=_("Recurrence"), choices=Recurrence.choices, initial=Recurrence.NONE)
    interval_months = forms.IntegerField(label=_("Every how many months"), min_value=1, max_value=12, required=False)
    requirement = forms.CharField(
        label=_("Requirement (acceptance criteria)"), widget=forms.Textarea(attrs={"rows": 3})
    )
    evidence_expected = forms.CharField(label=_("Evidence expected"), max_length=300, required=False)
    dimension = forms.ChoiceField(label=_("Area of construction"), choices=Dimension.choices)
    is_key = forms.BooleanField(label=_("Key work"), required=False)
    is_major = forms.BooleanField(label=_("Major task"), required=False)
    weight = forms.DecimalField(label=_("Weight"), max_digits=6, decimal_places=2, initial=1)
    objective = forms.ModelChoiceField(
        label=_("Business objective served"), queryset=BusinessObjective.objects.none(), required=False
    )
    claimable = forms.BooleanField(label=_("Open for claiming"), required=False)
    claim_limit = forms.IntegerField(label=_("How many may claim"), min_value=1, max_value=10000, required=False)

    GROUPS = (
        (_("Task"), ("title", "description", "dimension")),
        (_("Who"), ("responsible", "post")),
        (_("When"), ("start_on", "due_on", "recurrence", "interval_months")),
        (_("To which standard"), ("requirement", "evidence_expected")),
        (_("How it counts"), ("is_key", "is_major", "weight", "objective", "claimable", "claim_limit")),
    )

    def groups(self):
        """The fields in the order of the five elements, each group under its heading (for the template)."""
        for legend, names in self.GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if fields:
                yield legend, fields

    def __init__(self, *args, members=None, organization=None, period=None, pick_url="", **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["responsible"] = _members_field(_("Responsible person"), members, pick_url)
        if "objective" in self.fields and organization is not None:
            # The objectives of this organization and of those above it, for the list's period.
            path = organization.path
            prefixes = [path[:i] for i in range(organization.steplen, len(path) + 1, organization.steplen)]
            objectives = BusinessObjective.objects.filter(organization__path__in=prefixes)
            if period is not None:
                objectives = objectives.filter(period=period)
            self.fields["objective"].queryset = objectives.order_by(by_reading("name", chinese=True))


class DecomposeForm(DutyForm):
    """The receiver's own duty made from an assignment: the task with its own requirement and date."""

    KEEP = ("title", "description", "responsible", "start_on", "due_on", "requirement", "evidence_expected")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in self.KEEP:
                del self.fields[name]


class DutyListForm(forms.Form):
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        required=False,
        help_text=_("2026, 2026-H1, 2026-Q3 or 2026-07"),
    )
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    is_template = forms.BooleanField(label=_("A template to copy from (no period)"), required=False)


class CopyListForm(forms.Form):
    """Which list to copy (newest first, each saying how many duties it holds) into which period."""

    source = forms.TypedChoiceField(label=_("Copy from"), coerce=int)
    period = forms.CharField(label=_("Into the period"), max_length=16)
    into_existing = forms.BooleanField(
        label=_("Add to the existing list"),
        required=False,
        help_text=_("Only when the period already has a list: its duties stay and the copies are added."),
    )

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.pk, _source_label(s)) for s in sources]


def _source_label(duty_list) -> str:
    count = getattr(duty_list, "duty_count", None)
    held = "" if count is None else " · " + ngettext("%(n)d duty", "%(n)d duties", count) % {"n": count}
    if duty_list.is_template:
        return _("Template: %(title)s") % {"title": duty_list.title} + held
    return f"{duty_list.period.code} · {duty_list.title}{held}"


class DutyFilterForm(forms.Form):
    """Filters of a duty list page (GET); empty means all."""

    dimension = forms.ChoiceField(
        label=_("Area"), choices=[("", _("All areas"))] + list(Dimension.choices), required=False
    )
    key = forms.ChoiceField(
        label=_("Key work"), choices=[("", _("All duties")), ("1", _("Key work and major tasks"))], required=False
    )
    light = forms.ChoiceField(label=_("Light"), choices=[("", _("All lights"))] + list(Light.choices), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)
    responsible = forms.TypedChoiceField(label=_("Responsible person"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, responsibles=(), **kwargs):
        from .models import DutyState

        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("All states"))] + list(DutyState.choices)
        self.fields["responsible"].choices = [("", _("Everyone"))] + [(m.pk, m.name) for m in responsibles]


class IdListField(forms.Field):
    """Ids of hand-picked rows (checkboxes rendered by the page); the service checks they are allowed."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        try:
            return sorted({int(v) for v in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Choose organizations from the list.")) from None


class IssueForm(forms.Form):
    """Who receives a duty: the children, all of a kind (and unit type) in a subtree, hand-picked, or ourselves."""

    MODES = [
        ("children", _("The organizations directly below")),
        ("kind", _("All of a kind within a part of the tree")),
        ("pick", _("Hand-picked organizations")),
        ("self", _("Nobody below: we do it ourselves")),
    ]
    mode = forms.ChoiceField(label=_("Who receives it"), choices=MODES, widget=forms.RadioSelect, initial="children")
    kind = forms.ChoiceField(
        label=_("Kind of organization"), choices=[("", _("Any kind"))] + list(OrgKind.choices), required=False
    )
    unit_type = forms.ChoiceField(
        label=_("Unit type"), choices=[("", _("Any unit type"))] + list(UnitType.choices), required=False
    )
    root = forms.TypedChoiceField(label=_("Within"), coerce=int, required=False, empty_value=None)
    ids = IdListField(label=_("Organizations"), required=False)
    q = forms.CharField(label=_("Find by name"), required=False)
    note = forms.CharField(label=_("Note to the receivers"), max_length=500, required=False)

    def __init__(self, *args, roots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["root"].choices = [(o.pk, o.display_name()) for o in roots]


def active_members(queryset):
    return queryset.filter(status=MemberStatus.ACTIVE).order_by(by_reading("name", chinese=True), "id")


class ObjectiveForm(forms.Form):
    """A business objective of the unit: what is measured, from where to where, in which period."""

    period = forms.CharField(label=_("period"), max_length=16, help_text=_("2026, 2026-H1, 2026-Q3 or 2026-07"))
    name = forms.CharField(label=_("name"), max_length=200)
    measure = forms.CharField(label=_("how it is measured"), max_length=300, required=False)
    unit = forms.CharField(label=_("unit"), max_length=30, required=False)
    baseline = forms.DecimalField(label=_("baseline"), max_digits=14, decimal_places=2)
    target = forms.DecimalField(label=_("target"), max_digits=14, decimal_places=2)


class ObjectiveValueForm(forms.Form):
    measured_on = forms.DateField(label=_("measured on"), widget=DateInput)
    value = forms.DecimalField(label=_("value"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("note"), max_length=300, required=False)
