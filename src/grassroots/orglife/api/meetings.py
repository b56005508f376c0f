"""API of meetings with their attendance, and of the meeting rules that say how often each kind is due."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import MAX_ID, ScopedCode, id_filter
from grassroots.core.errors import ValidationError
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization, subtree_q

from .. import selectors, services
from ..models import Attendance, AttendanceStatus, Meeting, MeetingKind, MeetingRule, MeetingState, Per
from .common import MemberRef, OrganizationPeriodQuery, enum_field, query_params


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    status = enum_field(AttendanceStatus.choices, "attendance-status", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "status", "reason"]
        read_only_fields = fields


class AttendanceInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of a member of the organization.")
    status = enum_field(AttendanceStatus.choices, "attendance-input-status")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Required when absent with leave."
    )


class MeetingSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = enum_field(MeetingKind.choices, "meeting-kind", read_only=True)
    state = enum_field(MeetingState.choices, "meeting-state", read_only=True)
    host_name = serializers.CharField(source="host.name", read_only=True, default="")
    attendance = AttendanceSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "organization",
            "organization_name",
            "kind",
            "state",
            "held_on",
            "place",
            "host",
            "host_name",
            "topic",
            "minutes",
            "resolutions",
            "attendance",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def _attendance(request, rows: list[dict]) -> dict:
    """The attendance list as the services take it ({member id: (status, reason)}), ids checked for scope."""
    ids = [row["member"] for row in rows]
    seen, twice = set(), set()
    for member_id in ids:
        (twice if member_id in seen else seen).add(member_id)
    if twice:
        raise ValidationError(
            {"attendance": _("A member is listed twice: %(ids)s.") % {"ids": ", ".join(map(str, sorted(twice)))}}
        )
    visible = set(org_selectors.member_list(user=request.user).filter(pk__in=ids).values_list("pk", flat=True))
    unknown = [str(i) for i in ids if i not in visible]
    if unknown:
        raise ValidationError(
            {
                "attendance": _("There is no member with the id %(ids)s among those you can see.")
                % {"ids": ", ".join(unknown)}
            }
        )
    return {row["member"]: (row["status"], row.get("reason", "")) for row in rows}


class MeetingCreateSerializer(serializers.Serializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization holding the meeting.")
    kind = enum_field(MeetingKind.choices, "meeting-create-kind")
    state = enum_field(
        [(MeetingState.HELD, MeetingState.HELD.label), (MeetingState.PLANNED, MeetingState.PLANNED.label)],
        "meeting-record-state",
        default=MeetingState.HELD,
        help_text="held: the record of a meeting that took place; planned: announced ahead.",
    )
    held_on = serializers.DateField()
    topic = serializers.CharField(max_length=300)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    host = MemberRef(required=False, allow_null=True, default=None)
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    resolutions = serializers.CharField(required=False, allow_blank=True, default="")
    attendance = AttendanceInputSerializer(many=True, required=False, default=list)


class MeetingHoldSerializer(serializers.Serializer):
    held_on = serializers.DateField(required=False, allow_null=True, default=None, help_text="Default: as planned.")
    minutes = serializers.CharField(required=False, allow_blank=True, default="")
    resolutions = serializers.CharField(required=False, allow_blank=True, default="")
    attendance = AttendanceInputSerializer(many=True, required=False, default=list)


class MeetingRuleBriefSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    per = enum_field(Per.choices, "meeting-rule-per", read_only=True)

    class Meta:
        model = MeetingRule
        fields = ["id", "organization", "count", "per", "applies_to_groups"]
        read_only_fields = fields


class MeetingStatusSerializer(serializers.Serializer):
    kind = enum_field(MeetingKind.choices, "meeting-status-kind")
    label = serializers.CharField()
    rule = MeetingRuleBriefSerializer()
    required = serializers.IntegerField(help_text="Meetings the rules require in the period.")
    held = serializers.IntegerField()
    planned = serializers.IntegerField(help_text="Planned from today on.")
    missing = serializers.IntegerField(help_text="Due by now and not held.")
    last = serializers.DateField(allow_null=True, help_text="The last one held, ever.")
    ok = serializers.BooleanField()


class MeetingFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code", help_text="Code of the organization.")
    within = filters.CharFilter(method="filter_within", help_text="Code of an organization: its whole subtree.")
    held_from = filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_to = filters.DateFilter(field_name="held_on", lookup_expr="lte")
    host = id_filter("host_id")

    class Meta:
        model = Meeting
        fields = ["organization", "within", "kind", "state", "held_from", "held_to", "host"]

    def filter_within(self, queryset, name, value):
        org = Organization.objects.filter(code=value).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "organization__path"))


def _meetings(user):
    return selectors.meeting_list(user=user).prefetch_related("attendance__member")


class MeetingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Meetings of organizations (三会一课, theme party days, organizational life meetings) with attendance."""

    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter

    def get_queryset(self):
        return _meetings(self.request.user).order_by("-held_on", "-id")

    def _answer(self, meeting, code=status.HTTP_200_OK):
        return Response(MeetingSerializer(_meetings(self.request.user).get(pk=meeting.pk)).data, status=code)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingSerializer})
    def create(self, request, *args, **kwargs):
        """Record a meeting that was held, with its attendance, or announce one planned ahead."""
        payload = MeetingCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["attendance"] = _attendance(request, data.pop("attendance"))
        meeting = services.meeting_record(actor=request.user, **data)
        return self._answer(meeting, status.HTTP_201_CREATED)

    @extend_schema(request=MeetingHoldSerializer, responses=MeetingSerializer)
    @action(detail=True, methods=["post"])
    def hold(self, request, pk=None):
        """Turn a planned meeting into the record of the meeting held (once: again answers 409)."""
        meeting = self.get_object()
        payload = MeetingHoldSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        data["attendance"] = _attendance(request, data.pop("attendance"))
        meeting = services.meeting_hold(actor=request.user, meeting=meeting, **data)
        return self._answer(meeting)

    @extend_schema(parameters=[OrganizationPeriodQuery], responses=MeetingStatusSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def status(self, request):
        """Per kind of meeting: required by the rules in the period, held, planned, missing by now."""
        query = query_params(self, OrganizationPeriodQuery)
        rows = selectors.meeting_status(organization=query["organization"], period=query["period"])
        return Response(MeetingStatusSerializer(rows, many=True).data)


# ---------------------------------------------------------------- meeting rules


class MeetingRuleSerializer(serializers.ModelSerializer):
    organization = ScopedCode(
        allow_null=True, required=False, default=None, help_text="Empty: the default for every organization."
    )
    kind = enum_field(MeetingKind.choices, "meeting-rule-kind")
    per = enum_field(Per.choices, "meeting-rule-per")
    count = serializers.IntegerField(min_value=1, max_value=100)

    class Meta:
        model = MeetingRule
        fields = ["id", "kind", "organization", "count", "per", "applies_to_groups"]
        read_only_fields = ["id"]
        validators = []  # the model's constraints are checked with their own messages


class MeetingRuleViewSet(viewsets.ModelViewSet):
    """How often each kind of meeting must be held; everyone reads, only a system administrator changes."""

    serializer_class = MeetingRuleSerializer
    filterset_fields = ["kind", "per", "applies_to_groups"]

    def get_queryset(self):
        """The defaults, rules set in the caller's scope, and rules set above it (they apply in it too)."""
        return selectors.meeting_rule_list(user=self.request.user).order_by("kind", "organization__path", "id")

    def perform_create(self, serializer):
        serializer.instance = services.meeting_rule_set(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.meeting_rule_set(
            actor=self.request.user, rule=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.meeting_rule_delete(actor=self.request.user, rule=instance)
