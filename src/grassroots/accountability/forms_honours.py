"""Forms of the commendation and board pages: they check the shape of the input; the services decide the rest
(who may, whether the one proposed is a candidate, whether a reason is needed, whether a case is open)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grassroots.core.uploads import ACCEPT
from grassroots.organizations.models import Member

from .forms import DateInput, OrganizationCodeField
from .models import CommendationKind, CommendationState

KINDS = [("", _("Any commendation")), *CommendationKind.choices]


def _period_field(**kwargs):
    field = forms.CharField(label=_("Period"), max_length=16, **kwargs)
    field.widget.attrs.update({"placeholder": str(timezone.localdate().year)})
    return field


class CommendationFilterForm(forms.Form):
    """The list's filters, read from the query string."""

    kind = forms.ChoiceField(label=_("Commendation"), choices=KINDS, required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Proposed and decided")), *CommendationState.choices], required=False
    )
    period = _period_field(required=False)
    organization = OrganizationCodeField(
        label=_("Organization (code)"),
        required=False,
        not_found=_("No organization with this code in your scope."),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ProposalsForm(forms.Form):
    """Whose candidates, for which period, of which kind (read from the query string)."""

    organization = OrganizationCodeField(
        label=_("Commending organization (code)"),
        required=False,
        not_found=_("No organization with this code where you commend."),
    )
    period = _period_field(required=False, help_text=_("Write 2026, 2026-H1, 2026-Q3 or 2026-07."))
    kind = forms.ChoiceField(
        label=_("Commendation"), choices=CommendationKind.choices, initial=CommendationKind.ADVANCED_ORGANIZATION
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ProposeForm(forms.Form):
    """One candidate proposed from the candidates' page (its identity in hidden fields), with a citation."""

    kind = forms.ChoiceField(choices=CommendationKind.choices, widget=forms.HiddenInput)
    organization = forms.IntegerField(widget=forms.HiddenInput)
    member = forms.IntegerField(required=False, widget=forms.HiddenInput)
    citation = forms.CharField(
        label=_("Citation (optional)"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CommendationByHandForm(forms.Form):
    """A commendation proposed by hand: the commending organization, the kind, the period, the organization
    commended (or the member's), the member, and why."""

    commending = OrganizationCodeField(
        label=_("Commending organization (code)"),
        not_found=_("No organization with this code where you commend."),
    )
    kind = forms.ChoiceField(label=_("Commendation"), choices=CommendationKind.choices)
    period = _period_field(help_text=_("Write 2026, 2026-H1, 2026-Q3 or 2026-07."))
    organization = OrganizationCodeField(
        label=_("Organization commended, or the member's (code)"),
        not_found=_("No organization with this code in your scope."),
    )
    member = forms.ModelChoiceField(
        label=_("Member commended"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=_("— list the organization's members first —"),
        help_text=_("For an excellent party member or party worker."),
    )
    reason = forms.CharField(
        label=_("Why propose it"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the one proposed is not among the candidates of the period."),
    )
    citation = forms.CharField(
        label=_("Citation (optional)"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, commending, organizations, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commending"].queryset = commending
        self.fields["organization"].queryset = organizations
        if members is not None:
            self.fields["member"].queryset = members
            self.fields["member"].empty_label = _("— an organization is commended —")


class DecideForm(forms.Form):
    """The decision: the reference number and date of the decision document, the scanned document, the citation."""

    reference = forms.CharField(
        label=_("Reference number of the decision"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("For example: 青委发〔2026〕12号")}),
    )
    decided_on = forms.DateField(label=_("Date of the decision"), widget=DateInput)
    file = forms.FileField(
        label=_("Decision document (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=_("A scan or the file of the decision: a photo, PDF or Office file."),
    )
    citation = forms.CharField(
        label=_("Citation"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class BoardPublishForm(forms.Form):
    run = forms.ModelChoiceField(label=_("Published assessment"), queryset=None, empty_label=None)

    def __init__(self, *args, runs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["run"].queryset = runs
        self.fields["run"].label_from_instance = lambda run: (
            f"{run.period.code} · {run.scope.display_name()} · {run.system.display_name()} (v{run.version})"
        )
