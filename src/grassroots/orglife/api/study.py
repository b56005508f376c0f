"""API of study: the hours members studied (confirmed by the secretary) and the study plans."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import AtomicCreateViewSet, ScopedCode, id_filter, organization_period_filter

from .. import selectors, services
from ..models import RecordState, StudyCourse, StudyPlan, StudyRecord
from .common import MemberRef, SafePeriodCode, enum_field


class StudyRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    state = enum_field(RecordState.choices, "study-record-state", read_only=True)
    confirmed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    entered_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = StudyRecord
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "course",
            "title",
            "studied_on",
            "hours",
            "state",
            "entered_by",
            "confirmed_by",
            "confirmed_at",
            "created_at",
        ]
        read_only_fields = fields


class StudyRecordCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True, help_text="Whose study: yourself, or a member you manage.")
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    studied_on = serializers.DateField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="More than 0, at most 24.")
    course = serializers.PrimaryKeyRelatedField(
        queryset=StudyCourse.objects.all(), required=False, allow_null=True, default=None
    )

    def validate(self, attrs):
        course, member = attrs.get("course"), attrs["member"]
        if course is not None and course.organization_id and not member.organization.is_within(course.organization):
            raise serializers.ValidationError(
                {"course": [_("This course is not offered to the member's organization.")]}
            )
        return attrs


class StudyRecordFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="member__organization__code")
    member = id_filter("member_id")
    studied_from = filters.DateFilter(field_name="studied_on", lookup_expr="gte")
    studied_to = filters.DateFilter(field_name="studied_on", lookup_expr="lte")

    class Meta:
        model = StudyRecord
        fields = ["organization", "member", "state", "studied_from", "studied_to"]


class StudyRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hours members studied: a member records their own (the secretary confirms), a secretary records for them."""

    serializer_class = StudyRecordSerializer
    filterset_class = StudyRecordFilter

    def get_queryset(self):
        return selectors.study_record_list(user=self.request.user).order_by("-studied_on", "-id")

    def _answer(self, record, code=status.HTTP_200_OK):
        record = selectors.study_record_list(user=self.request.user).get(pk=record.pk)
        return Response(StudyRecordSerializer(record).data, status=code)

    @extend_schema(request=StudyRecordCreateSerializer, responses={201: StudyRecordSerializer})
    def create(self, request, *args, **kwargs):
        payload = StudyRecordCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        record = services.study_record_create(actor=request.user, **payload.validated_data)
        return self._answer(record, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=StudyRecordSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """The secretary confirms the hours (points follow)."""
        record = services.study_record_decide(actor=request.user, record=self.get_object(), confirm=True)
        return self._answer(record)

    @extend_schema(request=None, responses=StudyRecordSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        record = services.study_record_decide(actor=request.user, record=self.get_object(), confirm=False)
        return self._answer(record)


class StudyPlanSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization; the plan covers its subtree.")
    period = SafePeriodCode()
    required_hours = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=1000)
    required_hours_cadre = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=1000)

    class Meta:
        model = StudyPlan
        fields = ["id", "organization", "period", "required_hours", "required_hours_cadre", "needs_confirmation"]
        read_only_fields = ["id"]
        validators = []  # the model's constraint is checked with its own message


StudyPlanFilter = organization_period_filter(StudyPlan)


class StudyPlanViewSet(AtomicCreateViewSet):
    """Hours each member must study in a period, set by an organization for its subtree."""

    serializer_class = StudyPlanSerializer
    filterset_class = StudyPlanFilter

    def get_queryset(self):
        return selectors.study_plan_list(user=self.request.user).order_by("organization__path", "period__start", "id")

    def perform_create(self, serializer):
        serializer.instance = services.study_plan_create(actor=self.request.user, **serializer.validated_data)
