"""Forms of disclosure: a committee's rule, the choice of an item, a notice."""

from django import forms
from django.utils.translation import gettext_lazy as _

from grassroots.organizations.forms import OrganizationCodeField

from .models import Item, Level, Notice


class RuleForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=Item.choices)
    level = forms.ChoiceField(label=_("Rule for the organizations below"), choices=Level.choices)


class ItemForm(forms.Form):
    item = forms.ChoiceField(choices=Item.choices)


class NoticeForm(forms.ModelForm):
    # A searchable code box (picker.js suggests as one types; without it the server finds the code or the name), not
    # a select of every organization where the user posts: a province's officer posts for a hundred thousand.
    organization = OrganizationCodeField(
        label=_("Posted by (to its whole subtree)"),
        help_text=_("Its code, or its name when only one has it; the highest where you post is filled in."),
        not_found=_("You do not post notices for an organization with this code."),
    )

    class Meta:
        model = Notice
        fields = ("organization", *Notice.EDITABLE_FIELDS)
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}
        help_texts = {"public": _("The notice shows on the organization's public site too, where its rules allow.")}

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        if not self.is_bound:  # the highest (the usual one) filled in
            highest = organizations.order_by("depth", "path").values_list("code", flat=True).first()
            self.initial.setdefault("organization", highest)
        self.fields["title"].required = False  # the service says what is missing, in one place
        self.fields["body"].required = False
