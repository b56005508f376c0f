"""Forms of the organization pages; they validate input, the services decide."""

import re

from django import forms
from django.db.models import Q
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from grassroots.core.web import parse_id
from grassroots.core.widgets import DateInput, PickInput

from .models import CODE_VALIDATOR, Member, MemberStatus, Organization, OrgKind, PostTitle, UnitType


class OrganizationForm(forms.Form):
    code = forms.CharField(label=_("code"), max_length=32, validators=[CODE_VALIDATOR])
    name = forms.CharField(label=_("name"), max_length=200)
    name_en = forms.CharField(label=_("English name"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=OrgKind.choices)
    unit_type = forms.ChoiceField(label=_("unit type"), choices=UnitType.choices)
    founded_on = forms.DateField(label=_("founded on"), required=False, widget=DateInput)


class MemberForm(forms.ModelForm):
    class Meta:
        model = Member
        fields = list(Member.EDITABLE_FIELDS)
        widgets = {"birth_date": DateInput, "joined_on": DateInput, "confirmed_on": DateInput}

    def _post_clean(self):
        # Model validation (ID number, dates, uniqueness) is the service's; it reports to the form.
        pass


class PostForm(forms.Form):
    member = forms.ModelChoiceField(label=_("member"), queryset=Member.objects.none())
    title = forms.ChoiceField(label=_("title"), choices=PostTitle.choices)
    started_on = forms.DateField(label=_("from"), widget=DateInput)

    def __init__(self, *args, members=None, **kwargs):
        super().__init__(*args, **kwargs)
        if members is not None:
            self.fields["member"].queryset = members


class TransferForm(forms.Form):
    to_organization = forms.ModelChoiceField(
        label=_("to organization"), queryset=Organization.objects.none(), to_field_name="code"
    )
    reason = forms.CharField(label=_("reason"), max_length=300, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].queryset = Organization.objects.filter(kind__in=["branch", "general_branch"])
        self.fields["to_organization"].widget = forms.TextInput(attrs={"placeholder": _("organization code")})
        self.fields["to_organization"].error_messages["invalid_choice"] = _(
            "No branch has this code. Ask the receiving organization for its code."
        )


class LeaveForm(forms.Form):
    """A member leaving the party organization: why, and on which day (today unless given). Their account, if any,
    is closed with it (organizations.services.member_update)."""

    status = forms.ChoiceField(
        label=_("why"), choices=[(s.value, s.label) for s in MemberStatus if s != MemberStatus.ACTIVE]
    )
    left_on = forms.DateField(label=_("left on"), required=False, widget=DateInput)


class MoveForm(forms.Form):
    new_parent = forms.ModelChoiceField(
        label=_("new parent organization"), queryset=Organization.objects.all(), to_field_name="code"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_parent"].widget = forms.TextInput(attrs={"placeholder": _("organization code")})
        self.fields["new_parent"].error_messages["invalid_choice"] = _("No organization has this code.")


class ImportForm(forms.Form):
    KIND_CHOICES = [("members", _("Members")), ("organizations", _("Organizations"))]
    kind = forms.ChoiceField(label=_("what the file holds"), choices=KIND_CHOICES)
    file = forms.FileField(label=_("file (.xlsx or .csv)"))


class AccountForm(forms.Form):
    """A member's account: the user name to give, and the reason when deactivating."""

    username = forms.RegexField(
        label=_("user name"),
        regex=r"^[A-Za-z0-9_.@+-]{3,150}$",
        error_messages={"invalid": _("Use 3 to 150 letters, digits or . @ + - _ (no spaces).")},
        required=False,
    )
    reason = forms.CharField(label=_("Reason for deactivating"), max_length=300, required=False)


class GrantForm(forms.Form):
    """A role to give a member's account: the role, and the organization (by code) whose subtree it covers."""

    role = forms.ChoiceField(label=_("role"), choices=())
    organization = forms.CharField(label=_("organization (code)"), required=False)  # replaced in __init__

    def __init__(self, *args, organizations, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = roles
        field = OrganizationCodeField(
            label=_("organization (code)"),
            help_text=_("The role covers this organization and everything under it."),
        )
        field.queryset = organizations
        self.fields["organization"] = field


class RejectForm(forms.Form):
    note = forms.CharField(label=_("reason for rejecting"), max_length=300)


class OrganizationCodeField(forms.CharField):
    """An organization by its code (or its name, when only one has it), found among those offered (`queryset`, set
    by the form); a datalist of codes (id "org-codes") helps to pick. Empty and not required: None."""

    def __init__(self, *args, not_found=None, **kwargs):
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.queryset = Organization.objects.none()
        self.not_found = not_found or _("No organization with this code where you may do this.")
        self.widget.attrs.update(
            {
                "list": "org-codes",
                "autocomplete": "off",
                "spellcheck": "false",
                "data-pick-url": reverse_lazy("organizations:organization_pick"),
            }
        )

    def clean(self, value):
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        org = self.queryset.filter(code=code).first()
        if org is None:
            named = list(self.queryset.filter(Q(name=code) | Q(name_en__iexact=code))[:2])
            if len(named) > 1:  # two branches of one name: the code says which
                codes = ", ".join(f"{o.code} ({o.display_name()})" for o in self.queryset.filter(name=code)[:10])
                raise forms.ValidationError(
                    _("More than one organization has this name: give its code (%(codes)s).") % {"codes": codes}
                )
            org = named[0] if named else None
        if org is None:
            raise forms.ValidationError(self.not_found)
        return org


PICKED = re.compile(r"#(\d{1,18})\s*$")
CANDIDATES_SHOWN = 12


class MemberPickField(forms.Field):
    """A member among those offered (`queryset`), picked by typing: "王芳", part of a name, or "王芳 #12" as the
    suggestions write it (an id alone, as a select posted it, too). One match is taken; several come back as
    choices under the box; none says so."""

    widget = PickInput

    def __init__(self, *, queryset, pick_url="", **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.queryset = queryset
        self.widget = PickInput(pick_url=pick_url)
        self.help_text = self.help_text or _("Type a name or part of it.")

    @staticmethod
    def label_of(member: Member) -> str:
        return f"{member.name} #{member.pk}"

    def prepare_value(self, value):
        if isinstance(value, Member):
            return self.label_of(value)
        if isinstance(value, int) or (isinstance(value, str) and parse_id(value) is not None):
            member = self.queryset.filter(pk=int(value)).first()
            return self.label_of(member) if member else ""
        return value

    def clean(self, value):
        text = super().clean(value)
        text = (text or "").strip()
        if not text:
            return None
        picked = PICKED.search(text) or (re.fullmatch(r"(\d{1,18})", text))  # "王芳 #12", or the id alone
        if picked:
            member = self.queryset.filter(pk=int(picked.group(1))).first()
            if member is None:
                raise forms.ValidationError(_("This member cannot be chosen here."))
            return member
        matches = list(self.queryset.filter(name=text)[:CANDIDATES_SHOWN]) or list(
            self.queryset.filter(name__contains=text).order_by("name", "pk")[: CANDIDATES_SHOWN + 1]
        )
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise forms.ValidationError(_("No member called “%(text)s” can be chosen here.") % {"text": text})
        self.widget.candidates = [
            (self.label_of(m), f"{m.name} · {m.organization.display_name()}") for m in matches[:CANDIDATES_SHOWN]
        ]
        raise forms.ValidationError(_("Several members match “%(text)s”: choose one below.") % {"text": text})
