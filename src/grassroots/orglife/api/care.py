"""API of the care ledger of members in difficulty, with visits and alerts; the details are restricted."""

from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import id_filter

from .. import selectors, services
from ..models import CareCase, CareCategory, CareOccasion, CareVisit
from .common import MASK, MemberRef, OrganizationQuery, enum_field, may_read_personal, query_params


class CareCaseSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    category = enum_field(CareCategory.choices, "care-case-category", read_only=True)
    details = serializers.SerializerMethodField()
    details_masked = serializers.SerializerMethodField()

    class Meta:
        model = CareCase
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "category",
            "details",
            "details_masked",
            "opened_on",
            "closed_on",
            "visit_interval_days",
            "created_at",
        ]
        read_only_fields = fields

    def _hidden(self, obj) -> bool:
        request = self.context.get("request")
        return bool(obj.details) and not (request and may_read_personal(request, obj.member))

    def get_details(self, obj) -> str:
        """Restricted: given only to those who may read the member's personal data, masked otherwise."""
        return MASK if self._hidden(obj) else obj.details

    def get_details_masked(self, obj) -> bool:
        return self._hidden(obj)


class CareCaseCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True)
    category = enum_field(CareCategory.choices, "care-case-create-category")
    details = serializers.CharField(required=False, allow_blank=True, default="")
    opened_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")
    visit_interval_days = serializers.IntegerField(min_value=1, max_value=3660, required=False, default=182)

    def validate_opened_on(self, value):
        if value and value > timezone.localdate():
            raise serializers.ValidationError(_("A member cannot enter the ledger on a future date."))
        return value


class CareCaseCloseSerializer(serializers.Serializer):
    closed_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: today.")


class CareAlertSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case.pk")
    member = serializers.IntegerField(source="case.member_id")
    member_name = serializers.CharField(source="case.member.name")
    organization = serializers.CharField(source="case.member.organization.code")
    since = serializers.DateField(help_text="Last visit, or entry into the ledger if never visited.")
    days = serializers.IntegerField()
    never = serializers.BooleanField(help_text="Never visited.")


class CareCaseFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="member__organization__code")
    member = id_filter("member_id")
    open = filters.BooleanFilter(field_name="closed_on", lookup_expr="isnull")

    class Meta:
        model = CareCase
        fields = ["organization", "member", "category", "open"]


class CareCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The ledger of members in difficulty (困难党员); the details are restricted."""

    serializer_class = CareCaseSerializer
    filterset_class = CareCaseFilter

    def get_queryset(self):
        return selectors.care_case_list(user=self.request.user).order_by("-opened_on", "-id")

    def _answer(self, case, code=status.HTTP_200_OK):
        case = selectors.care_case_list(user=self.request.user).get(pk=case.pk)
        return Response(CareCaseSerializer(case, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=CareCaseCreateSerializer, responses={201: CareCaseSerializer})
    def create(self, request, *args, **kwargs):
        """Add a member to the care ledger."""
        payload = CareCaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["interval_days"] = data.pop("visit_interval_days")
        return self._answer(services.care_case_open(actor=request.user, **data), status.HTTP_201_CREATED)

    @extend_schema(request=CareCaseCloseSerializer, responses=CareCaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """The member leaves the ledger."""
        case = self.get_object()
        payload = CareCaseCloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        closed_on = payload.validated_data["closed_on"]
        return self._answer(services.care_case_close(actor=request.user, case=case, closed_on=closed_on))

    @extend_schema(parameters=[OrganizationQuery], responses=CareAlertSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def alerts(self, request):
        """Members in the ledger of an organization's subtree not visited within their interval, longest first."""
        query = query_params(self, OrganizationQuery)
        rows = selectors.care_alerts(user=request.user, organization=query["organization"])
        return Response(CareAlertSerializer(rows, many=True).data)


class CareVisitSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="case.member_id", read_only=True)
    member_name = serializers.CharField(source="case.member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="case.member.organization", slug_field="code", read_only=True)
    occasion = enum_field(CareOccasion.choices, "care-occasion", read_only=True)
    visitor_display = serializers.SerializerMethodField()

    class Meta:
        model = CareVisit
        fields = [
            "id",
            "case",
            "member",
            "member_name",
            "organization",
            "visited_on",
            "visitor",
            "visitor_name",
            "visitor_display",
            "occasion",
            "help_given",
            "amount",
            "created_at",
        ]
        read_only_fields = fields

    def get_visitor_display(self, obj) -> str:
        return obj.visitor.name if obj.visitor_id else obj.visitor_name


class CareVisitCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True, help_text="The member visited: must be in the care ledger.")
    visited_on = serializers.DateField()
    help_given = serializers.CharField(help_text="What was done.")
    visitor = MemberRef(required=False, allow_null=True, default=None)
    visitor_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    occasion = enum_field(CareOccasion.choices, "care-occasion", required=False, default=CareOccasion.ROUTINE)
    amount = serializers.DecimalField(max_digits=9, decimal_places=2, required=False, default=0)


class CareVisitFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="case__member__organization__code")
    member = id_filter("case__member_id")
    case = id_filter("case_id")
    visited_from = filters.DateFilter(field_name="visited_on", lookup_expr="gte")
    visited_to = filters.DateFilter(field_name="visited_on", lookup_expr="lte")

    class Meta:
        model = CareVisit
        fields = ["organization", "member", "case", "occasion", "visited_from", "visited_to"]


class CareVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits to members in the care ledger and the help given; a visit is recorded by the member visited."""

    serializer_class = CareVisitSerializer
    filterset_class = CareVisitFilter

    def get_queryset(self):
        return selectors.care_visit_list(user=self.request.user).order_by("-visited_on", "-id")

    @extend_schema(request=CareVisitCreateSerializer, responses={201: CareVisitSerializer})
    def create(self, request, *args, **kwargs):
        payload = CareVisitCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        visit = services.care_visit_record(actor=request.user, **payload.validated_data)
        data = CareVisitSerializer(selectors.care_visit_list(user=request.user).get(pk=visit.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)
