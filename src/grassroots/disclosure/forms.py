"""Forms of disclosure: a committee's rule, the choice of an item, a notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Item, Level, Notice


class RuleForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=Item.choices)
    level = forms.ChoiceField(label=_("Rule for the organizations below"), choices=Level.choices)


class ItemForm(forms.Form):
    item = forms.ChoiceField(choices=Item.choices)


class NoticeForm(forms.ModelForm):
    organization = forms.ModelChoiceField(
        label=_("Posted by (to its whole subtree)"), queryset=None, to_field_name="code"
    )

    class Meta:
        model = Notice
        fields = ("organization", *Notice.EDITABLE_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"public": _("The notice shows on the organization's public site too, where its rules allow.")}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["organization"].empty_label = None  # the first (the highest) is the usual one
        self.fields["organization"].label_from_instance = lambda org: f"{org.display_name()} ({org.code})"
        self.fields["title"].required = False  # the service says what is missing, in one place
        self.fields["body"].required = False
