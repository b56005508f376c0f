"""REST API of organizational life: thin over the orglife selectors and services, under the same policy.

Meetings with their attendance, meeting rules, study records and plans, the points ledger and its ranking,
the democratic appraisal of members, the care ledger with its visits and alerts, heart-to-heart talks.
Organizations are named by their codes, as in the organizations API. A row the caller may not see answers 404
(its URL, or a create naming it as its target); a service refusing answers 403; bad input 400 with messages by
field; somebody else having decided first 409. Restricted text (the details of a care case, the notes of a talk)
is masked unless the caller may read the member's personal data.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied as DRFPermissionDenied
from rest_framework.response import Response

from grassroots.core.api import (
    MAX_ID,
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    ScopedPrimaryKey,
    id_filter,
    organization_period_filter,
)
from grassroots.core.audit import audit, register_actions, snapshot
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.policy import Action, can, require, restrict, subject
from grassroots.organizations.models import Member, Organization, subtree_q

from . import selectors, services
from .models import (
    Appraisal,
    AppraisalGrade,
    AppraisalResult,
    Attendance,
    AttendanceStatus,
    CareCase,
    CareCategory,
    CareOccasion,
    CareVisit,
    Meeting,
    MeetingKind,
    MeetingRule,
    MeetingState,
    Per,
    PointEntry,
    PointRule,
    RecordState,
    StudyCourse,
    StudyPlan,
    StudyRecord,
    Talk,
)

# Writes the services do not offer yet (meeting rules, study plans) are audited under these names.
register_actions(
    {
        "orglife.meeting_rule.change": gettext_lazy("Meeting rule changed"),
        "orglife.study_plan.create": gettext_lazy("Study plan set"),
    }
)

MASK = "***"


# ---------------------------------------------------------------- shared fields and helpers


class MemberRef(ScopedPrimaryKey):
    """A member the caller can see, by id."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Member.objects.select_related("organization"))
        super().__init__(**kwargs)


class SafePeriodCode(PeriodCode):
    """A period by its code; a code naming no real date (year 0000) is bad input."""

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except ValueError:
            raise serializers.ValidationError(_("%(code)s is not a period.") % {"code": data}) from None


def _enum(choices, enum_id: str, **kwargs):
    """A choice field with an enum id of its own: give each serializer's field its own id.

    "kind", "status", "category" name other choice sets elsewhere in the API; the schema names an enum used under
    such a name in one component only after the component (MeetingCreateKindEnum) instead of warning.
    """

    @extend_schema_field({"type": "string", "enum": [value for value, _label in choices], "x-spec-enum-id": enum_id})
    class OwnEnum(serializers.ChoiceField):
        pass

    return OwnEnum(choices=choices, **kwargs)


def _this_year() -> int:
    return timezone.localdate().year


class OrganizationQuery(serializers.Serializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization.")


class OrganizationYearQuery(OrganizationQuery):
    year = serializers.IntegerField(min_value=1900, max_value=2100, required=False, help_text="Default: this year.")


class OrganizationPeriodQuery(OrganizationQuery):
    period = SafePeriodCode(help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")


def _query(view, serializer_class) -> dict:
    query = serializer_class(data=view.request.query_params, context=view.get_serializer_context())
    query.is_valid(raise_exception=True)
    return query.validated_data


class MemberBriefSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "name", "organization"]
        read_only_fields = fields


def _may_read_personal(request, member: Member) -> bool:
    return can(request.user, Action.VIEW_PERSONAL, member)


# ---------------------------------------------------------------- meetings


class AttendanceSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    status = _enum(AttendanceStatus.choices, "attendance-status", read_only=True)

    class Meta:
        model = Attendance
        fields = ["member", "member_name", "status", "reason"]
        read_only_fields = fields


class AttendanceInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Id of a member of the organization.")
    status = _enum(AttendanceStatus.choices, "attendance-input-status")
    reason = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Required when absent with leave."
    )


class MeetingSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    kind = _enum(MeetingKind.choices, "meeting-kind", read_only=True)
    state = _enum(MeetingState.choices, "meeting-state", read_only=True)
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
    visible = set(restrict(request.user, Action.VIEW, Member.objects.filter(pk__in=ids)).values_list("pk", flat=True))
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
    kind = _enum(MeetingKind.choices, "meeting-create-kind")
    state = _enum(
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
    per = _enum(Per.choices, "meeting-rule-per", read_only=True)

    class Meta:
        model = MeetingRule
        fields = ["id", "organization", "count", "per", "applies_to_groups"]
        read_only_fields = fields


class MeetingStatusSerializer(serializers.Serializer):
    kind = _enum(MeetingKind.choices, "meeting-status-kind")
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
        query = _query(self, OrganizationPeriodQuery)
        rows = selectors.meeting_status(organization=query["organization"], period=query["period"])
        return Response(MeetingStatusSerializer(rows, many=True).data)


# ---------------------------------------------------------------- meeting rules


class MeetingRuleSerializer(serializers.ModelSerializer):
    organization = ScopedCode(
        allow_null=True, required=False, default=None, help_text="Empty: the default for every organization."
    )
    kind = _enum(MeetingKind.choices, "meeting-rule-kind")
    per = _enum(Per.choices, "meeting-rule-per")
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
        qs = MeetingRule.objects.select_related("organization").order_by("kind", "organization__path", "id")
        subj = subject(self.request.user)
        if subj.is_superuser:
            return qs
        roots = list(subj.paths_for(Action.VIEW))
        if subj.member is not None:
            roots.append(subj.member.organization.path)
        above = {root[:i] for root in roots for i in range(Organization.steplen, len(root), Organization.steplen)}
        visible = restrict(self.request.user, Action.VIEW, Organization.objects.all())
        return qs.filter(
            Q(organization__isnull=True) | Q(organization__in=visible) | Q(organization__path__in=sorted(above))
        )

    def _require_admin(self):
        if not subject(self.request.user).is_superuser:
            raise DRFPermissionDenied(_("Only a system administrator changes meeting rules."))

    @transaction.atomic
    def _save(self, serializer, rule: MeetingRule):
        self._require_admin()
        before = snapshot(rule, ("kind", "organization", "count", "per", "applies_to_groups")) if rule.pk else None
        for name, value in serializer.validated_data.items():
            setattr(rule, name, value)
        rule.full_clean()
        rule.save()
        after = snapshot(rule, ("kind", "organization", "count", "per", "applies_to_groups"))
        audit("orglife.meeting_rule.change", actor=self.request.user, obj=rule, before=before, after=after)
        serializer.instance = rule

    def perform_create(self, serializer):
        self._save(serializer, MeetingRule())

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @transaction.atomic
    def perform_destroy(self, instance):
        self._require_admin()
        before = snapshot(instance, ("kind", "organization", "count", "per", "applies_to_groups"))
        audit("orglife.meeting_rule.change", actor=self.request.user, obj=instance, before=before, after=None)
        instance.delete()


# ---------------------------------------------------------------- study


class StudyRecordSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    state = _enum(RecordState.choices, "study-record-state", read_only=True)
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


def _study_records(user):
    qs = StudyRecord.objects.select_related("member__organization", "confirmed_by", "entered_by")
    return restrict(user, Action.VIEW, qs)


class StudyRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Hours members studied: a member records their own (the secretary confirms), a secretary records for them."""

    serializer_class = StudyRecordSerializer
    filterset_class = StudyRecordFilter

    def get_queryset(self):
        return _study_records(self.request.user).order_by("-studied_on", "-id")

    def _answer(self, record, code=status.HTTP_200_OK):
        return Response(StudyRecordSerializer(_study_records(self.request.user).get(pk=record.pk)).data, status=code)

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
        qs = StudyPlan.objects.select_related("organization", "period")
        return restrict(self.request.user, Action.VIEW, qs).order_by("organization__path", "period__start", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        require(self.request.user, Action.CHANGE, data["organization"])
        plan = StudyPlan(**data)
        plan.full_clean()
        plan.save()
        audit(
            "orglife.study_plan.create",
            actor=self.request.user,
            obj=plan,
            organization=plan.organization,
            after=snapshot(
                plan, ("organization", "period", "required_hours", "required_hours_cadre", "needs_confirmation")
            ),
        )
        serializer.instance = plan


# ---------------------------------------------------------------- points


class PointRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointRule
        fields = [
            "code",
            "name",
            "source",
            "points",
            "per_hour",
            "daily_cap",
            "monthly_cap",
            "yearly_cap",
            "is_active",
        ]
        read_only_fields = fields


class PointRuleViewSet(viewsets.ReadOnlyModelViewSet):
    """The points rule book: what earns (or costs) how many points, with daily, monthly and yearly caps."""

    serializer_class = PointRuleSerializer
    queryset = PointRule.objects.order_by("source", "code")
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


def _point_entries(user):
    return restrict(user, Action.VIEW, PointEntry.objects.select_related("member__organization", "rule", "created_by"))


class PointEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The members' points ledger: lines are never edited, a correction is a new line pointing at the old one."""

    serializer_class = PointEntrySerializer
    filterset_class = PointEntryFilter

    def get_queryset(self):
        return _point_entries(self.request.user).order_by("-earned_on", "-id")

    def _answer(self, entry):
        data = PointEntrySerializer(_point_entries(self.request.user).get(pk=entry.pk)).data
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
        if entry.corrects_id:
            raise ValidationError(_("This line is itself a correction: correct the line it corrects."))
        payload = PointsCorrectSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return self._answer(services.points_correct(actor=request.user, entry=entry, **payload.validated_data))

    @extend_schema(parameters=[OrganizationYearQuery], responses=RankingSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def ranking(self, request):
        """The members of an organization ranked by their points in a year."""
        query = _query(self, OrganizationYearQuery)
        rows = selectors.points_ranking(organization=query["organization"], year=query.get("year") or _this_year())
        return Response(RankingSerializer(rows, many=True).data)


# ---------------------------------------------------------------- democratic appraisal


class _ByMemberId(serializers.DictField):
    """An object keyed by member ids."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        out = {}
        for key, value in values.items():
            try:
                member_id = int(key)
            except (TypeError, ValueError):
                member_id = 0
            if not 1 <= member_id <= MAX_ID:
                raise serializers.ValidationError(_("%(key)s is not a member id.") % {"key": key})
            out[member_id] = value
        if not out:
            raise serializers.ValidationError(_("Name at least one member."))
        return out


class VotesField(_ByMemberId):
    """Member id -> grade."""


class DecisionSerializer(serializers.Serializer):
    grade = _enum(AppraisalGrade.choices, "appraisal-grade")
    follow_up = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for unqualified."
    )


class DecisionsField(_ByMemberId):
    """Member id -> decision."""


class AppraisalSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True)
    year = serializers.IntegerField(min_value=1921, max_value=2100)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Appraisal
        fields = ["id", "organization", "year", "state", "excellent_share", "closed_at", "created_at"]
        read_only_fields = ["id", "state", "excellent_share", "closed_at", "created_at"]
        validators = []  # the service checks there is one appraisal an organization and year


class VoteSerializer(serializers.Serializer):
    votes = VotesField(child=_enum(AppraisalGrade.choices, "appraisal-grade"))


class CloseSerializer(serializers.Serializer):
    decisions = DecisionsField(child=DecisionSerializer())


class AppraisalResultSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text="Votes by grade.")
    grade = _enum(AppraisalGrade.choices, "appraisal-grade", read_only=True)

    class Meta:
        model = AppraisalResult
        fields = ["member", "member_name", "counts", "grade", "follow_up"]
        read_only_fields = fields


class AppraisalFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code")
    year = filters.NumberFilter(field_name="year", min_value=1, max_value=9999, decimal_places=0)

    class Meta:
        model = Appraisal
        fields = ["organization", "year", "state"]


class AppraisalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The yearly democratic appraisal of members: opened, voted on by full members, closed with decided grades."""

    serializer_class = AppraisalSerializer
    filterset_class = AppraisalFilter

    def get_queryset(self):
        qs = Appraisal.objects.select_related("organization")
        return restrict(self.request.user, Action.VIEW, qs).order_by("-year", "organization__path", "id")

    @extend_schema(request=AppraisalSerializer, responses={201: AppraisalSerializer})
    def create(self, request, *args, **kwargs):
        """Open the appraisal of an organization for a year."""
        payload = AppraisalSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        appraisal = services.appraisal_open(actor=request.user, **payload.validated_data)
        return Response(AppraisalSerializer(appraisal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VoteSerializer, responses=inline_serializer("AppraisalVotesCast", {"votes": serializers.IntegerField()})
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """A full member rates members of the organization (themselves as the self-assessment)."""
        appraisal = self.get_object()
        payload = VoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = services.appraisal_vote(actor=request.user, appraisal=appraisal, votes=payload.validated_data["votes"])
        return Response({"votes": count})

    @extend_schema(request=CloseSerializer, responses=AppraisalResultSerializer(many=True))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Decide the grade of every full member (at most the excellent share; unqualified needs a follow-up)."""
        appraisal = self.get_object()
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decisions = {k: (v["grade"], v.get("follow_up", "")) for k, v in payload.validated_data["decisions"].items()}
        services.appraisal_close(actor=request.user, appraisal=appraisal, decisions=decisions)
        return self.results(request, pk)

    @extend_schema(request=None, responses=AppraisalResultSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        """The decided grade of each member with the votes counted (empty while voting)."""
        appraisal = self.get_object()
        rows = appraisal.results.select_related("member").order_by("member__name", "member_id")
        return Response(AppraisalResultSerializer(rows, many=True).data)


# ---------------------------------------------------------------- care


class CareCaseSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    category = _enum(CareCategory.choices, "care-case-category", read_only=True)
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
        return bool(obj.details) and not (request and _may_read_personal(request, obj.member))

    def get_details(self, obj) -> str:
        """Restricted: given only to those who may read the member's personal data, masked otherwise."""
        return MASK if self._hidden(obj) else obj.details

    def get_details_masked(self, obj) -> bool:
        return self._hidden(obj)


class CareCaseCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True)
    category = _enum(CareCategory.choices, "care-case-create-category")
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


def _care_cases(user):
    return restrict(user, Action.VIEW, CareCase.objects.select_related("member__organization"))


class CareCaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The ledger of members in difficulty (困难党员); the details are restricted."""

    serializer_class = CareCaseSerializer
    filterset_class = CareCaseFilter

    def get_queryset(self):
        return _care_cases(self.request.user).order_by("-opened_on", "-id")

    def _answer(self, case, code=status.HTTP_200_OK):
        case = _care_cases(self.request.user).get(pk=case.pk)
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
        closed_on = payload.validated_data["closed_on"] or timezone.localdate()
        if case.closed_on is not None:
            raise Conflict(_("This member already left the ledger."))
        if closed_on > timezone.localdate() or closed_on < case.opened_on:
            raise ValidationError({"closed_on": _("The date lies between the entry into the ledger and today.")})
        return self._answer(services.care_case_close(actor=request.user, case=case, closed_on=closed_on))

    @extend_schema(parameters=[OrganizationQuery], responses=CareAlertSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def alerts(self, request):
        """Members in the ledger of an organization's subtree not visited within their interval, longest first."""
        query = _query(self, OrganizationQuery)
        rows = selectors.care_alerts(user=request.user, organization=query["organization"])
        return Response(CareAlertSerializer(rows, many=True).data)


class CareVisitSerializer(serializers.ModelSerializer):
    member = serializers.IntegerField(source="case.member_id", read_only=True)
    member_name = serializers.CharField(source="case.member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="case.member.organization", slug_field="code", read_only=True)
    occasion = _enum(CareOccasion.choices, "care-occasion", read_only=True)
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
    occasion = _enum(CareOccasion.choices, "care-occasion", required=False, default=CareOccasion.ROUTINE)
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


def _care_visits(user):
    qs = CareVisit.objects.select_related("case__member__organization", "visitor")
    return restrict(user, Action.VIEW, qs)


class CareVisitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Visits to members in the care ledger and the help given; a visit is recorded by the member visited."""

    serializer_class = CareVisitSerializer
    filterset_class = CareVisitFilter

    def get_queryset(self):
        return _care_visits(self.request.user).order_by("-visited_on", "-id")

    @extend_schema(request=CareVisitCreateSerializer, responses={201: CareVisitSerializer})
    def create(self, request, *args, **kwargs):
        payload = CareVisitCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        visit = services.care_visit_record(actor=request.user, **payload.validated_data)
        data = CareVisitSerializer(_care_visits(request.user).get(pk=visit.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- heart-to-heart talks


class TalkSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    with_member_name = serializers.CharField(source="with_member.name", read_only=True, default="")
    notes = serializers.SerializerMethodField()
    notes_masked = serializers.SerializerMethodField()

    class Meta:
        model = Talk
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "talked_on",
            "with_member",
            "with_member_name",
            "with_name",
            "topic",
            "notes",
            "notes_masked",
            "created_at",
        ]
        read_only_fields = fields

    def _hidden(self, obj) -> bool:
        request = self.context.get("request")
        return bool(obj.notes) and not (request and _may_read_personal(request, obj.member))

    def get_notes(self, obj) -> str:
        """Restricted: given only to those who may read the member's personal data, masked otherwise."""
        return MASK if self._hidden(obj) else obj.notes

    def get_notes_masked(self, obj) -> bool:
        return self._hidden(obj)


class TalkCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True)
    talked_on = serializers.DateField()
    topic = serializers.CharField(max_length=200)
    with_member = MemberRef(required=False, allow_null=True, default=None, help_text="Who talked with the member.")
    with_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TalkFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="member__organization__code")
    member = id_filter("member_id")
    year = filters.NumberFilter(field_name="talked_on__year", min_value=1, max_value=9999, decimal_places=0)

    class Meta:
        model = Talk
        fields = ["organization", "member", "year"]


def _talks(user):
    return restrict(user, Action.VIEW, Talk.objects.select_related("member__organization", "with_member"))


class TalkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Heart-to-heart talks (谈心谈话): every member has at least one a year; the notes are restricted."""

    serializer_class = TalkSerializer
    filterset_class = TalkFilter

    def get_queryset(self):
        return _talks(self.request.user).order_by("-talked_on", "-id")

    @extend_schema(request=TalkCreateSerializer, responses={201: TalkSerializer})
    def create(self, request, *args, **kwargs):
        payload = TalkCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        talk = services.talk_record(actor=request.user, **payload.validated_data)
        talk = _talks(request.user).get(pk=talk.pk)
        return Response(
            TalkSerializer(talk, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(parameters=[OrganizationYearQuery], responses=MemberBriefSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def missing(self, request):
        """Active members of an organization without a talk in the year."""
        query = _query(self, OrganizationYearQuery)
        members = selectors.talks_missing(organization=query["organization"], year=query.get("year") or _this_year())
        members = restrict(request.user, Action.VIEW, members.select_related("organization"))
        return Response(MemberBriefSerializer(members, many=True).data)
