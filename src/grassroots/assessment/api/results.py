"""API of the results: filtered like the results page, as JSON or CSV."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import JSONRenderer

from grassroots.core.api import (
    CSVRenderer,
    id_filter,
)
from grassroots.core.policy import Action, can_anywhere
from grassroots.core.policy import PermissionDenied as PolicyDenied
from grassroots.core.web import parse_id
from grassroots.organizations.models import Organization, UnitType, subtree_q

from .. import exports, selectors
from ..models import (
    Grade,
    NotAssessed,
    Result,
    Standing,
)
from .common import named_enum


class ResultSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grade = named_enum(Grade.choices + Standing.choices, "assessment-result-grade", inline=True)(read_only=True)
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    not_assessed = named_enum(NotAssessed.choices + [("", "")], "assessment-result-not-assessed")(
        read_only=True,
        help_text="Why the organization is not assessed (no score, grade or rank): no_members, coverage; blank if it is.",
    )
    coverage = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="The share of the system's weight carried by the indicators that apply to the organization.",
    )
    sensitive = serializers.SerializerMethodField(
        help_text="Whether the rank is marked sensitive to the weights: its range under ±10% weights is wider than "
        "5% of the organizations ranked together (and than 2 places)."
    )

    second_look = serializers.SerializerMethodField(
        help_text="Whether the organization is marked for a second look: its weighted rank (rank_level, the rank that "
        "counts) and its TOPSIS rank (a cross-check) lie more than 10% of the organizations ranked apart."
    )
    provisional = serializers.SerializerMethodField(
        help_text="Whether the run's results are provisional: computed as of a day (asof) before its closing day."
    )
    asof = serializers.DateField(source="run.counted_to", read_only=True, help_text="The day records counted up to.")

    def get_organization_name(self, result) -> str:
        return result.organization.display_name()

    def _per_run(self, name: str, result, compute):
        limits = self.context.setdefault(name, {})  # per run, for the page of results
        if result.run_id not in limits:
            limits[result.run_id] = compute(result.run)
        return limits[result.run_id]

    def get_sensitive(self, result) -> bool:
        limit = self._per_run(
            "unstable_limits", result, lambda run: selectors.unstable_range(selectors.level_size(run))
        )
        if result.rank_low is None or result.rank_high is None:
            return False
        return result.rank_high - result.rank_low > limit

    def get_second_look(self, result) -> bool:
        limit = self._per_run(
            "second_look_limits", result, lambda run: selectors.second_look_limit(selectors.ranked_count(run))
        )
        return selectors.needs_second_look(result, limit)

    def get_provisional(self, result) -> bool:
        return result.run.is_provisional

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
            "not_assessed",
            "coverage",
            "rank_siblings",
            "rank_level",
            "closeness",
            "rank_topsis",
            "rank_low",
            "rank_high",
            "sensitive",
            "second_look",
            "provisional",
            "asof",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "score": {
                "help_text": "At full precision. The pages and exports show it cut (rounded down, never up) to two "
                "decimals, so that a score shown never reaches a grade band the score did not: 89.997 shows as 89.99."
            },
            "rank_level": {"help_text": "The weighted rank in the level: the rank that counts."},
            "rank_topsis": {
                "help_text": "TOPSIS rank, a cross-check only; TOPSIS fills an indicator that does not apply to an "
                "organization with that indicator's mean over the organizations assessed."
            },
        }


class ResultFilter(filters.FilterSet):
    run = id_filter("run_id")
    organization = filters.CharFilter(method="within", help_text="Code of an organization: its whole subtree.")
    unit_type = filters.ChoiceFilter(field_name="organization__unit_type", choices=UnitType.choices)
    grade = filters.ChoiceFilter(choices=Grade.choices + Standing.choices)
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


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results the caller may see: filter by run, subtree, kind of unit, grade and veto; sort; export CSV."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    queryset = Result.objects.none()

    def get_queryset(self):
        return (
            selectors.visible_results(user=self.request.user)
            .select_related("organization", "run__period")
            .order_by("run_id", "rank_level", "organization__path")
        )

    @extend_schema(
        filters=True,
        parameters=[OpenApiParameter("run", int, required=True, description="The assessment run to export.")],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
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
