"""API of the results: filtered like the results page, as JSON or CSV."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from grassroots.core.api import (
    id_filter,
)
from grassroots.core.policy import Action, can_anywhere
from grassroots.core.policy import PermissionDenied as PolicyDenied
from grassroots.core.web import parse_id
from grassroots.organizations.models import Organization, UnitType, subtree_q

from .. import exports, selectors
from ..models import (
    Grade,
    Result,
)
from .common import named_enum


class ResultSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grade = named_enum(Grade.choices, "assessment-result-grade", inline=True)(read_only=True)
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    sensitive = serializers.SerializerMethodField(
        help_text="Whether the rank is marked sensitive to the weights: its range under ±10% weights is wider than "
        "5% of the organizations ranked together (and than 2 places)."
    )

    def get_organization_name(self, result) -> str:
        return result.organization.display_name()

    def get_sensitive(self, result) -> bool:
        limits = self.context.setdefault("unstable_limits", {})  # per run, for the page of results
        if result.run_id not in limits:
            limits[result.run_id] = selectors.unstable_range(selectors.level_size(result.run))
        return result.rank_high - result.rank_low > limits[result.run_id]

    class Meta:
        model = Result
        fields = [
            "id",
            "run",
            "organization",
            "organization_name",
            "weighted",
            "deductions",
            "bonus",
            "score",
            "grade",
            "vetoed",
            "veto_reason",
            "rank_siblings",
            "rank_level",
            "closeness",
            "rank_topsis",
            "rank_low",
            "rank_high",
            "sensitive",
        ]
        read_only_fields = fields


class ResultFilter(filters.FilterSet):
    run = id_filter("run_id")
    organization = filters.CharFilter(method="within", help_text="Code of an organization: its whole subtree.")
    unit_type = filters.ChoiceFilter(field_name="organization__unit_type", choices=UnitType.choices)
    grade = filters.ChoiceFilter(choices=Grade.choices)
    vetoed = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: only the vetoed; false: only the others.",
    )
    sort = filters.ChoiceFilter(
        method="order", choices=[(k, k) for k in selectors.SORTS], help_text="Order of the results."
    )

    class Meta:
        model = Result
        fields = ["run", "organization", "unit_type", "grade", "vetoed", "sort"]

    def within(self, queryset, name, value):
        org = Organization.objects.filter(code=value.strip()).first()
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "organization__path"))

    def order(self, queryset, name, value):
        return selectors.filter_results(queryset, sort=value)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the CSV itself is streamed by the view, errors come as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        return json.dumps(data, ensure_ascii=False, default=str)


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results the caller may see: filter by run, subtree, kind of unit, grade and veto; sort; export CSV."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    queryset = Result.objects.none()

    def get_queryset(self):
        return (
            selectors.visible_results(user=self.request.user)
            .select_related("organization")
            .order_by("run_id", "rank_level", "organization__path")
        )

    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="csv", renderer_classes=[JSONRenderer, CSVRenderer])
    def csv(self, request):
        """The filtered results of one run (the `run` filter is required) as CSV; audited as an export."""
        if not can_anywhere(request.user, Action.EXPORT):
            raise PolicyDenied(_("You may not export data."))
        run_id = parse_id(request.query_params.get("run", ""))
        if run_id is None:
            raise DRFValidationError({"run": [_("Name the assessment run to export.")]})
        run = get_object_or_404(selectors.run_list(user=request.user), pk=run_id)
        qs = selectors.results_to_export(
            user=request.user, results=self.filter_queryset(self.get_queryset()).filter(run=run)
        )
        return exports.results_csv(user=request.user, run=run, results=qs)
