"""API of the points ledger: the rule book, entries by hand, corrections as new lines, the ranking."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import id_filter

from .. import selectors, services
from ..models import PointEntry, PointRule
from .common import MemberRef, OrganizationYearQuery, query_params, this_year


class PointRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointRule
        fields = list(PointRule.EDITABLE_FIELDS)
        read_only_fields = fields


class PointRuleViewSet(viewsets.ReadOnlyModelViewSet):
    """The points rule book: what earns (or costs) how many points, with daily, monthly and yearly caps."""

    serializer_class = PointRuleSerializer
    queryset = selectors.point_rule_list().order_by("source", "code")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = ["source", "is_active"]


class PointEntrySerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    rule = serializers.SlugRelatedField(slug_field="code", read_only=True)
    rule_name = serializers.CharField(source="rule.name", read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "rule",
            "rule_name",
            "points",
            "earned_on",
            "source_type",
            "source_id",
            "note",
            "corrects",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


class PointsEnterSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True)
    rule = serializers.SlugRelatedField(
        slug_field="code", queryset=PointRule.objects.filter(is_active=True), help_text="Code of a rule in force."
    )
    earned_on = serializers.DateField()
    note = serializers.CharField(max_length=300, help_text="What the points are for.")
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, default=None, help_text="For rules per hour."
    )


class PointsCorrectSerializer(serializers.Serializer):
    points = serializers.DecimalField(max_digits=7, decimal_places=1, help_text="What the entry should have been.")
    reason = serializers.CharField(max_length=300)


class RankingSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    member_id = serializers.IntegerField()
    name = serializers.CharField()
    total = serializers.DecimalField(max_digits=9, decimal_places=1)


class PointEntryFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="member__organization__code")
    member = id_filter("member_id")
    rule = filters.CharFilter(field_name="rule__code")
    year = filters.NumberFilter(field_name="earned_on__year", min_value=1, max_value=9999, decimal_places=0)
    earned_from = filters.DateFilter(field_name="earned_on", lookup_expr="gte")
    earned_to = filters.DateFilter(field_name="earned_on", lookup_expr="lte")

    class Meta:
        model = PointEntry
        fields = ["organization", "member", "rule", "year", "earned_from", "earned_to"]


class PointEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The members' points ledger: lines are never edited, a correction is a new line pointing at the old one."""

    serializer_class = PointEntrySerializer
    filterset_class = PointEntryFilter

    def get_queryset(self):
        return selectors.point_entry_list(user=self.request.user).order_by("-earned_on", "-id")

    def _answer(self, entry):
        data = PointEntrySerializer(selectors.point_entry_list(user=self.request.user).get(pk=entry.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PointsEnterSerializer, responses={201: PointEntrySerializer})
    @action(detail=False, methods=["post"])
    def enter(self, request):
        """The secretary enters confirmed points by hand (volunteering, other); a cap that would break: 400."""
        payload = PointsEnterSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return self._answer(services.points_enter(actor=request.user, **payload.validated_data))

    @extend_schema(request=PointsCorrectSerializer, responses={201: PointEntrySerializer})
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        """Correct this line: a new line carries the difference to the points it should have had."""
        entry = self.get_object()
        payload = PointsCorrectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.points_correct(actor=request.user, entry=entry, **payload.validated_data))

    @extend_schema(parameters=[OrganizationYearQuery], responses=RankingSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def ranking(self, request):
        """The members of an organization ranked by their points in a year."""
        query = query_params(self, OrganizationYearQuery)
        rows = selectors.points_ranking(organization=query["organization"], year=query.get("year") or this_year())
        return Response(RankingSerializer(rows, many=True).data)
