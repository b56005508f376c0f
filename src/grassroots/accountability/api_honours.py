"""REST API of commendations and the red/yellow board: thin over the selectors and services, with the same policy as
the pages.

Organizations are named by their codes and periods by theirs. A commendation or board the caller may not read
answers 404; a service refusing answers 403; bad input 400 with messages by field; a step the state does not allow
(or a board of an assessment whose results are not published) 409.
"""

from django.db import transaction
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grassroots.assessment.api.common import named_enum
from grassroots.assessment.models import AssessmentRun
from grassroots.core.api import AtomicCreateViewSet, PeriodCode, ScopedCode, ScopedPrimaryKey, id_filter
from grassroots.organizations.models import Member, Organization, subtree_q

from . import selectors, services
from .models import Board, BoardColor, BoardEntry, BoardState, Commendation, CommendationKind, CommendationState


class OrganizationCode(ScopedCode):
    """An organization by its code, among those the caller sees; any other code is bad input, said so."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no organization with the code {value} among those you can see.")
    }


# ---------------------------------------------------------------- commendations


class CommendationSerializer(serializers.ModelSerializer):
    kind = named_enum(CommendationKind.choices, "commendation-kind")(read_only=True)
    kind_label = serializers.SerializerMethodField(help_text="In the caller's language.")
    period = serializers.CharField(source="period.code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    member_name = serializers.CharField(source="member.name", read_only=True, default="")
    commending = serializers.SlugRelatedField(slug_field="code", read_only=True)
    commending_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    grounds = serializers.SerializerMethodField(help_text="What it was proposed from, in the caller's language.")
    state = named_enum(CommendationState.choices, "commendation-state", inline=True)(read_only=True)
    document = serializers.SerializerMethodField(help_text="The link to the decision document, if one is attached.")

    class Meta:
        model = Commendation
        fields = [
            "id",
            "kind",
            "kind_label",
            "period",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "commending",
            "commending_name",
            "run",
            "appraisal",
            "score",
            "rank",
            "grounds",
            "by_hand",
            "proposal_reason",
            "citation",
            "state",
            "reference",
            "decided_on",
            "decided_at",
            "withdrawn_reason",
            "withdrawn_at",
            "document",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "member": {"help_text": "Id of the member commended (an excellent party member or party worker)."},
            "run": {"help_text": "The published assessment it was proposed from."},
            "appraisal": {"help_text": "The democratic appraisal it was proposed from."},
        }

    def get_kind_label(self, c) -> str:
        return str(CommendationKind(c.kind).label)

    def get_organization_name(self, c) -> str:
        return c.organization.display_name()

    def get_commending_name(self, c) -> str:
        return c.commending.display_name()

    def get_grounds(self, c) -> str:
        return c.grounds()

    def get_document(self, c) -> str:
        document = getattr(c, "document", None)
        return document.url if document is not None else ""


class CommendationProposeSerializer(serializers.Serializer):
    kind = named_enum(CommendationKind.choices, "commendation-propose-kind")()
    period = PeriodCode(help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")
    commending = OrganizationCode(help_text="Code of the commending organization, where the caller pursues.")
    organization = OrganizationCode(
        required=False,
        allow_null=True,
        default=None,
        help_text="Code of the organization commended (for a member: optional, the one they lead or belong to).",
    )
    member = ScopedPrimaryKey(
        queryset=Member.objects.select_related("organization"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the member commended (an excellent party member or party worker).",
    )
    citation = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, when the one proposed is not among the candidates of the period.",
    )


class CommendationDecideSerializer(serializers.Serializer):
    reference = serializers.CharField(allow_blank=True, help_text="Reference number of the decision document.")
    decided_on = serializers.DateField(help_text="Date of the decision: today or earlier.")
    citation = serializers.CharField(required=False, allow_null=True, default=None, help_text="Replaces it if given.")
    file = serializers.FileField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The decision document (multipart): photo, PDF, Office.",
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Kept, with the row marked.")


class CandidateSerializer(serializers.Serializer):
    kind = named_enum(CommendationKind.choices, "candidate-kind")()
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.SerializerMethodField()
    member = serializers.IntegerField(source="member.pk", allow_null=True, default=None)
    member_name = serializers.CharField(source="member.name", allow_null=True, default=None)
    run = serializers.IntegerField(source="run.pk", allow_null=True, default=None)
    appraisal = serializers.IntegerField(source="appraisal.pk", allow_null=True, default=None)
    score = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField(allow_null=True)
    grounds = serializers.SerializerMethodField(help_text="In the caller's language.")
    commendation = serializers.IntegerField(
        source="commendation.pk", allow_null=True, default=None, help_text="Its commendation, if already proposed."
    )

    def get_organization_name(self, c) -> str:
        return c.organization.display_name()

    def get_grounds(self, c) -> str:
        return c.grounds()


class CandidateQuery(serializers.Serializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the commending organization.")
    period = PeriodCode(help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")
    kind = serializers.ChoiceField(choices=CommendationKind.choices, required=False, allow_blank=True, default="")


class CommendationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=CommendationKind.choices)
    state = filters.ChoiceFilter(choices=CommendationState.choices)
    period = filters.CharFilter(field_name="period__code", help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")
    organization = filters.CharFilter(field_name="organization__code", help_text="Code of the organization.")
    commending = filters.CharFilter(field_name="commending__code", help_text="Code of the commending organization.")
    within = filters.CharFilter(method="filter_within", help_text="Code of an organization: its whole subtree.")
    member = id_filter("member_id")

    class Meta:
        model = Commendation
        fields = ["kind", "state", "period", "organization", "commending", "within", "member"]

    def filter_within(self, queryset, name, value: str):
        org = Organization.objects.filter(code=value.strip()).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "organization__path"))


class CommendationViewSet(AtomicCreateViewSet):
    """Commendations: advanced grassroots party organizations, excellent party members, excellent party workers.
    Proposed from the candidates (published results and appraisals) or by hand with the reason, decided by the
    commending organization with its decision document, or withdrawn with the reason; never deleted. The decided
    ones are read where the organization is seen; the others by those who read cases there."""

    serializer_class = CommendationSerializer
    filterset_class = CommendationFilter
    queryset = Commendation.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.commendation_list(user=self.request.user).order_by("-period__start", "kind", "id")

    def _answer(self, commendation, code=status.HTTP_200_OK):
        shown = selectors.commendation_list(user=self.request.user).filter(pk=commendation.pk).first() or commendation
        return Response(CommendationSerializer(shown, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class) -> dict:
        payload = serializer_class(data=self.request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=CommendationProposeSerializer, responses={201: CommendationSerializer})
    @transaction.atomic
    def create(self, request, *args, **kwargs):
        """Propose a commendation: one of the candidates, or by hand with the reason. Refused for anyone an open
        case concerns."""
        made = services.commendation_propose(actor=request.user, **self._payload(CommendationProposeSerializer))
        return self._answer(made, status.HTTP_201_CREATED)

    @extend_schema(request=CommendationDecideSerializer, responses=CommendationSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Record the decision: the reference number and date of the decision document, the file if given."""
        commendation = self.get_object()
        made = services.commendation_decide(
            actor=request.user, commendation=commendation, **self._payload(CommendationDecideSerializer)
        )
        return self._answer(made)

    @extend_schema(request=ReasonSerializer, responses=CommendationSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a commendation, proposed or decided, with the reason; it stays, marked."""
        commendation = self.get_object()
        made = services.commendation_withdraw(
            actor=request.user, commendation=commendation, **self._payload(ReasonSerializer)
        )
        return self._answer(made)

    @extend_schema(
        parameters=[
            OpenApiParameter("organization", str, required=True, description="Code of the commending organization."),
            OpenApiParameter("period", str, required=True, description="2026, 2026-H1, 2026-Q3 or 2026-07."),
            OpenApiParameter("kind", str, enum=CommendationKind.values, description="One kind only."),
        ],
        responses=CandidateSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def candidates(self, request):
        """The candidates of the commending organization for the period: the organizations below it graded excellent
        in a published assessment, without a veto; the members within it rated excellent in the democratic appraisal
        of the period's year; the secretaries of the organizations graded excellent; nobody an open case concerns."""
        query = CandidateQuery(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        d = query.validated_data
        found = services.commendation_proposals(
            actor=request.user, organization=d["organization"], period=d["period"], kind=d["kind"]
        )
        return Response(CandidateSerializer(found, many=True).data)


# ---------------------------------------------------------------- the red/yellow board


class BoardEntrySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField()
    color = named_enum(BoardColor.choices, "board-color")(read_only=True)

    class Meta:
        model = BoardEntry
        fields = ["organization", "organization_name", "color", "rank", "score", "grade", "veto_reason", "losses"]
        read_only_fields = fields
        extra_kwargs = {
            "losses": {"help_text": "The indicators that cost it most: [{code, name, name_en, points}]."},
            "veto_reason": {"help_text": "On the yellow board, when vetoed."},
        }

    def get_organization_name(self, e) -> str:
        return e.organization.display_name()


class BoardSerializer(serializers.ModelSerializer):
    period = serializers.CharField(source="run.period.code", read_only=True)
    scope = serializers.CharField(source="run.scope.code", read_only=True)
    scope_name = serializers.SerializerMethodField()
    system = serializers.CharField(source="run.system.code", read_only=True)
    state = named_enum(BoardState.choices, "board-state", inline=True)(read_only=True)
    red = serializers.SerializerMethodField()
    yellow = serializers.SerializerMethodField()

    class Meta:
        model = Board
        fields = [
            "id",
            "run",
            "period",
            "scope",
            "scope_name",
            "system",
            "state",
            "ranked",
            "published_at",
            "withdrawn_reason",
            "withdrawn_at",
            "red",
            "yellow",
        ]
        read_only_fields = fields

    def get_scope_name(self, board) -> str:
        return board.run.scope.display_name()

    @extend_schema_field(BoardEntrySerializer(many=True))
    def get_red(self, board):
        return BoardEntrySerializer(self._entries(board)[0], many=True).data

    @extend_schema_field(BoardEntrySerializer(many=True))
    def get_yellow(self, board):
        return BoardEntrySerializer(self._entries(board)[1], many=True).data

    def _entries(self, board):
        cached = getattr(board, "_sides", None)
        if cached is None:
            cached = board._sides = selectors.board_entries(board)
        return cached


class BoardPublishSerializer(serializers.Serializer):
    run = serializers.PrimaryKeyRelatedField(
        queryset=AssessmentRun.objects.all(), help_text="Id of a published assessment."
    )


class BoardViewSet(viewsets.ReadOnlyModelViewSet):
    """The red/yellow boards the caller reads (those of the assessments of a scope they belong to or view): red, the
    organizations graded excellent; yellow, those graded poor with the reason; in the order of the ranks, as
    published. Published from a published assessment by those who pursue in its scope, withdrawn with a reason."""

    serializer_class = BoardSerializer
    queryset = Board.objects.none()
    filterset_fields = {"state": ["exact"]}

    @extend_schema(
        parameters=[OpenApiParameter("period", str, description="The assessments' period: 2026, 2026-Q3, ...")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def get_queryset(self):
        boards = selectors.board_list(user=self.request.user).order_by("-published_at", "-id")
        period = self.request.query_params.get("period")
        return boards.filter(run__period__code=period.strip().upper()) if period else boards

    @extend_schema(request=BoardPublishSerializer, responses={201: BoardSerializer})
    @action(detail=False, methods=["post"])
    def publish(self, request):
        """Publish the board of a published assessment (409 when its results are not published, or it has one)."""
        payload = BoardPublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        run = payload.validated_data["run"]
        if not selectors.run_readable(user=request.user, run=run):
            raise NotFound()
        board = services.board_publish(actor=request.user, run=run)
        return Response(BoardSerializer(board).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ReasonSerializer, responses=BoardSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw a published board, with the reason; it stays, marked."""
        board = self.get_object()
        payload = ReasonSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        board = services.board_withdraw(actor=request.user, board=board, reason=payload.validated_data["reason"])
        return Response(BoardSerializer(board).data)
