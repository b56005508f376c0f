"""Forms of the flag pages: they check the shape of the input; the services decide the rest."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.organizations.forms import OrganizationCodeField

from ..models import FlagKind, FlagState


class FlagFilterForm(forms.Form):
    """The list's filters, read from the query string: the open flags when nothing is chosen."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("Any kind")), *FlagKind.choices], required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Any state")), *FlagState.choices], required=False, initial="open"
    )
    organization = OrganizationCodeField(
        label=_("Organization (code)"),
        required=False,
        not_found=_("No organization with this code in your scope."),
    )

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class FlagDismissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the flag is dismissed"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class FlagConfirmForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)
