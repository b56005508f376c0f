"""Periods, business objectives and duty lists."""

from django.db import transaction
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from grassroots.core.api import (
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    organization_period_filter,
)
from grassroots.core.models import Period
from grassroots.core.policy import Action, can_anywhere

from .. import selectors, services
from ..models import (
    BusinessObjective,
    DutyList,
    ObjectiveValue,
)

# ---------------------------------------------------------------- fields


class PeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = Period
        fields = ["code", "kind", "start", "end"]
        read_only_fields = ["kind", "start", "end"]
        extra_kwargs = {"code": {"validators": []}}


class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Years, halves, quarters and months that lists and objectives belong to; made by code."""

    serializer_class = PeriodSerializer
    queryset = Period.objects.order_by("start", "kind")
    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    filterset_fields = ["kind"]

    def perform_create(self, serializer):
        if not can_anywhere(self.request.user, Action.CHANGE):
            raise PermissionDenied()
        serializer.instance = services.period_for(serializer.validated_data["code"])


class ObjectiveValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = ObjectiveValue
        fields = ["measured_on", "value", "note", "created_at"]
        read_only_fields = ["created_at"]


class ObjectiveSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True)
    period = PeriodCode()
    values = ObjectiveValueSerializer(many=True, read_only=True)
    attainment = serializers.SerializerMethodField()

    class Meta:
        model = BusinessObjective
        fields = [
            "id",
            "organization",
            "period",
            "name",
            "measure",
            "unit",
            "baseline",
            "target",
            "values",
            "attainment",
        ]
        read_only_fields = ["id"]

    def get_attainment(self, obj) -> float:
        """Share of the way from baseline to target reached by the latest value (0..1)."""
        values = list(obj.values.all())
        latest = max(values, key=lambda v: (v.measured_on, v.id), default=None)
        return obj.attainment(latest.value if latest else None)


ObjectiveFilter = organization_period_filter(BusinessObjective)


class ObjectiveViewSet(AtomicCreateViewSet):
    """Measurable targets of the units' own work that duties serve, with their measured values."""

    serializer_class = ObjectiveSerializer
    filterset_class = ObjectiveFilter

    def get_queryset(self):
        objectives = selectors.objective_list(user=self.request.user)
        return objectives.select_related("organization", "period").prefetch_related("values")

    def perform_create(self, serializer):
        serializer.instance = services.objective_create(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=ObjectiveValueSerializer, responses={201: ObjectiveSerializer})
    @action(detail=True, methods=["post"])
    def record_value(self, request, pk=None):
        objective = self.get_object()
        payload = ObjectiveValueSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.objective_record_value(actor=request.user, objective=objective, **payload.validated_data)
        objective = self.get_queryset().get(pk=objective.pk)
        return Response(ObjectiveSerializer(objective).data, status=status.HTTP_201_CREATED)


class DutyListSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True)
    period = PeriodCode(allow_null=True, required=False)
    duty_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = DutyList
        fields = ["id", "organization", "period", "title", "is_template", "duty_count", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators = []  # the service checks the constraints, with their own messages


class DutyListCopySerializer(serializers.Serializer):
    organization = ScopedCode(
        hidden_is_404=True, required=False, help_text="Code of the organization receiving the copy (default: same)."
    )
    period = PeriodCode()
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    into_existing = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Copy even when the period already has a list with duties (they stay; the copies are added).",
    )


DutyListFilter = organization_period_filter(DutyList, "is_template")


class DutyListViewSet(AtomicCreateViewSet):
    """The duty list of each organization and period, and templates to copy from."""

    serializer_class = DutyListSerializer
    filterset_class = DutyListFilter

    def get_queryset(self):
        lists = selectors.duty_list_list(user=self.request.user).annotate(
            duty_count=Count("duties", filter=Q(duties__series__isnull=True))
        )
        return lists.order_by("organization__path", "-period__start", "title", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.duty_list_create(
            actor=self.request.user,
            organization=data["organization"],
            period=data.get("period"),
            title=data["title"],
            is_template=data.get("is_template", False),
        )
        serializer.instance.duty_count = 0

    @extend_schema(request=DutyListCopySerializer, responses={201: DutyListSerializer})
    @action(detail=True, methods=["post"])
    @transaction.atomic
    def copy(self, request, pk=None):
        """Copy this list's duties (a template, or last period's list) into a period, dates shifted."""
        source = self.get_object()
        payload = DutyListCopySerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        target = services.duty_list_copy(
            actor=request.user,
            source=source,
            organization=data.get("organization") or source.organization,
            period=data["period"],
            title=data.get("title", ""),
            into_existing=data["into_existing"],
        )
        target = self.get_queryset().get(pk=target.pk)
        return Response(DutyListSerializer(target).data, status=status.HTTP_201_CREATED)
