"""Forms of the pursuit pages: they check the shape of the input; the services decide everything else (who may,
when, whether the measure is on the ladder, whether the note is needed), and say why in their own words."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.widgets import DateInput
from grassroots.organizations.forms import OrganizationCodeField
from grassroots.organizations.models import Member

from .models import CaseState, Measure, Trigger

OPEN = "open"
ALL = "all"


class CaseFilterForm(forms.Form):
    """The list's filters, read from the query string; the open cases when nothing is chosen."""

    state = forms.ChoiceField(
        label=_("State"),
        choices=[(OPEN, _("Open cases")), (ALL, _("All cases")), *CaseState.choices],
        required=False,
    )
    trigger = forms.ChoiceField(label=_("Opened by"), choices=[("", _("Any rule"))] + Trigger.choices, required=False)
    measure = forms.ChoiceField(label=_("Measure"), choices=[("", _("Any measure"))] + Measure.choices, required=False)
    organization = OrganizationCodeField(
        label=_("Organization (code)"),
        required=False,
        not_found=_("No organization with this code in your scope."),
    )
    period = forms.CharField(label=_("Period"), max_length=16, required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["period"].widget.attrs.update({"placeholder": str(timezone.localdate().year)})


def _evidence_lines(text: str) -> list[dict]:
    """Evidence as typed, one record a line: `label | /link/on/this/site/`, or a label alone."""
    items = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        label, bar, url = line.rpartition("|")
        if not bar:
            head, _space, last = line.rpartition(" ")
            label, url = (head, last) if head and last.startswith("/") else (line, "")
        label, url = label.strip(), url.strip()
        if not label:
            raise forms.ValidationError(_("Each line of evidence names the record before its link."))
        if "\\" in url:
            raise forms.ValidationError(_("Evidence links point to pages of this site."))
        items.append({"label": label, "url": url})
    return items


class CaseOpenForm(forms.Form):
    """A case opened by hand: the organization concerned, its person, the deciding organization, the facts."""

    organization = OrganizationCodeField(
        label=_("Organization concerned (code)"),
        not_found=_("No organization with this code where you pursue."),
    )
    person = forms.ModelChoiceField(
        label=_("Person concerned"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("— nobody named —"),
        help_text=_("A member of the organization concerned: its secretary, or the person responsible for the work."),
    )
    deciding = OrganizationCodeField(
        label=_("Deciding organization (code)"),
        required=False,
        not_found=_("No organization with this code where you pursue."),
        help_text=_("Leave it empty for the organization directly above the one concerned."),
    )
    period = forms.CharField(
        label=_("Period"),
        max_length=16,
        help_text=_("Write 2026, 2026-H1, 2026-Q3 or 2026-07."),
    )
    title = forms.CharField(
        label=_("Responsibility concerned"),
        max_length=300,
        widget=forms.TextInput(attrs={"placeholder": _("For example: the key work of the second quarter left undone")}),
    )
    facts = forms.CharField(label=_("Facts"), widget=forms.Textarea(attrs={"rows": 6}))
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": _("Report returned three times | /duties/assignments/12/")}
        ),
        help_text=_("One record a line: what it is, then | and its link on this site (the link may be left out)."),
    )

    def __init__(self, *args, organizations, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["deciding"].queryset = organizations
        person = self.fields["person"]
        person.queryset = members if members is not None else Member.objects.none()
        person.label_from_instance = lambda m: f"{m.name} · {m.organization.display_name()}"

    def clean_evidence(self):
        return _evidence_lines(self.cleaned_data["evidence"])


# --- the steps of a case ---------------------------------------------------------------------------------------------


class StatementForm(forms.Form):
    text = forms.CharField(
        label=_("Your statement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": _("What happened, as you see it, and why")}),
    )


class DecideForm(forms.Form):
    # Not a ChoiceField: the service says which measures are on the ladder, and what a decision without one lacks.
    measure = forms.CharField(
        label=_("Measure"),
        required=False,
        widget=forms.Select(choices=[("", "—"), *Measure.choices]),
    )
    note = forms.CharField(
        label=_("Decision and its reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when the measure differs from the one proposed."),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )


class RectificationForm(forms.Form):
    title = forms.CharField(
        label=_("What is to be rectified"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 180}),
    )
    requirement = forms.CharField(
        label=_("Requirement"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the rectification must achieve, as the deciding organization will accept it."),
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    evidence_expected = forms.CharField(
        label=_("Evidence expected"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("For example: minutes of the meeting, photos")}),
    )


class CloseForm(forms.Form):
    note = forms.CharField(label=_("Closing note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class EmptyForm(forms.Form):
    """A step with nothing to fill in (taking a case under review)."""


# --- the rules of pursuit --------------------------------------------------------------------------------------------


class RuleForm(forms.Form):
    """One rule of pursuit set on an organization: whether it opens cases, from what threshold."""

    enabled = forms.BooleanField(label=_("Opens cases"), required=False)
    # Checked by the service (a whole number, 0 to 10000, at most 100 for a share of the plan).
    threshold = forms.CharField(
        label=_("Threshold"),
        required=False,
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "size": 6}),
    )
