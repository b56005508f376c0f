"""Forms of the appeals: the public's (a request or problem, its rating) and the branch's (answer, duty, close)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AppealCategory, AppealKind, AppealState

TRAP = "website"  # the field no person fills: hidden from people, offered to robots


class AppealForm(forms.Form):
    kind = forms.ChoiceField(label=_("It is"), choices=AppealKind.choices, widget=forms.RadioSelect, required=False)
    category = forms.ChoiceField(label=_("About"), choices=[("", "—"), *AppealCategory.choices], required=False)
    text = forms.CharField(
        label=_("What do you ask for, or what is the problem?"),
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": 2000}),
        required=False,
        strip=False,
    )
    phone = forms.CharField(
        label=_("Your phone (optional)"),
        help_text=_("Only the organization's secretary and officers see it, to call you back. It is never published."),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    photo = forms.FileField(
        label=_("A photo (optional)"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    stamp = forms.CharField(widget=forms.HiddenInput, required=False)


class FollowForm(forms.Form):
    follow = forms.CharField(
        label=_("Your follow code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}),
    )


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How well was your appeal answered?"),
        choices=[
            ("5", _("5 — very good")),
            ("4", _("4 — good")),
            ("3", _("3 — fair")),
            ("2", _("2 — poor")),
            ("1", _("1 — very poor")),
        ],
        widget=forms.RadioSelect,
        required=False,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500})
    )


class FilterForm(forms.Form):
    organization = forms.CharField(label=_("Organization (code)"), required=False, max_length=50)
    state = forms.ChoiceField(label=_("State"), choices=[("", _("Any")), *AppealState.choices], required=False)
    category = forms.ChoiceField(label=_("About"), choices=[("", _("Any")), *AppealCategory.choices], required=False)
    unread = forms.BooleanField(label=_("Unread only"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)


class AnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 5}), required=False)


class DutyForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200, required=False)
    responsible = forms.ModelChoiceField(label=_("Responsible person"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}), required=False)
    answer = forms.CharField(
        label=_("Answer to the requester (optional)"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = members


class CloseForm(forms.Form):
    reason = forms.CharField(label=_("Reason for closing"), max_length=500, required=False)
