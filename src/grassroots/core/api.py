"""API plumbing shared by every app: errors as JSON in the user's language, the audit trail endpoint."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import INVALID_INPUT, Conflict
from .models import AuditEntry
from .policy import Action, PermissionDenied, can_anywhere, restrict


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            data = {field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()}
        else:
            data = {"detail": [str(m) for m in exc.messages]}
        return Response(data, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, PermissionDenied):
        return Response({"detail": str(exc.message)}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, DataError):  # e.g. a NUL byte PostgreSQL refuses to store or compare
        return Response({"detail": str(INVALID_INPUT)}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Conflict):
        return Response({"detail": str(exc.message)}, status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


class AuditEntrySerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = [
            "seq",
            "at",
            "actor_id",
            "actor_name",
            "action",
            "label",
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


class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The audit trail within the caller's scope (auditors, officers, administrators)."""

    serializer_class = AuditEntrySerializer
    queryset = AuditEntry.objects.none()  # for the schema; requests get the scoped queryset below
    filterset_fields = ["action", "object_type", "object_id", "organization_id", "actor_id"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        if not can_anywhere(self.request.user, Action.VIEW_AUDIT):
            raise DRFPermissionDenied()
        return restrict(self.request.user, Action.VIEW_AUDIT, AuditEntry.objects.order_by("-seq"))
