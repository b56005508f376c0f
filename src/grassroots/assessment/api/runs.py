"""API of the runs: open, compute, move their state, rate, issue links, explain a result."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from grassroots.core.api import (
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    id_filter,
)
from grassroots.core.web import parse_id
from grassroots.organizations.models import Organization

from .. import rules, selectors, services
from ..models import (
    AssessmentRun,
    Grade,
    IndicatorKind,
    IndicatorSystem,
    LeafStatus,
    RaterKind,
    Result,
    RunState,
    Standing,
)
from .common import named_enum


class RaterGroupSerializer(serializers.Serializer):
    kind = named_enum(RaterKind.choices, "rater-group-kind")()
    weight = serializers.DecimalField(max_digits=5, decimal_places=4)
    min_raters = serializers.IntegerField(
        help_text="The raters of an organization the group needs for its opinion of it to count."
    )


class RunSerializer(serializers.ModelSerializer):
    system = serializers.PrimaryKeyRelatedField(queryset=IndicatorSystem.objects.all())
    system_name = serializers.CharField(
        source="system.display_name", read_only=True, help_text="The system's name in the caller's language."
    )
    period = PeriodCode()
    scope = ScopedCode(hidden_is_404=True)
    rater_groups = RaterGroupSerializer(many=True, read_only=True)
    state = named_enum(RunState.choices, "assessment-run-state", inline=True)(read_only=True)
    rater_weights = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        write_only=True,
        required=False,
        help_text="Weight of each rater group (superior, peers, members, masses); they add up to 1.",
    )
    fewest_raters = serializers.IntegerField(
        min_value=1,
        max_value=1000,
        write_only=True,
        required=False,
        help_text="The raters of an organization each group needs for its opinion to count (3 if not given).",
    )
    closes_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text="The closing day: the day the results count to when published, within the period (empty: the "
        "period's end). Change it with the closing-day action until the results are published.",
    )
    closing_day = serializers.DateField(
        read_only=True, help_text="The closing day in force: closes_on, or the period's end when it is empty."
    )
    asof = serializers.DateField(
        source="counted_to", read_only=True, allow_null=True, help_text="The day records were counted up to."
    )
    provisional = serializers.BooleanField(
        source="is_provisional",
        read_only=True,
        help_text="Whether the results are provisional: computed as of a day (asof) before the closing day. They are "
        "published only as of the closing day, or early with a reason.",
    )
    published_early = serializers.BooleanField(
        read_only=True, help_text="Whether the results were published while provisional, for the reason given."
    )
    early_publication_reason = serializers.CharField(
        read_only=True, help_text="Why the results were published early, in the publisher's words."
    )
    published_asof = serializers.DateField(
        read_only=True, allow_null=True, help_text="The day the published results counted records up to."
    )

    class Meta:
        model = AssessmentRun
        fields = [
            "id",
            "system",
            "system_name",
            "period",
            "scope",
            "version",
            "previous",
            "state",
            "computed_at",
            "computed_seconds",
            "assessed_count",
            "published_at",
            "closed_at",
            "closes_on",
            "closing_day",
            "asof",
            "provisional",
            "published_early",
            "early_publication_reason",
            "published_asof",
            "rater_groups",
            "rater_weights",
            "fewest_raters",
        ]
        read_only_fields = [
            "id",
            "version",
            "previous",
            "state",
            "computed_at",
            "computed_seconds",
            "assessed_count",
            "published_at",
            "closed_at",
        ]
        validators = []  # the service checks uniqueness with its own message

    def get_fields(self):
        fields = super().get_fields()
        request = self.context.get("request")
        if request is not None:
            fields["system"].queryset = selectors.systems_for_runs(user=request.user, every_version=True)
        return fields


class RatingToGiveSerializer(serializers.Serializer):
    run = serializers.IntegerField(source="run.pk")
    period = serializers.CharField(source="run.period.code")
    scope = serializers.CharField(source="run.scope.code")
    kind = serializers.CharField()
    count = serializers.IntegerField(help_text="Organizations the caller may rate as this group.")
    done = serializers.IntegerField(help_text="Of them, those rated.")


class AccountRatingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, RaterKind(k).label) for k in selectors.ACCOUNT_RATERS])
    organization = serializers.CharField(max_length=40, help_text="Code of the organization rated.")
    grades = serializers.DictField(
        child=serializers.ChoiceField(choices=Grade.choices),
        help_text="The grade of each rated indicator, by the indicator's code.",
    )


class ComputeSerializer(serializers.Serializer):
    withdraw_publication = serializers.BooleanField(
        default=False,
        help_text="Compute a published run again: its results are withdrawn until it is published again.",
    )


class PublishSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=True,
        help_text="Why provisional results (computed as of a day before the closing day) are published early: "
        "required for them, kept on the run and stated wherever the results are read.",
    )


class ClosingDaySerializer(serializers.Serializer):
    closes_on = serializers.DateField(
        allow_null=True, help_text="The day the results count to when published, within the period; null: its end."
    )


class TokenIssueSerializer(serializers.Serializer):
    kind = named_enum(RaterKind.choices, "token-issue-kind")()
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization the links rate.")
    count = serializers.IntegerField(min_value=1, max_value=1000)
    days = serializers.IntegerField(min_value=1, max_value=365, default=30)


_LINKS = inline_serializer(
    "RatingLinks",
    {
        "organization": serializers.CharField(),
        "kind": serializers.CharField(),
        "days": serializers.IntegerField(),
        "links": inline_serializer(
            "RatingLink", {"secret": serializers.CharField(), "url": serializers.URLField()}, many=True
        ),
    },
)


class ExplanationRecordSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="assignment, report, meeting_kind, attendance, member, care_case, ...")
    id = serializers.CharField()
    title = serializers.CharField()
    url = serializers.CharField(help_text="The page of the record, where there is one.")
    organization = serializers.CharField()
    organization_id = serializers.IntegerField(allow_null=True)
    date = serializers.DateField(allow_null=True)
    flag = serializers.CharField(help_text="late (it cost points), open, ok")
    flag_label = serializers.CharField()
    details = serializers.ListField(child=serializers.CharField())


class ExplanationRecordsSerializer(serializers.Serializer):
    rows = ExplanationRecordSerializer(many=True)
    hidden = serializers.IntegerField(help_text="Records counted that the caller may not see.")
    more = serializers.IntegerField(help_text="Records not listed beyond the first ones.")
    note = serializers.CharField()


class ExplanationLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = named_enum(IndicatorKind.choices, "explanation-line-kind")()
    metric = serializers.CharField()
    level = serializers.IntegerField()
    local_weight = serializers.FloatField(allow_null=True)
    global_weight = serializers.FloatField(allow_null=True)
    effective_weight = serializers.FloatField(
        allow_null=True,
        help_text="The share of the total it carries here, after redistribution: siblings that do not apply, or are "
        "not evaluated yet, give their weight to the others.",
    )
    status = named_enum(LeafStatus.choices, "explanation-line-status")(
        help_text="scored; not_applicable (nothing was due, by its rule: no score, its weight goes to its siblings); "
        "no_data (due with nothing recorded: 0, flagged); not_evaluated (not yet: no score)."
    )
    rule = serializers.CharField(help_text="The rule of its value, in the reader's language.")
    why = serializers.CharField(help_text="Why it has its status, by its rule (blank when scored).")
    score = serializers.FloatField(allow_null=True)
    numerator = serializers.FloatField(allow_null=True)
    denominator = serializers.FloatField(allow_null=True)
    raw = serializers.FloatField(allow_null=True)
    lost = serializers.FloatField(allow_null=True, help_text="Points of the weighted score it cost.")
    points = serializers.FloatField()
    cap = serializers.FloatField()
    is_veto = serializers.BooleanField()
    fired = serializers.BooleanField()
    records = ExplanationRecordsSerializer(allow_null=True)


class ExplanationSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    organization = serializers.CharField()
    organization_name = serializers.CharField()
    asof = serializers.DateField()
    score = serializers.FloatField(allow_null=True, help_text="None when the organization is not assessed.")
    not_assessed = serializers.CharField(help_text="Why it is not assessed, in the reader's language (blank if it is).")
    coverage = serializers.FloatField(
        allow_null=True, help_text="The share of the system's weight carried by the indicators that apply to it."
    )
    weighted = serializers.FloatField()
    deductions = serializers.FloatField()
    bonus = serializers.FloatField()
    grade = named_enum(Grade.choices + Standing.choices, "explanation-grade", inline=True)()
    vetoed = serializers.BooleanField()
    veto_reason = serializers.CharField()
    rank_siblings = serializers.IntegerField(allow_null=True)
    rank_level = serializers.IntegerField(allow_null=True)
    rank_topsis = serializers.IntegerField(allow_null=True)
    closeness = serializers.FloatField(allow_null=True)
    rank_low = serializers.IntegerField(allow_null=True)
    rank_high = serializers.IntegerField(allow_null=True)
    lost_weighted = serializers.FloatField(help_text="Points lost in the weighted tree: 100 - weighted.")
    rules = serializers.ListField(child=serializers.CharField(), help_text="The rules of every score, in words.")
    indicators = ExplanationLineSerializer(many=True)
    adjustments = ExplanationLineSerializer(many=True)


def _records_data(records):
    if records is None:
        return None
    return {
        "rows": [{**row, "id": str(row["id"])} for row in records.rows],
        "hidden": records.hidden,
        "more": records.more,
        "note": str(records.note),
    }


def _line_data(line) -> dict:
    ind, value = line.indicator, line.value
    return {
        "id": ind.pk,
        "code": ind.code,
        "name": ind.display_name(),
        "kind": ind.kind,
        "metric": ind.metric,
        "level": line.level,
        "local_weight": line.local_weight,
        "global_weight": line.global_weight,
        "effective_weight": line.effective_weight,
        "status": line.status,
        "rule": str(line.rule.counts),
        "why": line.why,
        "score": value.score if value else None,
        "numerator": value.numerator if value else None,
        "denominator": value.denominator if value else None,
        "raw": value.raw if value else None,
        "lost": line.lost,
        "points": float(ind.points),
        "cap": float(ind.cap),
        "is_veto": ind.is_veto,
        "fired": line.fired,
        "records": _records_data(line.records),
    }


def explanation_data(x) -> dict:
    r = x.result
    return {
        "run": x.run.pk,
        "organization": x.organization.code,
        "organization_name": x.organization.display_name(),
        "asof": x.asof,
        "score": r.score,
        "not_assessed": r.get_not_assessed_display() if r.not_assessed else "",
        "coverage": r.coverage,
        "weighted": r.weighted,
        "deductions": r.deductions,
        "bonus": r.bonus,
        "grade": r.grade,
        "vetoed": r.vetoed,
        "veto_reason": r.veto_reason,
        "rank_siblings": r.rank_siblings,
        "rank_level": r.rank_level,
        "rank_topsis": r.rank_topsis,
        "closeness": r.closeness,
        "rank_low": r.rank_low,
        "rank_high": r.rank_high,
        "lost_weighted": x.lost_weighted,
        "rules": [*x.general_rules, str(rules.TOPSIS)],
        "indicators": [_line_data(line) for line in x.lines],
        "adjustments": [_line_data(line) for line in x.adjustments],
    }


class RunFilter(filters.FilterSet):
    period = filters.CharFilter(field_name="period__code")
    scope = filters.CharFilter(field_name="scope__code")
    system = id_filter("system_id")

    class Meta:
        model = AssessmentRun
        fields = ["period", "scope", "system", "state"]


class RunViewSet(AtomicCreateViewSet):
    """Assessment runs of a period over a subtree: open, compute, collect ratings, publish, close, recompute."""

    serializer_class = RunSerializer
    filterset_class = RunFilter
    queryset = AssessmentRun.objects.none()

    def get_queryset(self):
        return (
            selectors.run_list(user=self.request.user)
            .select_related("period")
            .prefetch_related("rater_groups")
            .order_by("-period__start", "scope__path", "-version")
        )

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.run_create(
            actor=self.request.user,
            system=data["system"],
            period=data["period"],
            scope=data["scope"],
            rater_weights=data.get("rater_weights") or None,
            closes_on=data.get("closes_on"),
            fewest_raters=data.get("fewest_raters"),
        )

    def _step(self, request, service, code=status.HTTP_200_OK):
        run = self.get_object()
        outcome = service(actor=request.user, run=run)
        target = outcome if isinstance(outcome, AssessmentRun) else run
        return Response(RunSerializer(self.get_queryset().get(pk=target.pk)).data, status=code)

    @extend_schema(request=ComputeSerializer, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def compute(self, request, pk=None):
        """Compute every organization of the scope (refused for a closed run: recompute makes a new version; for a
        published one unless `withdraw_publication` is true: its results go back to computed)."""
        payload = ComputeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        withdraw = payload.validated_data["withdraw_publication"]
        return self._step(request, lambda **kw: services.run_compute(withdraw=withdraw, **kw))

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def collect(self, request, pk=None):
        """Open the collection of ratings."""
        return self._step(request, services.run_collect)

    @extend_schema(request=PublishSerializer, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the computed results: the organizations see theirs, and they count for what follows. Results
        computed as of a day before the closing day are provisional: published only early, with a `reason`."""
        payload = PublishSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        reason = payload.validated_data.get("reason", "")
        return self._step(request, lambda **kw: services.run_publish(reason=reason, **kw))

    @extend_schema(request=ClosingDaySerializer, responses=RunSerializer)
    @action(detail=True, methods=["post"], url_path="closing-day")
    def closing_day(self, request, pk=None):
        """Set the closing day, the day the results count to when published (within the period; null: its end),
        until the results are published."""
        payload = ClosingDaySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        closes_on = payload.validated_data["closes_on"]
        return self._step(request, lambda **kw: services.run_set_closing_day(closes_on=closes_on, **kw))

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the run: inputs and results are frozen."""
        return self._step(request, services.run_close)

    @extend_schema(request=None, responses={201: RunSerializer})
    @action(detail=True, methods=["post"])
    def recompute(self, request, pk=None):
        """Make and compute a new version of a closed run; the closed one stays as it was."""
        return self._step(request, services.run_recompute, status.HTTP_201_CREATED)

    @extend_schema(responses=RatingToGiveSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="ratings-to-give", pagination_class=None, filterset_class=None)
    def ratings_to_give(self, request):
        """The assessments still collecting ratings in which the caller rates organizations with their account, per
        rater group: how many they may rate and how many they have rated."""
        return Response(RatingToGiveSerializer(selectors.ratings_to_give(user=request.user), many=True).data)

    @extend_schema(request=AccountRatingSerializer, responses={201: AccountRatingSerializer})
    @action(detail=True, methods=["post"], queryset=AssessmentRun.objects.all())
    def ratings(self, request, pk=None):
        """Rate an organization with one's account, once: as its superior organization, as a peer, or as one of its
        members (the masses rate through one-time links). The grades name each rated indicator by its code."""
        payload = AccountRatingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        run_id = parse_id(pk)
        run = AssessmentRun.objects.select_related("system", "scope").filter(pk=run_id).first() if run_id else None
        organization = (
            selectors.ratable(user=request.user, run=run, kind=data["kind"]).filter(code=data["organization"]).first()
            if run
            else None
        )
        if organization is None:
            raise NotFound(_("You have no organization of this code to rate in this assessment as this group."))
        codes = {q.code: q.pk for q in services.qualitative_indicators(run)}
        unknown = sorted(set(data["grades"]) - set(codes))
        if unknown:
            raise DRFValidationError({"grades": [_("No rated indicator %(codes)s.") % {"codes": ", ".join(unknown)}]})
        grades = {codes[code]: grade for code, grade in data["grades"].items()}
        services.rating_by_user(
            actor=request.user, run=run, kind=data["kind"], organization=organization, grades=grades
        )
        return Response(payload.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TokenIssueSerializer, responses={201: _LINKS})
    @action(detail=True, methods=["post"])
    def tokens(self, request, pk=None):
        """Issue one-time rating links; the secrets are in this answer only, the system keeps their hashes."""
        run = self.get_object()
        payload = TokenIssueSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        if not run.assesses(data["organization"]):
            raise DRFValidationError({"organization": [_("This organization is not assessed in this run.")]})
        secrets_out = services.tokens_issue(
            actor=request.user,
            run=run,
            kind=data["kind"],
            organization=data["organization"],
            count=data["count"],
            days=data["days"],
        )
        links = [
            {"secret": s, "url": request.build_absolute_uri(reverse("assessment:rate", args=[s]))} for s in secrets_out
        ]
        body = {"organization": data["organization"].code, "kind": data["kind"], "days": data["days"], "links": links}
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        parameters=[OpenApiParameter("organization", str, required=True, description="Code of the organization.")],
        responses=ExplanationSerializer,
    )
    @action(detail=True, methods=["get"])
    def explanation(self, request, pk=None):
        """One organization's total taken apart: every indicator, its weights and cost, and the records behind it."""
        run = self.get_object()
        code = request.query_params.get("organization", "").strip()
        if not code:
            raise DRFValidationError({"organization": [_("Name the organization by its code.")]})
        organization = Organization.objects.filter(code=code).first()
        if organization is None:
            raise NotFound()
        try:
            x = selectors.explanation(user=request.user, run=run, organization=organization)
        except Result.DoesNotExist:
            raise NotFound()
        return Response(explanation_data(x))
