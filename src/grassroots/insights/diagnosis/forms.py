"""The forms of the diagnosis: a threshold for a committee's subtree, the period read."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ThresholdForm(forms.Form):
    code = forms.ChoiceField(label=_("Check"), choices=())
    value = forms.CharField(
        label=_("Threshold"),
        max_length=20,
        help_text=_("A share is written from 0 to 1 (0.8 is 80%); months, days and points as numbers."),
    )

    def __init__(self, *args, checks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = list(checks)
