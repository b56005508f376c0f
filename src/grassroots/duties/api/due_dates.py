"""Requests to move a due date, and the issuer's decision."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import (
    id_filter,
)

from .. import selectors, services
from ..models import (
    DueDateRequest,
)

# ---------------------------------------------------------------- fields


class DueDateRequestSerializer(serializers.ModelSerializer):
    duty_title = serializers.CharField(source="assignment.duty.title", read_only=True)
    organization = serializers.SlugRelatedField(source="assignment.organization", slug_field="code", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DueDateRequest
        fields = [
            "id",
            "assignment",
            "duty_title",
            "organization",
            "requested_by",
            "current_due",
            "new_due",
            "reason",
            "state",
            "decided_by",
            "decided_at",
            "decision_note",
            "created_at",
        ]
        read_only_fields = fields


def with_request_relations(qs):
    return qs.select_related("assignment__duty", "assignment__organization", "requested_by", "decided_by")


def fetch_due_date_request(pk) -> DueDateRequest:
    return with_request_relations(DueDateRequest.objects.filter(pk=pk)).get()


class DecideSerializer(serializers.Serializer):
    grant = serializers.BooleanField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class DueDateRequestFilter(filters.FilterSet):
    assignment = id_filter("assignment_id")

    class Meta:
        model = DueDateRequest
        fields = ["state", "assignment"]


class DueDateRequestViewSet(viewsets.ReadOnlyModelViewSet):
    """Requests to move a due date; the issuing organization grants or refuses them."""

    serializer_class = DueDateRequestSerializer
    filterset_class = DueDateRequestFilter

    def get_queryset(self):
        requests = selectors.due_date_request_list(user=self.request.user)
        return with_request_relations(requests).order_by("-created_at", "-id")

    @extend_schema(request=DecideSerializer, responses=DueDateRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Grant (the assignment's due date moves) or refuse (say why)."""
        due_request = self.get_object()
        payload = DecideSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.due_date_decide(
            actor=request.user, request=due_request, grant=data["grant"], note=data.get("note", "")
        )
        return Response(DueDateRequestSerializer(fetch_due_date_request(due_request.pk)).data)
