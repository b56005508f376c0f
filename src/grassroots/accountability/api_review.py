"""REST API of the report-on-duty review (述职评议) and its three lists: thin over the selectors and services, with the
same policy as the pages.

`duty-reviews/` (opened by the officers who pursue in the reviewing organization; `refresh`, `start-rating`,
`close`), `duty-reports/` (each report on duty: `submit` by its reporter, with an answer to each of last period's
problems; `feed` its result into the secretaries' assessment), `duty-review-ratings/` (a rater's grade of a report,
once; the caller's own ratings; `to-give`), `duty-review-items/` (the three lists: problems, responsibilities,
rectifications, each rectification an assignment). A row the caller may not read answers 404; a service refusing
answers 403; bad input 400 with messages by field; a step the state does not allow 409.
"""

import json

from django.db import transaction
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grassroots.assessment.api.common import named_enum
from grassroots.assessment.models import AssessmentRun, Indicator
from grassroots.core.api import AtomicCreateViewSet, PeriodCode, ScopedPrimaryKey, id_filter
from grassroots.core.policy import subject
from grassroots.duties.models import AssignmentState, Light
from grassroots.organizations.models import PostTitle

from . import selectors, services
from .api import OrganizationCode
from .models import (
    DutyReport,
    DutyReview,
    ListKind,
    ReportState,
    ReviewListItem,
    ReviewRaterGroup,
    ReviewRaterKind,
    ReviewRating,
    ReviewState,
)

# ---------------------------------------------------------------- reviews


class DutyReviewGroupSerializer(serializers.ModelSerializer):
    kind = named_enum(ReviewRaterKind.choices, "review-rater-kind")(read_only=True)
    label = serializers.SerializerMethodField(help_text="In the caller's language.")
    min_raters = serializers.IntegerField(
        read_only=True, help_text="Fewer raters than this: the group gives no opinion."
    )

    class Meta:
        model = ReviewRaterGroup
        fields = ["kind", "label", "weight", "min_raters"]
        read_only_fields = fields

    def get_label(self, group) -> str:
        return str(group.get_kind_display())


class DutyReportSummarySerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField()
    member_name = serializers.CharField(source="member.name", read_only=True)
    post_title = named_enum(PostTitle.choices, "duty-report-summary-post", inline=True)(read_only=True)
    state = named_enum(ReportState.choices, "duty-report-state", inline=True)(read_only=True)

    class Meta:
        model = DutyReport
        fields = ["id", "organization", "organization_name", "member", "member_name", "post_title", "state"]
        read_only_fields = fields

    def get_organization_name(self, report) -> str:
        return report.organization.display_name()


class DutyReviewSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField()
    period = serializers.CharField(source="period.code", read_only=True)
    state = named_enum(ReviewState.choices, "duty-review-state", inline=True)(read_only=True)
    groups = DutyReviewGroupSerializer(many=True, read_only=True)
    reports = serializers.SerializerMethodField(help_text="The reports it expects, in tree order.")

    class Meta:
        model = DutyReview
        fields = [
            "id",
            "organization",
            "organization_name",
            "period",
            "state",
            "include_committee",
            "groups",
            "reports",
            "created_at",
            "rating_at",
            "closed_at",
        ]
        read_only_fields = fields

    def get_organization_name(self, review) -> str:
        return review.organization.display_name()

    @extend_schema_field(DutyReportSummarySerializer(many=True))
    def get_reports(self, review):
        rows = review.reports.select_related("organization", "member").order_by("organization__path", "id")
        return DutyReportSummarySerializer(rows, many=True).data


class DutyReviewOpenSerializer(serializers.Serializer):
    organization = OrganizationCode(help_text="Code of the reviewing organization (where the caller pursues).")
    period = PeriodCode(help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")
    include_committee = serializers.BooleanField(
        required=False, default=False, help_text="Committee members of the branches report too."
    )
    weights = serializers.DictField(
        child=serializers.FloatField(),
        required=False,
        default=None,
        allow_null=True,
        help_text="Weight per group (superior, members, peers), together 1; default 0.4, 0.3, 0.3.",
    )
    fewest = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=10000),
        required=False,
        default=None,
        allow_null=True,
        help_text="Fewest raters per group for its opinion to count; default superior 1, members 3, peers 3.",
    )


class DutyReviewViewSet(AtomicCreateViewSet):
    """The reviews of reports on duty the caller reads (the officers who conduct them, the discipline inspector):
    opened for a period by the officers who pursue in the reviewing organization, the reports expected from the
    secretaries in post of the branches below; `refresh` adds those appointed since, `start-rating` stops taking
    reports, `close` fixes each report's result."""

    serializer_class = DutyReviewSerializer
    queryset = DutyReview.objects.none()
    filterset_fields = ["state"]

    def get_queryset(self):
        return selectors.review_list(user=self.request.user).prefetch_related("groups").order_by("-period__start", "id")

    def _answer(self, review, code=status.HTTP_200_OK):
        shown = self.get_queryset().filter(pk=review.pk).first() or review
        return Response(DutyReviewSerializer(shown, context=self.get_serializer_context()).data, status=code)

    @extend_schema(request=DutyReviewOpenSerializer, responses={201: DutyReviewSerializer})
    @transaction.atomic
    def create(self, request, *args, **kwargs):
        """Open the review of a period for the branches below the organization (a period named for the first time
        is not kept when the review is refused)."""
        payload = DutyReviewOpenSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        review = services.review_open(actor=request.user, **payload.validated_data)
        return self._answer(review, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=DutyReviewSerializer)
    @action(detail=True, methods=["post"])
    def refresh(self, request, pk=None):
        """Add the reports of those who took a post since the review opened (while it takes reports)."""
        review = self.get_object()
        services.review_refresh(actor=request.user, review=review)
        return self._answer(review)

    @extend_schema(request=None, responses=DutyReviewSerializer)
    @action(detail=True, methods=["post"], url_path="start-rating")
    def start_rating(self, request, pk=None):
        """Stop taking reports; the raters rate those submitted."""
        return self._answer(services.review_start_rating(actor=request.user, review=self.get_object()))

    @extend_schema(request=None, responses=DutyReviewSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """End the rating: each report's score, grade and votes per group are fixed."""
        return self._answer(services.review_close(actor=request.user, review=self.get_object()))


# ---------------------------------------------------------------- reports


class DutyReportProblemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The problem (an item of last period's problem list).")
    text = serializers.CharField()
    answer = serializers.CharField(help_text="This report's answer; empty until it answers.")


class DutyReportAttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.CharField()


class DutyReportSerializer(serializers.ModelSerializer):
    review = serializers.PrimaryKeyRelatedField(read_only=True)
    period = serializers.CharField(source="review.period.code", read_only=True)
    reviewing = serializers.CharField(source="review.organization.code", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField()
    member_name = serializers.CharField(source="member.name", read_only=True)
    post_title = named_enum(PostTitle.choices, "duty-report-post", inline=True)(read_only=True)
    state = named_enum(ReportState.choices, "duty-report-state-detail", inline=True)(read_only=True)
    attachment = serializers.SerializerMethodField()
    problems_to_answer = serializers.SerializerMethodField(
        help_text="Last period's problems and this report's answers."
    )
    score = serializers.SerializerMethodField(
        help_text="To the readers of its review (so far while rating), and to "
        "the reporter once the review is closed; null otherwise."
    )
    grade = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField(help_text="Per group: weight, fewest, raters, grades, counted.")

    class Meta:
        model = DutyReport
        fields = [
            "id",
            "review",
            "period",
            "reviewing",
            "organization",
            "organization_name",
            "member",
            "member_name",
            "post_title",
            "state",
            "text",
            "submitted_at",
            "attachment",
            "problems_to_answer",
            "score",
            "grade",
            "votes",
        ]
        read_only_fields = fields

    def _result(self, report):
        cache = self.context.setdefault("_results", {})
        if report.pk not in cache:
            user = self.context["request"].user
            seen = report.is_submitted and selectors.may_see_result(user, report)
            cache[report.pk] = selectors.review_result(report) if seen else None
        return cache[report.pk]

    def get_organization_name(self, report) -> str:
        return report.organization.display_name()

    @extend_schema_field(DutyReportAttachmentSerializer(allow_null=True))
    def get_attachment(self, report):
        upload = getattr(report, "attachment", None)
        return {"name": upload.original_name, "url": upload.url} if upload is not None else None

    @extend_schema_field(DutyReportProblemSerializer(many=True))
    def get_problems_to_answer(self, report):
        return [{"id": a.problem.pk, "text": a.problem.text, "answer": a.text} for a in selectors.answers_of(report)]

    @extend_schema_field(OpenApiTypes.DECIMAL)
    def get_score(self, report):
        result = self._result(report)
        return f"{result.score:.2f}" if result is not None and result.score is not None else None

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "excellent, good, fair or poor; null where no result."}
    )
    def get_grade(self, report):
        result = self._result(report)
        return (result.grade or None) if result is not None else None

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_votes(self, report):
        result = self._result(report)
        return result.votes if result is not None else None


@extend_schema_field({"type": "object", "additionalProperties": {"type": "string"}})
class AnswersField(serializers.Field):
    """{problem id: answer}: an object, or the same as a JSON text (in a multipart form)."""

    default_error_messages = {"invalid": gettext_lazy("Give the answers as an object: each problem's id, its answer.")}

    def to_internal_value(self, data):
        if isinstance(data, str):
            try:
                data = json.loads(data or "{}")
            except ValueError:
                self.fail("invalid")
        if not isinstance(data, dict):
            self.fail("invalid")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}

    def to_representation(self, value):
        return value


class DutyReportSubmitSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, trim_whitespace=False, help_text="The report on duty.")
    answers = AnswersField(required=False, default=dict, help_text="An answer to each of last period's problems.")
    attachment = serializers.FileField(required=False, allow_null=True, default=None, help_text="Optional.")


class DutyReportFeedSerializer(serializers.Serializer):
    run = ScopedPrimaryKey(queryset=AssessmentRun.objects.all(), help_text="An assessment of the secretaries.")
    indicator = serializers.PrimaryKeyRelatedField(
        queryset=Indicator.objects.all(), help_text="An entered indicator of its system."
    )


class DutyReportFilter(filters.FilterSet):
    review = id_filter("review_id")
    state = filters.ChoiceFilter(choices=ReportState.choices)
    organization = filters.CharFilter(field_name="organization__code", help_text="Code of the branch.")
    period = filters.CharFilter(field_name="review__period__code")
    mine = filters.BooleanFilter(method="filter_mine", help_text="true: the caller's own reports.")

    class Meta:
        model = DutyReport
        fields = ["review", "state", "organization", "period", "mine"]

    def filter_mine(self, queryset, name, value: bool):
        member = subject(self.request.user).member
        if member is None:
            return queryset.none() if value else queryset
        return queryset.filter(member_id=member.pk) if value else queryset.exclude(member_id=member.pk)


class DutyReportViewSet(viewsets.ReadOnlyModelViewSet):
    """The reports on duty the caller reads: those of the reviews they read, their own, and, while rating and after,
    those they rate as a peer or a member of the branch. The result (score, grade, votes per group) only to the
    readers of the review and, once closed, to the reporter."""

    serializer_class = DutyReportSerializer
    filterset_class = DutyReportFilter
    queryset = DutyReport.objects.none()

    def get_queryset(self):
        return selectors.report_list(user=self.request.user).order_by("-review__period__start", "id")

    def _answer(self, report):
        shown = self.get_queryset().get(pk=report.pk)
        return Response(DutyReportSerializer(shown, context=self.get_serializer_context()).data)

    @extend_schema(
        request={"application/json": DutyReportSubmitSerializer, "multipart/form-data": DutyReportSubmitSerializer},
        responses=DutyReportSerializer,
    )
    @action(detail=True, methods=["post"], parser_classes=[JSONParser, MultiPartParser, FormParser])
    def submit(self, request, pk=None):
        """The reporter submits (again, while the review takes reports) the report: its text, an answer to each of
        last period's problems (refused with one unanswered, naming it), an optional attachment."""
        report = self.get_object()
        payload = DutyReportSubmitSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        services.report_submit(
            actor=request.user,
            report=report,
            text=data["text"],
            answers=data["answers"],
            attachment=data["attachment"],
        )
        return self._answer(report)

    @extend_schema(request=DutyReportFeedSerializer, responses=DutyReportSerializer)
    @action(detail=True, methods=["post"])
    def feed(self, request, pk=None):
        """Enter a secretary's result as the value of an entered indicator of the secretaries' assessment of the same
        period (by the reviewing organization's officers who run that assessment)."""
        report = self.get_object()
        payload = DutyReportFeedSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        services.review_result_feed(actor=request.user, report=report, **payload.validated_data)
        return self._answer(report)


# ---------------------------------------------------------------- ratings


class ReadableReport(serializers.PrimaryKeyRelatedField):
    """A report on duty among those the caller reads; any other id is bad input."""

    def get_queryset(self):
        return selectors.report_list(user=self.context["request"].user)


class DutyReviewRatingSerializer(serializers.ModelSerializer):
    report = ReadableReport(help_text="The report rated.")
    group = serializers.SerializerMethodField(help_text="The group the caller rated in.")
    grade = serializers.CharField(allow_blank=True, help_text="excellent, good, fair or poor.")

    class Meta:
        model = ReviewRating
        fields = ["id", "report", "group", "grade", "created_at"]
        read_only_fields = ["id", "group", "created_at"]
        validators = []

    @extend_schema_field({"type": "string", "enum": ReviewRaterKind.values, "x-spec-enum-id": "review-rating-group"})
    def get_group(self, rating) -> str:
        return rating.group.kind


class ReviewRatingViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The caller's ratings of reports on duty (nobody reads another's). A rating grades a submitted report once,
    while its review is rating: the officers of the reviewing organization rate as superiors, the other reporters as
    peers, the members of the branch as its members; nobody rates their own report."""

    serializer_class = DutyReviewRatingSerializer
    queryset = ReviewRating.objects.none()

    def get_queryset(self):
        return selectors.ratings_given(user=self.request.user).order_by("-created_at", "-id")

    @transaction.atomic
    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.rating_give(actor=self.request.user, report=data["report"], grade=data["grade"])

    @extend_schema(request=None, responses=DutyReportSummarySerializer(many=True))
    @action(detail=False, methods=["get"], url_path="to-give", pagination_class=None, filter_backends=[])
    def to_give(self, request):
        """The submitted reports waiting for the caller's rating."""
        return Response(DutyReportSummarySerializer(selectors.reports_to_rate(user=request.user), many=True).data)


# ---------------------------------------------------------------- the three lists


class DutyReviewItemSerializer(serializers.ModelSerializer):
    report = ReadableReport(help_text="The report whose lists it is in.")
    kind = named_enum(ListKind.choices, "review-list-kind")()
    text = serializers.CharField(allow_blank=True, max_length=1000, help_text="A short text (at most 300 characters).")
    due_on = serializers.DateField(
        write_only=True, required=False, allow_null=True, default=None, help_text="A rectification's due day."
    )
    evidence_expected = serializers.CharField(
        write_only=True, required=False, allow_blank=True, default="", max_length=300
    )
    assignment = serializers.PrimaryKeyRelatedField(read_only=True, help_text="A rectification's assignment.")
    assignment_state = named_enum(AssignmentState.choices, "review-item-assignment-state", inline=True)(
        source="assignment.state", read_only=True, default=None
    )
    assignment_due_on = serializers.DateField(source="assignment.due_on", read_only=True, default=None)
    light = serializers.SerializerMethodField()

    class Meta:
        model = ReviewListItem
        fields = [
            "id",
            "report",
            "kind",
            "text",
            "due_on",
            "evidence_expected",
            "assignment",
            "assignment_state",
            "assignment_due_on",
            "light",
            "created_at",
        ]
        read_only_fields = ["id", "assignment", "created_at"]

    @extend_schema_field({"type": "string", "nullable": True, "enum": [*Light.values, None]})
    def get_light(self, item):
        return item.assignment.light() if item.assignment_id else None


class ReviewListItemFilter(filters.FilterSet):
    report = id_filter("report_id")
    kind = filters.ChoiceFilter(choices=ListKind.choices)

    class Meta:
        model = ReviewListItem
        fields = ["report", "kind"]


class ReviewListItemViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The three lists (problems, responsibilities, rectifications) of the reports whose result the caller reads,
    written by the reviewing organization's officers once the rating is over. A rectification is an assignment of
    the reporter's branch (its `due_on` required), the reporter responsible; a problem or responsibility not yet
    answered is removed, a rectification stays."""

    serializer_class = DutyReviewItemSerializer
    filterset_class = ReviewListItemFilter
    queryset = ReviewListItem.objects.none()

    def get_queryset(self):
        return selectors.list_item_list(user=self.request.user).order_by("report_id", "kind", "id")

    @transaction.atomic
    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.list_item_add(actor=self.request.user, **data)

    def perform_destroy(self, instance):
        services.list_item_remove(actor=self.request.user, item=instance)
