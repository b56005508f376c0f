"""Assignments: a duty as received by one organization, reported on, decomposed, its due date asked to move."""

from decimal import Decimal

from django.db.models import prefetch_related_objects
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grassroots.core.api import (
    OrganizationFilter,
    ScopedPrimaryKey,
    id_filter,
)
from grassroots.organizations.models import Member

from .. import selectors, services
from ..models import (
    Assignment,
    Duty,
    Light,
)

# ---------------------------------------------------------------- fields
from .due_dates import DueDateRequestSerializer, fetch_due_date_request
from .duties import DutySerializer
from .fields import PostChoice
from .reports import ProgressReportSerializer


class ChainLinkSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.code", help_text="Code of the issuing organization.")
    organization_name = serializers.CharField(source="organization.name")
    receiver = serializers.CharField(source="receiver.code", help_text="Code of the organization it was issued to.")
    requirement = serializers.CharField(help_text="The requirement of the duty as this organization issued it.")
    note = serializers.CharField(help_text="The requirement the receiver added of its own.")


# One link serializer for every row of a page: a serializer made per row (fields copied and bound each time) cost
# more than the page's queries.
_CHAIN_LINK = ChainLinkSerializer()


class IssuedSerializer(serializers.Serializer):
    """The duty as issued to the receiver: the five elements, and the requirements of every level above."""

    title = serializers.CharField()
    description = serializers.CharField()
    requirement = serializers.CharField()
    evidence_expected = serializers.CharField()
    post = serializers.CharField(help_text="The post the issuer named responsible, if any.")
    responsible = serializers.IntegerField(source="responsible_id", allow_null=True)
    responsible_name = serializers.CharField(source="responsible.name", default="")
    start_on = serializers.DateField(allow_null=True)
    due_on = serializers.DateField()
    dimension = serializers.CharField()
    is_key = serializers.BooleanField()
    is_major = serializers.BooleanField()


class AssignmentSerializer(serializers.ModelSerializer):
    duty_title = serializers.CharField(source="duty.title", read_only=True)
    issuer = serializers.SlugRelatedField(source="duty.organization", slug_field="code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    responsible_name = serializers.CharField(source="responsible.name", read_only=True, default="")
    light = serializers.SerializerMethodField()
    issued = IssuedSerializer(source="duty", read_only=True, help_text="The duty as issued (readable by the receiver).")
    chain = serializers.SerializerMethodField(
        help_text="The requirements from the top down: each level's issuer, its requirement and the note its "
        "receiver added; the last is this assignment's own."
    )

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
            "issued",
            "chain",
            "issued_at",
            "accepted_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"weight": {"coerce_to_string": False}}  # a number, as in a duty's progress

    def get_light(self, obj) -> str:
        """done, red (overdue), yellow (due within a few days) or green."""
        return getattr(obj, "light_code", None) or obj.light()

    @extend_schema_field(ChainLinkSerializer(many=True))
    def get_chain(self, obj) -> list:
        chain = getattr(obj, "issued_chain", None)
        if chain is None:
            chain = selectors.issued_chain(obj)
        return [_CHAIN_LINK.to_representation(link) for link in chain]


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
            "weight": {"required": False, "min_value": Decimal("0.01"), "coerce_to_string": False}
        }


class DueDateRequestCreateSerializer(serializers.Serializer):
    new_due = serializers.DateField()
    reason = serializers.CharField(max_length=500)


# What a page of the list reads (AssignmentSerializer, IssuedSerializer): a page of a hundred assignments with their
# duties, organizations and members spent more on columns nobody reads (members' sealed fields among them) than on
# the columns it shows.
LISTED_FIELDS = (
    *("id", "duty_id", "organization_id", "responsible_id", "state", "start_on", "due_on", "weight", "percent"),
    *("note", "issued_at", "accepted_at", "version", "updated_at"),
    *(f"duty__{name}" for name in ("title", "description", "requirement", "evidence_expected", "post")),
    *(f"duty__{name}" for name in ("responsible_id", "organization_id", "start_on", "due_on", "dimension")),
    *("duty__is_key", "duty__is_major", "duty__organization__code", "organization__code"),
    *("responsible__name", "duty__responsible__name"),
)


class AssignmentFilter(filters.FilterSet):
    light = filters.ChoiceFilter(field_name="light_code", choices=Light.choices)
    organization = OrganizationFilter()
    issuer = OrganizationFilter("duty__organization", help_text="Code of the issuing organization.")
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
        queue = selectors.assignment_list(user=self.request.user).order_by("due_on", "id")
        if self.action == "list":
            queue = queue.only(*LISTED_FIELDS)
        return queue

    def paginate_queryset(self, queryset):
        """Each page's chains of requirements read together, one query per level of decomposition."""
        page = super().paginate_queryset(queryset)
        if page is not None:
            chains = selectors.issued_chains(page)
            for assignment in page:
                assignment.issued_chain = chains[assignment.pk]
        return page

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

    @extend_schema(
        request=None,
        responses=AssignmentSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "later",
                bool,
                description="true: the occurrences of repeating duties that start after the lead time "
                "(GRASSROOTS_OCCURRENCE_LEAD_DAYS), which the default list leaves out.",
            )
        ],
    )
    @action(detail=False, methods=["get"])
    def mine(self, request):
        """What is due for the caller: red first, then yellow, then green; the list's filters apply.

        An occurrence of a repeating duty appears from the lead time before its start (`later=true` lists the rest).
        """
        later = request.query_params.get("later", "").lower() in ("1", "true", "yes")
        page = self.paginate_queryset(self.filter_queryset(selectors.my_work(user=request.user, later=later)))
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
        # The report as the service made it, with its assignment, duty and receiver read under the lock: only its
        # evidence is read back.
        prefetch_related_objects([report], "evidence")
        return Response(
            ProgressReportSerializer(report, context={"request": request}).data, status=status.HTTP_201_CREATED
        )

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
        return Response(DueDateRequestSerializer(fetch_due_date_request(made.pk)).data, status=status.HTTP_201_CREATED)
