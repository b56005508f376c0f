"""Fields and helpers the organizational-life API modules share: member and period references, own enums, queries."""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grassroots.core.api import PeriodCode, ScopedCode, ScopedPrimaryKey
from grassroots.core.policy import Action, can
from grassroots.organizations.models import Member

MASK = "***"


class MemberRef(ScopedPrimaryKey):
    """A member the caller can see, by id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Member.objects.select_related("organization"))
        super().__init__(**kwargs)


class SafePeriodCode(PeriodCode):
    """A period by its code; a code naming no real date (year 0000) is bad input."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ValueError:
            raise serializers.ValidationError(_("%(code)s is not a period.") % {"code": data}) from None


def enum_field(choices, enum_id: str, **kwargs):
    """A choice field with an enum id of its own: give each serializer's field its own id.

    "kind", "status", "category" name other choice sets elsewhere in the API; the schema names an enum used under
    such a name in one component only after the component (MeetingCreateKindEnum) instead of warning.
    """

    @extend_schema_field({"type": "string", "enum": [value for value, _label in choices], "x-spec-enum-id": enum_id})
    class OwnEnum(serializers.ChoiceField):
        pass

    return OwnEnum(choices=choices, **kwargs)


def this_year() -> int:
    return timezone.localdate().year


class OrganizationQuery(serializers.Serializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization.")


class OrganizationYearQuery(OrganizationQuery):
    year = serializers.IntegerField(min_value=1900, max_value=2100, required=False, help_text="Default: this year.")


class OrganizationPeriodQuery(OrganizationQuery):
    period = SafePeriodCode(help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")


def query_params(view, serializer_class) -> dict:
    query = serializer_class(data=view.request.query_params, context=view.get_serializer_context())
    query.is_valid(raise_exception=True)
    return query.validated_data


class MemberBriefSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "organization"]
        read_only_fields = fields


def may_read_personal(request, member: Member) -> bool:
    return can(request.user, Action.VIEW_PERSONAL, member)
