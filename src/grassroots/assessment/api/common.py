"""What the assessment's API modules share: choice fields whose enums the schema names."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


def named_enum(choices, enum_id: str, inline: bool = False):
    """A choice field whose enum the schema names after its component and field: the same choices under the
    same field name elsewhere (kind) would otherwise collide or get two names.

    With `inline` the enum stays in place, unnamed (wrapped in allOf): for names like grade and state that other
    apps already use for choice sets shared by several components, where any name would collide with theirs.
    """

    values = [value for value, _label in choices]
    schema = {"type": "string", "enum": values, "x-spec-enum-id": enum_id}
    if inline:
        schema = {"allOf": [{"type": "string", "enum": values}], "description": ", ".join(values)}

    @extend_schema_field(schema)
    class EnumChoice(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return EnumChoice
