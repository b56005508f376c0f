"""Progress reports with evidence, and their review by the issuing organization."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import (
    OrganizationFilter,
    id_filter,
)

from .. import selectors, services
from ..models import (
    Evidence,
    ProgressReport,
)

# ---------------------------------------------------------------- fields


class EvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "original_name", "kind", "content_type", "size", "sha256", "created_at"]
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer):
    duty = serializers.IntegerField(source="assignment.duty_id", read_only=True)
    duty_title = serializers.CharField(source="assignment.duty.title", read_only=True)
    organization = serializers.SlugRelatedField(source="assignment.organization", slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "assignment",
            "duty",
            "duty_title",
            "organization",
            "author",
            "text",
            "percent",
            "state",
            "reviewer",
            "reviewed_at",
            "return_reason",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


def with_report_relations(qs):
    return qs.select_related("assignment__duty", "assignment__organization", "author", "reviewer").prefetch_related(
        "evidence"
    )


def fetch_report(pk) -> ProgressReport:
    return with_report_relations(ProgressReport.objects.filter(pk=pk)).get()


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="What to fix.")


class ReportFilter(filters.FilterSet):
    assignment = id_filter("assignment_id")
    organization = OrganizationFilter("assignment__organization", help_text="Code of the receiving organization.")

    class Meta:
        model = ProgressReport
        fields = ["state", "assignment", "organization"]


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Reports of what was done, with evidence; the issuing organization accepts or returns them."""

    serializer_class = ProgressReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return with_report_relations(selectors.report_list(user=self.request.user)).order_by("-created_at", "-id")

    def _answer(self, report):
        return Response(ProgressReportSerializer(fetch_report(report.pk)).data)

    @extend_schema(request=None, responses=ProgressReportSerializer(many=True))
    @action(detail=False, methods=["get"])
    def to_review(self, request):
        """Submitted reports the caller may review (issued by an organization they manage, not their own); the list's
        filters apply."""
        queue = selectors.review_queue(user=request.user).select_related("reviewer")
        page = self.paginate_queryset(self.filter_queryset(queue))
        return self.get_paginated_response(ProgressReportSerializer(page, many=True).data)

    @extend_schema(request=None, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._answer(services.report_accept(actor=request.user, report=self.get_object()))

    @extend_schema(request=ReturnSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Send the report back with the reason; the receiver reports again."""
        report = self.get_object()
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(
            services.report_return(actor=request.user, report=report, reason=payload.validated_data["reason"])
        )

    @extend_schema(request=None, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._answer(services.report_withdraw(actor=request.user, report=self.get_object()))
