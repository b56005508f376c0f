"""The forms of the top floor's pages: the filter of the data completeness list."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.organizations.forms import OrganizationCodeField

from .completeness import kind_choices


class GapFilterForm(forms.Form):
    """Which gaps to list: one kind or every kind, under one organization (its subtree) or everywhere."""

    kind = forms.ChoiceField(label=_("What is missing"), required=False)
    under = OrganizationCodeField(label=_("Under organization (code)"), required=False)

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Everything missing")), *kind_choices()]
        self.fields["under"].queryset = organizations
