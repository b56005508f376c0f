"""REST API of the chain "determine -> perform": thin over the duties selectors and services, same policy.

Organizations are named by their codes, as in the organizations API. A row the caller may not see answers 404
(its URL, or a create naming it as its target); a service refusing answers 403; bad input 400 with messages
by field; somebody else having decided first 409.
"""

from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grassroots.core.api import (
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    ScopedPrimaryKey,
    id_filter,
    organization_period_filter,
)
from grassroots.core.models import Notification, Period
from grassroots.core.notify import mark_read, unread_count
from grassroots.core.policy import Action, can_anywhere, restrict
from grassroots.organizations.models import Member, OrgKind, PostTitle, UnitType

from . import selectors, services
from .models import (
    Assignment,
    BusinessObjective,
    Claim,
    DueDateRequest,
    Duty,
    DutyList,
    Evidence,
    Light,
    ObjectiveValue,
    ProgressReport,
)

# ---------------------------------------------------------------- fields


def _own_enum(choices, enum_id: str):
    """A choice field whose enum the schema names after this field, not after the same choices elsewhere.

    Post titles are "title" on posts and "post" on duties; organization kinds are "kind" of organizations and of
    an issue: without an id of their own the schema would give one choice set two names.
    """

    @extend_schema_field(
        {"type": "string", "enum": ["", *[value for value, _label in choices]], "x-spec-enum-id": enum_id}
    )
    class OwnEnumChoice(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return OwnEnumChoice


PostChoice = _own_enum(PostTitle.choices, "duty-post")
IssueKindChoice = _own_enum(OrgKind.choices, "issue-kind")


# ---------------------------------------------------------------- periods


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


# ---------------------------------------------------------------- business objectives


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
        qs = BusinessObjective.objects.select_related("organization", "period").prefetch_related("values")
        return restrict(self.request.user, Action.VIEW, qs)

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


# ---------------------------------------------------------------- duty lists


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
        )
        target = self.get_queryset().get(pk=target.pk)
        return Response(DutyListSerializer(target).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- duties


class DutySerializer(serializers.ModelSerializer):
    duty_list = ScopedPrimaryKey(
        queryset=DutyList.objects.all(), hidden_is_404=True, help_text="Set when the duty is created; it stays there."
    )
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsible = ScopedPrimaryKey(queryset=Member.objects.all(), allow_null=True, required=False)
    collaborators = ScopedPrimaryKey(queryset=Member.objects.all(), many=True, required=False)
    objective = ScopedPrimaryKey(queryset=BusinessObjective.objects.all(), allow_null=True, required=False)
    post = PostChoice(required=False, allow_blank=True)

    class Meta:
        model = Duty
        fields = [
            "id",
            "duty_list",
            "organization",
            "title",
            "description",
            "dimension",
            "is_key",
            "is_major",
            "weight",
            "responsible",
            "collaborators",
            "post",
            "start_on",
            "due_on",
            "recurrence",
            "interval_months",
            "series",
            "requirement",
            "evidence_expected",
            "objective",
            "claimable",
            "claim_limit",
            "source_assignment",
            "state",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "series", "source_assignment", "state", "created_at", "updated_at"]
        extra_kwargs = {"weight": {"min_value": Decimal("0.01")}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # a duty stays in its list; collaborators come by claiming
            fields["duty_list"] = serializers.PrimaryKeyRelatedField(read_only=True)
            fields["collaborators"] = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
        return fields


class IssueSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=["children", "kind", "pick", "self"],
        help_text="children: the issuer's (or root's) children; kind: every organization of a kind (and unit "
        "type) below; pick: the organizations named in ids; self: the duty's own organization.",
    )
    kind = IssueKindChoice(required=False, allow_blank=True)
    unit_type = serializers.ChoiceField(choices=UnitType.choices, required=False, allow_blank=True)
    root = ScopedCode(required=False, allow_null=True, help_text="Code of the subtree to choose in.")
    ids = ScopedCode(many=True, required=False, help_text="Codes of the chosen organizations (mode pick).")
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        if attrs["mode"] == "pick" and not attrs.get("ids"):
            raise serializers.ValidationError({"ids": [_("Name the organizations to issue to.")]})
        return attrs


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class ProgressSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    accepted = serializers.IntegerField()
    submitted = serializers.IntegerField()
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    weight_total = serializers.FloatField()
    weight_done = serializers.FloatField()
    completion = serializers.FloatField(help_text="Per cent of the weight accepted.")
    light = serializers.ChoiceField(choices=Light.choices)


class DutyFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code")
    period = filters.CharFilter(field_name="duty_list__period__code")
    duty_list = id_filter("duty_list_id")
    responsible = id_filter("responsible_id")
    series = id_filter("series_id")

    class Meta:
        model = Duty
        fields = ["organization", "period", "duty_list", "dimension", "state", "is_key", "is_major", "claimable"]


_ISSUE_RESULT = inline_serializer("IssueResult", {"assignments": serializers.IntegerField()})


class DutyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Duties naming the five things (person, post, task, time, requirement); issued down the tree."""

    serializer_class = DutySerializer
    filterset_class = DutyFilter

    def get_queryset(self):
        qs = Duty.objects.select_related("organization", "duty_list").prefetch_related("collaborators")
        return restrict(self.request.user, Action.VIEW, qs).order_by("due_on", "id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        duty_list = data.pop("duty_list")
        collaborators = data.pop("collaborators", [])
        serializer.instance = services.duty_create(
            actor=self.request.user, duty_list=duty_list, collaborators=collaborators, **data
        )

    def perform_update(self, serializer):
        serializer.instance = services.duty_update(
            actor=self.request.user, duty=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=IssueSerializer, responses={200: _ISSUE_RESULT, 201: _ISSUE_RESULT})
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issue the duty: one assignment per receiver; answers how many assignments were made."""
        duty = self.get_object()
        payload = IssueSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        targets = None
        if data["mode"] != "self":
            targets = services.resolve_targets(
                issuer=duty.organization,
                mode=data["mode"],
                kind=data.get("kind", ""),
                unit_type=data.get("unit_type", ""),
                root=data.get("root"),
                ids=[org.pk for org in data.get("ids", [])],
            )
        made = services.duty_issue(actor=request.user, duty=duty, targets=targets, note=data.get("note", ""))
        return Response({"assignments": made}, status=status.HTTP_201_CREATED if made else status.HTTP_200_OK)

    @extend_schema(request=CancelSerializer, responses=DutySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the duty, everything decomposed from it and their open assignments."""
        duty = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        duty = services.duty_cancel(actor=request.user, duty=duty, reason=payload.validated_data["reason"])
        return Response(DutySerializer(duty, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=ProgressSerializer)
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Roll-up over the duty's assignments and everything decomposed below them."""
        return Response(ProgressSerializer(selectors.duty_progress(self.get_object())).data)

    @extend_schema(request=None, responses=DutySerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def occurrences(self, request, pk=None):
        """GET: the occurrences of a recurring duty; POST: make them for its period (once)."""
        duty = self.get_object()
        if request.method == "POST":
            services.duty_generate_occurrences(actor=request.user, duty=duty)
        occurrences = self.get_queryset().filter(series=duty)
        return Response(DutySerializer(occurrences, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=DutySerializer(many=True))
    @action(detail=False, methods=["get"])
    def claimable(self, request):
        """Duties open for claiming at the caller's organization and every organization above it."""
        duties = selectors.claimable_duties(user=request.user).prefetch_related("collaborators")
        page = self.paginate_queryset(duties)
        data = DutySerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)


# ---------------------------------------------------------------- what assignments answer with


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


def _with_report_relations(qs):
    return qs.select_related("assignment__duty", "assignment__organization", "author", "reviewer").prefetch_related(
        "evidence"
    )


def _report(pk) -> ProgressReport:
    return _with_report_relations(ProgressReport.objects.filter(pk=pk)).get()


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


def _with_request_relations(qs):
    return qs.select_related("assignment__duty", "assignment__organization", "requested_by", "decided_by")


def _due_date_request(pk) -> DueDateRequest:
    return _with_request_relations(DueDateRequest.objects.filter(pk=pk)).get()


# ---------------------------------------------------------------- assignments


class AssignmentSerializer(serializers.ModelSerializer):
    duty_title = serializers.CharField(source="duty.title", read_only=True)
    issuer = serializers.SlugRelatedField(source="duty.organization", slug_field="code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsible_name = serializers.CharField(source="responsible.name", read_only=True, default="")
    light = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "duty",
            "duty_title",
            "issuer",
            "organization",
            "responsible",
            "responsible_name",
            "state",
            "light",
            "start_on",
            "due_on",
            "weight",
            "percent",
            "note",
            "issued_at",
            "accepted_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_light(self, obj) -> str:
        """done, red (overdue), yellow (due within a few days) or green."""
        return getattr(obj, "light_code", None) or obj.light()


class AssignmentUpdateSerializer(serializers.Serializer):
    responsible = ScopedPrimaryKey(queryset=Member.objects.all(), required=False)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class ReportSubmitSerializer(serializers.Serializer):
    text = serializers.CharField(help_text="What was done.")
    percent = serializers.IntegerField(min_value=0, max_value=100)
    files = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Evidence: photos, PDF or Office files."
    )


class DecomposeSerializer(serializers.ModelSerializer):
    responsible = ScopedPrimaryKey(queryset=Member.objects.all(), allow_null=True, required=False)
    post = PostChoice(required=False, allow_blank=True)

    class Meta:
        model = Duty
        fields = [
            "title",
            "description",
            "dimension",
            "is_key",
            "is_major",
            "weight",
            "responsible",
            "post",
            "start_on",
            "due_on",
            "requirement",
            "evidence_expected",
        ]
        extra_kwargs = {name: {"required": False} for name in fields} | {
            "weight": {"required": False, "min_value": Decimal("0.01")}
        }


class DueDateRequestCreateSerializer(serializers.Serializer):
    new_due = serializers.DateField()
    reason = serializers.CharField(max_length=500)


class AssignmentFilter(filters.FilterSet):
    light = filters.ChoiceFilter(field_name="light_code", choices=Light.choices)
    organization = filters.CharFilter(field_name="organization__code")
    issuer = filters.CharFilter(field_name="duty__organization__code")
    duty = id_filter("duty_id")
    responsible = id_filter("responsible_id")

    class Meta:
        model = Assignment
        fields = ["state", "light", "organization", "issuer", "duty", "responsible"]


class AssignmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    """A duty as received by one organization: report on it, decompose it, ask for a new due date."""

    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self):
        return selectors.assignment_list(user=self.request.user).order_by("due_on", "id")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return AssignmentUpdateSerializer
        return super().get_serializer_class()

    @extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer)
    def update(self, request, *args, **kwargs):
        """The receiver names its responsible person and adds its own requirement."""
        assignment = self.get_object()
        payload = AssignmentUpdateSerializer(
            data=request.data, partial=kwargs.get("partial", False), context=self.get_serializer_context()
        )
        payload.is_valid(raise_exception=True)
        services.assignment_update(actor=request.user, assignment=assignment, **payload.validated_data)
        return Response(AssignmentSerializer(self.get_queryset().get(pk=assignment.pk)).data)

    @extend_schema(request=AssignmentUpdateSerializer, responses=AssignmentSerializer)
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    @extend_schema(request=None, responses=AssignmentSerializer(many=True))
    @action(detail=False, methods=["get"])
    def mine(self, request):
        """What is due for the caller: red first, then yellow, then green."""
        page = self.paginate_queryset(selectors.my_work(user=request.user))
        return self.get_paginated_response(AssignmentSerializer(page, many=True).data)

    @extend_schema(
        request={"multipart/form-data": ReportSubmitSerializer, "application/json": ReportSubmitSerializer},
        responses={201: ProgressReportSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def report(self, request, pk=None):
        """Report progress with evidence files; the assignment waits for review."""
        assignment = self.get_object()
        payload = ReportSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        report = services.report_submit(
            actor=request.user,
            assignment=assignment,
            text=data["text"],
            percent=data["percent"],
            files=data.get("files", []),
        )
        return Response(ProgressReportSerializer(_report(report.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecomposeSerializer, responses={201: DutySerializer})
    @action(detail=True, methods=["post"])
    def decompose(self, request, pk=None):
        """Turn the assignment into a duty of the receiver's own list, to issue further down."""
        assignment = self.get_object()
        payload = DecomposeSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        duty = services.duty_decompose(actor=request.user, assignment=assignment, **payload.validated_data)
        return Response(
            DutySerializer(duty, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=DueDateRequestCreateSerializer, responses={201: DueDateRequestSerializer})
    @action(detail=True, methods=["post"])
    def due_date_request(self, request, pk=None):
        """Ask the issuer to move the due date, with a reason."""
        assignment = self.get_object()
        payload = DueDateRequestCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        made = services.due_date_request(actor=request.user, assignment=assignment, **payload.validated_data)
        return Response(DueDateRequestSerializer(_due_date_request(made.pk)).data, status=status.HTTP_201_CREATED)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="What to fix.")


class ReportFilter(filters.FilterSet):
    assignment = id_filter("assignment_id")
    organization = filters.CharFilter(field_name="assignment__organization__code")

    class Meta:
        model = ProgressReport
        fields = ["state", "assignment", "organization"]


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Reports of what was done, with evidence; the issuing organization accepts or returns them."""

    serializer_class = ProgressReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return _with_report_relations(selectors.report_list(user=self.request.user)).order_by("-created_at", "-id")

    def _answer(self, report):
        return Response(ProgressReportSerializer(_report(report.pk)).data)

    @extend_schema(request=None, responses=ProgressReportSerializer(many=True))
    @action(detail=False, methods=["get"])
    def to_review(self, request):
        """Submitted reports the caller may review (issued by an organization they manage, not their own)."""
        page = self.paginate_queryset(selectors.review_queue(user=request.user).select_related("reviewer"))
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


# ---------------------------------------------------------------- due-date requests


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
        qs = _with_request_relations(DueDateRequest.objects.all())
        return restrict(self.request.user, Action.VIEW, qs).order_by("-created_at", "-id")

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
        return Response(DueDateRequestSerializer(_due_date_request(due_request.pk)).data)


# ---------------------------------------------------------------- claims


class ClaimSerializer(serializers.ModelSerializer):
    duty_title = serializers.CharField(source="duty.title", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default="")
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "duty",
            "duty_title",
            "member",
            "member_name",
            "organization",
            "state",
            "note",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


class ClaimableDuty(serializers.PrimaryKeyRelatedField):
    """A duty the caller sees, or one open for claiming at the caller's organization or above; else 404."""

    def get_queryset(self):
        user = self.context["request"].user
        claimable = list(selectors.claimable_duties(user=user).values_list("pk", flat=True))
        return Duty.objects.filter(
            Q(pk__in=restrict(user, Action.VIEW, Duty.objects.all()).values("pk")) | Q(pk__in=claimable)
        )

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            raise NotFound()
        super().fail(key, **kwargs)


class ClaimCreateSerializer(serializers.Serializer):
    duty = ClaimableDuty(queryset=Duty.objects.all(), help_text="A duty open for claiming.")
    member = ScopedPrimaryKey(queryset=Member.objects.all(), required=False, allow_null=True)
    organization = ScopedCode(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def validate(self, attrs):
        if (attrs.get("member") is None) == (attrs.get("organization") is None):
            raise serializers.ValidationError(_("Name either the member or the organization that claims."))
        return attrs


class ClaimFilter(filters.FilterSet):
    duty = id_filter("duty_id")
    member = id_filter("member_id")
    organization = filters.CharFilter(field_name="organization__code")

    class Meta:
        model = Claim
        fields = ["state", "duty", "member", "organization"]


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Members and organizations taking on duties opened for claiming."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return ClaimCreateSerializer
        return super().get_serializer_class()

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer})
    def create(self, request, *args, **kwargs):
        payload = ClaimCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        claim = services.claim_create(actor=request.user, **payload.validated_data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        claim = services.claim_withdraw(actor=request.user, claim=self.get_object())
        return Response(ClaimSerializer(claim).data)


# ---------------------------------------------------------------- the caller's notifications


class NotificationSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True, help_text="The message in the caller's language.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "text", "url", "object_type", "object_id", "created_at", "read_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="Which to mark read (default: all)."
    )


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull")

    class Meta:
        model = Notification
        fields = ["unread", "kind"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    queryset = Notification.objects.none()

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return Notification.objects.none()
        return Notification.objects.filter(recipient=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses=inline_serializer("UnreadCount", {"count": serializers.IntegerField()}))
    @action(detail=False, methods=["get"])
    def unread_count(self, request):
        return Response({"count": unread_count(request.user)})

    @extend_schema(
        request=MarkReadSerializer, responses=inline_serializer("MarkedRead", {"marked": serializers.IntegerField()})
    )
    @action(detail=False, methods=["post"])
    def mark_read(self, request):
        payload = MarkReadSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response({"marked": mark_read(request.user, payload.validated_data.get("ids"))})
