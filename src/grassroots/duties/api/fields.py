"""Fields the duty API shares."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grassroots.organizations.models import OrgKind, PostTitle

# ---------------------------------------------------------------- fields


def own_enum(choices, enum_id: str):
    """A choice field whose enum the schema names after this field, not after the same choices elsewhere.

    Post titles are "title" on posts and "post" on duties; organization kinds are "kind" of organizations and of
    an issue: without an id of their own the schema would give one choice set two names.
    """

    @extend_schema_field(
        {"type": "string", "enum": ["", *[value for value, _label in choices]], "x-spec-enum-id": enum_id}
    )
    class OwnEnumChoice(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return OwnEnumChoice


PostChoice = own_enum(PostTitle.choices, "duty-post")


IssueKindChoice = own_enum(OrgKind.choices, "issue-kind")
