"""API plumbing shared by every app: errors as JSON in the user's language, the audit trail endpoint, and the
fields and filters the apps' APIs name rows with (organizations by code, periods by code, rows in the caller's scope).
"""

import json

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, InterfaceError, OperationalError, transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.filterset import filterset_factory
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from . import refusals
from .audit import readable
from .errors import INVALID_INPUT, Conflict
from .models import AuditEntry
from .outage import RETRY_AFTER, log_unavailable
from .periods import period_for
from .policy import Action, PermissionDenied, can, can_anywhere, restrict
from .selectors import audit_entries
from .tree import organizations


class CallersLanguageSessionScheme(SessionScheme):
    """The schema describes the session authentication that answers in the caller's language as any session."""

    target_class = "grassroots.core.api_auth.SessionAuthentication"


# ---------------------------------------------------------------- errors


# Downloads asked for with ?format=csv, xlsx or file: their refusals answer in JSON, the type the schema documents.
DOWNLOAD_FORMATS = ("csv", "xlsx", "file")


def exception_handler(exc, context):
    request = context.get("request")
    if getattr(getattr(request, "accepted_renderer", None), "format", "") in DOWNLOAD_FORMATS:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            data = {"detail": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        refusals.note(exc)  # a refused write is recorded once answered (core.refusals)
        return Response({"detail": str(exc.message)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DataError):  # e.g. a NUL byte PostgreSQL refuses to store or compare
        return Response({"detail": str(INVALID_INPUT)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, (OperationalError, InterfaceError)):  # the database went away mid-request: rolled back
        response = Response(
            {"detail": str(log_unavailable(request, exc))},  # or: saved, then the answer failed (core.outage)
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(RETRY_AFTER)},
        )
        response._has_been_logged = True  # Django's flag: logged once, with the request id
        return response
    return drf_exception_handler(exc, context)


class AuditEntrySerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    result_label = serializers.CharField(
        source="get_result_display", read_only=True, help_text="The result in the caller's language."
    )
    actor_name = serializers.CharField(read_only=True, help_text="The actor's username as recorded (in the hash).")
    actor_display_name = serializers.SerializerMethodField()

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "chain",
            "chain_seq",
            "at",
            "actor_id",
            "actor_name",
            "actor_display_name",
            "action",
            "label",
            "result",
            "result_label",
            "object_type",
            "object_id",
            "object_repr",
            "organization_id",
            "before",
            "after",
            "request_id",
            "prev_hash",
            "hash",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["before"], data["after"] = readable(self.context["request"].user, instance)
        return data

    def get_actor_display_name(self, entry) -> str:
        """The actor's name as the pages show it: a member's name where the reader may see that member, else the
        account's full name; empty for the system or an account since removed."""
        if entry.actor_id is None:
            return ""
        names = self.context.setdefault("_actor_names", {})
        if entry.actor_id not in names:
            names[entry.actor_id] = _actor_display_name(self.context["request"].user, entry.actor_id)
        return names[entry.actor_id]


def _actor_display_name(reader, actor_id: int) -> str:
    actor = get_user_model().objects.filter(pk=actor_id).select_related("member").first()
    if actor is None:
        return ""
    member = getattr(actor, "member", None)
    if member is not None and can(reader, Action.VIEW, member):
        return member.name
    return actor.get_full_name() or actor.username


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail within the caller's scope: for the auditors alone (anyone else, a superuser or an officer
    included, is answered 403). `result` filters by how the event ended: done, refused (by the permission policy) or
    failed (a sign-in)."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()  # for the schema; requests get the scoped queryset below
    filterset_fields = ["action", "result", "object_type", "object_id", "organization_id", "actor_id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        if not can_anywhere(self.request.user, Action.VIEW_AUDIT):
            raise DRFPermissionDenied(_("Your role does not include reading the audit trail."))
        entries, _organization = audit_entries(user=self.request.user)
        return entries


# ---------------------------------------------------------------- the schema's error answers


_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What went wrong, in the caller's language."}},
    "required": ["detail"],
}
# A refused input: {"field": ["message", ...]} per field, or {"detail": [...]} / {"non_field_errors": [...]}.
_INVALID = {
    "type": "object",
    "description": "The messages of a refused input, by field (`detail` or `non_field_errors` for the whole input), "
    "in the caller's language.",
    "additionalProperties": True,
}
_ERRORS = {
    "400": ("InvalidInput", "The input was refused: the messages say why, by field."),
    "403": ("Error", "Not signed in, or the caller's role does not allow this here."),
    "404": ("Error", "No such row in the caller's scope (or no such page of a list)."),
    "409": ("Error", "The row changed meanwhile, or its state no longer allows this."),
    "415": ("Error", "The body is not of a media type the operation reads."),
    "503": ("Error", "The database could not be reached; nothing was saved. Try again."),
}
_WRITES = {"post", "put", "patch", "delete"}


def document_errors(result, generator, request, public):
    """Every operation documents the errors it really answers, each with its body (a drf-spectacular hook):
    403 and 503 always; 400 and 404 where it reads input (parameters or a body: a row outside the caller's scope, a page of a
    list past its end); 409 and 415 for writes."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = _DETAIL
    schemas["InvalidInput"] = _INVALID
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete", "head"}:
                continue
            names = {parameter.get("name") for parameter in operation.get("parameters", [])}
            codes = ["403", "503"]
            if names or "requestBody" in operation:
                codes.append("400")
            if names or "requestBody" in operation:
                codes.append("404")  # a row named in the path, the query or the body, or a page past the end
            if method in _WRITES:
                codes += ["400", "404", "409", "415"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                component, description = _ERRORS[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result


# ---------------------------------------------------------------- references within the caller's scope


class _InScope:
    """A related field offering only rows the caller may see.

    With `hidden_is_404` the row is the target of the call (the list a duty is created in, the organization a
    list is made for): one the caller may not see answers 404, as its own URL would, rather than a field error.
    """

    def __init__(self, *args, hidden_is_404=False, **kwargs):
        self.hidden_is_404 = hidden_is_404
        super().__init__(*args, **kwargs)

    def get_queryset(self):
        # The one restriction an API module builds itself: the field narrows whatever queryset its serializer names
        # (members, lists, organizations, ...), so no single selector can stand for it.
        request = self.context.get("request")
        return restrict(getattr(request, "user", None), Action.VIEW, super().get_queryset())

    def fail(self, key, **kwargs):
        if key == "does_not_exist" and self.hidden_is_404:
            raise NotFound()
        super().fail(key, **kwargs)


class ScopedPrimaryKey(_InScope, serializers.PrimaryKeyRelatedField):
    pass


class ScopedCode(_InScope, serializers.SlugRelatedField):
    """An organization by its code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", organizations())
        super().__init__(slug_field="code", **kwargs)


# The codes period_for reads: a year from 1900 to 2999, alone or with its half, quarter or month.
PERIOD_PATTERN = r"^(19[0-9]{2}|2[0-9]{3})(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?$"


@extend_schema_field({"type": "string", "pattern": PERIOD_PATTERN, "example": "2026-Q3"})
class PeriodCode(serializers.Field):
    """A period by its code (2026, 2026-H1, 2026-Q3, 2026-07), made on first use."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            raise serializers.ValidationError(_("Write the period as text, like 2026 or 2026-Q3."))
        return period_for(data)

    def to_representation(self, value):
        return value.code


# ---------------------------------------------------------------- filters


MAX_ID = 2**63 - 1  # the largest id a database column holds: beyond it a filter is bad input, not a crash


def id_filter(field_name: str):
    """A filter by the id in `field_name`: a whole number from 1 to MAX_ID."""
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, decimal_places=0)


class OrganizationFilter(filters.CharFilter):
    """An organization by its code, as every response names it; a whole number no code matches is taken as its id.

    `field_name` is the relation to the organization ("organization", "parent", "duty__organization"); an unknown
    code or id narrows the list to nothing, as any filter value matching no row does.
    """

    def __init__(self, field_name: str = "organization", **kwargs):
        kwargs.setdefault("help_text", "Code of the organization (its id is accepted too).")
        super().__init__(field_name=field_name, **kwargs)

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        lookup = {f"{self.field_name}__code": value}
        if (
            value.isascii()
            and value.isdigit()
            and int(value) <= MAX_ID
            and not organizations().filter(code=value).exists()
        ):
            lookup = {f"{self.field_name}__pk": int(value)}
        return qs.filter(**lookup)


class _OrganizationPeriodFilter(filters.FilterSet):
    organization = OrganizationFilter()
    period = filters.CharFilter(field_name="period__code")


def organization_period_filter(model, *fields: str) -> type[filters.FilterSet]:
    """The filter set of a model's rows by organization and period, both named by their codes, and by `fields`."""
    return filterset_factory(model, filterset=_OrganizationPeriodFilter, fields=["organization", "period", *fields])


# ---------------------------------------------------------------- views


class AtomicCreateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """List, retrieve and create, the create in one transaction.

    A period the input names is made on first use (PeriodCode); a create refused afterwards does not keep it.
    """

    @transaction.atomic  # no docstring: the schema describes the operation by the view's
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for CSV (?format=csv or Accept: text/csv); the CSV itself is streamed by the view, and a
    refusal comes as JSON (exception_handler)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False, default=str)


class XLSXRenderer(BaseRenderer):
    """Lets a client ask for .xlsx (?format=xlsx); the file itself is written by the view, a refusal as JSON."""

    media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data, ensure_ascii=False, default=str).encode()
