"""REST API of the assessment: thin over the selectors and services, with the same policy as the pages.

Organizations are named by their codes and periods by theirs (2026, 2026-Q3). A run, result or system the caller
may not see answers 404; a service refusing answers 403; bad input 400; a state that does not allow the step 409.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from grassroots.core.api import (
    MAX_ID,
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    id_filter,
    organization_period_filter,
)
from grassroots.core.policy import Action, can_anywhere, restrict
from grassroots.core.policy import PermissionDenied as PolicyDenied
from grassroots.core.web import parse_id
from grassroots.organizations.models import Organization, OrgKind, UnitType, subtree_q

from . import exports, selectors, services
from .models import (
    AssessmentRun,
    EnteredValue,
    Grade,
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    RaterKind,
    Result,
    RunState,
    SystemState,
    VetoEvent,
)


def _enum(choices, enum_id: str, inline: bool = False):
    """A choice field whose enum the schema names after its component and field: the same choices under the
    same field name elsewhere (kind) would otherwise collide or get two names.

    With `inline` the enum stays in place, unnamed (wrapped in allOf): for names like grade and state that other
    apps already use for choice sets shared by several components, where any name would collide with theirs.
    """

    values = [value for value, _label in choices]
    schema = {"type": "string", "enum": values, "x-spec-enum-id": enum_id}
    if inline:
        schema = {"allOf": [{"type": "string", "enum": values}], "description": ", ".join(values)}

    @extend_schema_field(schema)
    class EnumChoice(serializers.ChoiceField):
        def __init__(self, **kwargs):
            super().__init__(choices=choices, **kwargs)

    return EnumChoice


# ---------------------------------------------------------------- indicator systems


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = _enum(IndicatorKind.choices, "indicator-kind")(read_only=True)
    global_weight = serializers.SerializerMethodField(help_text="Share of the total: the weights along the path.")

    class Meta:
        model = Indicator
        fields = [
            "id",
            "parent",
            "position",
            "code",
            "name",
            "name_en",
            "dimension",
            "kind",
            "metric",
            "target",
            "weight",
            "global_weight",
            "weight_method",
            "ahp_upper",
            "ahp_cr",
            "points",
            "cap",
            "is_veto",
        ]
        read_only_fields = fields

    def get_global_weight(self, obj) -> float | None:
        return self.context.get("global_weights", {}).get(obj.pk)


class SystemSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    display_name = serializers.CharField(read_only=True, help_text="The name in the caller's language.")
    state = _enum(SystemState.choices, "indicator-system-state", inline=True)(read_only=True)
    assessed_kind = _enum(OrgKind.choices, "indicator-system-assessed-kind")(read_only=True)

    class Meta:
        model = IndicatorSystem
        fields = [
            "id",
            "code",
            "version",
            "name",
            "name_en",
            "display_name",
            "owner",
            "assessed_kind",
            "assesses_secretaries",
            "state",
            "grade_bands",
            "key_work_weight",
            "major_task_weight",
            "previous",
        ]
        read_only_fields = fields


class SystemDetailSerializer(SystemSerializer):
    indicators = serializers.SerializerMethodField()

    class Meta(SystemSerializer.Meta):
        fields = [*SystemSerializer.Meta.fields, "indicators"]
        read_only_fields = fields

    @extend_schema_field(IndicatorSerializer(many=True))
    def get_indicators(self, obj):
        tree = selectors.system_tree(obj)
        weights = {line.indicator.pk: line.global_weight for line in tree}
        return IndicatorSerializer(
            [line.indicator for line in tree], many=True, context={"global_weights": weights}
        ).data


class NewVersionSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False, max_length=200, help_text="Name of the new version; the same as the copied one if left out."
    )
    name_en = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="English name of the new version; the same as the copied one if left out.",
    )


class AHPCheckSerializer(serializers.Serializer):
    group = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Id of the group whose children are compared; none for the top level.",
    )
    upper = serializers.ListField(
        child=serializers.CharField(max_length=10),
        max_length=105,
        help_text='The upper triangle row by row on Saaty\'s scale: "9" .. "2", "1", "1/2" .. "1/9".',
    )


_PAIR = inline_serializer(
    "AHPPair",
    {
        "a": serializers.CharField(),
        "b": serializers.CharField(),
        "a_code": serializers.CharField(),
        "b_code": serializers.CharField(),
        "given": serializers.FloatField(),
        "suggested": serializers.FloatField(),
    },
)
_AHP_RESULT = inline_serializer(
    "AHPCheckResult",
    {
        "weights": inline_serializer(
            "AHPWeight",
            {
                "indicator": serializers.IntegerField(),
                "code": serializers.CharField(),
                "weight": serializers.FloatField(),
            },
            many=True,
        ),
        "lambda_max": serializers.FloatField(),
        "ci": serializers.FloatField(),
        "cr": serializers.FloatField(),
        "consistent": serializers.BooleanField(),
        "pairs": _PAIR,
    },
)


class SystemViewSet(viewsets.ReadOnlyModelViewSet):
    """Indicator systems in the caller's scope: the tree with local and global weights, caps, vetoes and bands.

    A system is versioned: `new_version` makes a draft copy with the next version number, `activate` puts a draft
    in use and retires the version in use before it (whose assessments keep it).
    """

    queryset = IndicatorSystem.objects.none()
    filterset_fields = ["code", "state"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.system_list(user=self.request.user)
        return selectors.systems_visible(user=self.request.user).order_by("code", "-version")

    def get_serializer_class(self):
        return SystemDetailSerializer if self.action in ("retrieve", "new_version", "activate") else SystemSerializer

    @extend_schema(request=NewVersionSerializer, responses={201: SystemDetailSerializer})
    @action(detail=True, methods=["post"])
    def new_version(self, request, pk=None):
        """Make a draft copy of this system with the next version number and the same code: indicators, weights,
        comparisons, grade bands and the weights of key work. Refused (409) while a draft of the code exists."""
        system = self.get_object()
        payload = NewVersionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        draft = services.system_new_version(actor=request.user, system=system, **payload.validated_data)
        return Response(SystemDetailSerializer(draft).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SystemDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Put this draft in use; the version in use before it is retired (its assessments keep it). Refused (409)
        for a system that is not a draft, and (400) for a draft whose weights or indicators are incomplete."""
        system = self.get_object()
        services.system_activate(actor=request.user, system=system)
        system.refresh_from_db()
        return Response(SystemDetailSerializer(system).data)

    @extend_schema(request=AHPCheckSerializer, responses=_AHP_RESULT)
    @action(detail=True, methods=["post"])
    def ahp_check(self, request, pk=None):
        """Weights, consistency ratio and the pairs to revisit for a matrix of comparisons; nothing is saved."""
        system = self.get_object()
        payload = AHPCheckSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        group_id = payload.validated_data.get("group")
        group = None
        if group_id is not None:
            group = system.indicators.filter(pk=group_id, kind=IndicatorKind.GROUP).first()
            if group is None:
                raise NotFound(_("No such group in this indicator system."))
        kids = selectors.weighted_children(system, group)
        codes = [k.code for k in kids]
        check = services.ahp_check(payload.validated_data["upper"], codes)
        names = {k.code: k.display_name() for k in kids}
        data = {
            **check,
            "weights": [
                {"indicator": k.pk, "code": k.code, "weight": w} for k, w in zip(kids, check["weights"], strict=True)
            ],
            "pairs": [
                {**p, "a_code": p["a"], "b_code": p["b"], "a": names[p["a"]], "b": names[p["b"]]}
                for p in check["pairs"]
            ],
        }
        return Response(data)


# ---------------------------------------------------------------- runs


class RaterGroupSerializer(serializers.Serializer):
    kind = _enum(RaterKind.choices, "rater-group-kind")()
    weight = serializers.DecimalField(max_digits=5, decimal_places=4)


class RunSerializer(serializers.ModelSerializer):
    system = serializers.PrimaryKeyRelatedField(queryset=IndicatorSystem.objects.all())
    system_name = serializers.CharField(
        source="system.display_name", read_only=True, help_text="The system's name in the caller's language."
    )
    period = PeriodCode()
    scope = ScopedCode(hidden_is_404=True)
    rater_groups = RaterGroupSerializer(many=True, read_only=True)
    state = _enum(RunState.choices, "assessment-run-state", inline=True)(read_only=True)
    rater_weights = serializers.DictField(
        child=serializers.FloatField(min_value=0, max_value=1),
        write_only=True,
        required=False,
        help_text="Weight of each rater group (superior, peers, members, masses); they add up to 1.",
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
            "rater_groups",
            "rater_weights",
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


class TokenIssueSerializer(serializers.Serializer):
    kind = _enum(RaterKind.choices, "token-issue-kind")()
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
    kind = _enum(IndicatorKind.choices, "explanation-line-kind")()
    metric = serializers.CharField()
    level = serializers.IntegerField()
    local_weight = serializers.FloatField(allow_null=True)
    global_weight = serializers.FloatField(allow_null=True)
    effective_weight = serializers.FloatField(
        allow_null=True, help_text="The share it carries here: siblings without a value give way."
    )
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
    score = serializers.FloatField()
    weighted = serializers.FloatField()
    deductions = serializers.FloatField()
    bonus = serializers.FloatField()
    grade = _enum(Grade.choices, "explanation-grade", inline=True)()
    vetoed = serializers.BooleanField()
    veto_reason = serializers.CharField()
    rank_siblings = serializers.IntegerField(allow_null=True)
    rank_level = serializers.IntegerField(allow_null=True)
    rank_topsis = serializers.IntegerField(allow_null=True)
    closeness = serializers.FloatField(allow_null=True)
    rank_low = serializers.IntegerField(allow_null=True)
    rank_high = serializers.IntegerField(allow_null=True)
    lost_weighted = serializers.FloatField(help_text="Points lost in the weighted tree: 100 - weighted.")
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

    @extend_schema(request=None, responses=RunSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the computed results: the organizations see theirs."""
        return self._step(request, services.run_publish)

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


# ---------------------------------------------------------------- results


class ResultSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    grade = _enum(Grade.choices, "assessment-result-grade", inline=True)(read_only=True)
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    sensitive = serializers.SerializerMethodField(
        help_text="Whether the rank is marked sensitive to the weights: its range under ±10% weights is wider than "
        "5% of the organizations ranked together (and than 2 places)."
    )

    def get_organization_name(self, result) -> str:
        return result.organization.display_name()

    def get_sensitive(self, result) -> bool:
        limits = self.context.setdefault("unstable_limits", {})  # per run, for the page of results
        if result.run_id not in limits:
            limits[result.run_id] = selectors.unstable_range(selectors.level_size(result.run))
        return result.rank_high - result.rank_low > limits[result.run_id]

    class Meta:
        model = Result
        fields = [
            "id",
            "run",
            "organization",
            "organization_name",
            "weighted",
            "deductions",
            "bonus",
            "score",
            "grade",
            "vetoed",
            "veto_reason",
            "rank_siblings",
            "rank_level",
            "closeness",
            "rank_topsis",
            "rank_low",
            "rank_high",
            "sensitive",
        ]
        read_only_fields = fields


class ResultFilter(filters.FilterSet):
    run = id_filter("run_id")
    organization = filters.CharFilter(method="within", help_text="Code of an organization: its whole subtree.")
    unit_type = filters.ChoiceFilter(field_name="organization__unit_type", choices=UnitType.choices)
    grade = filters.ChoiceFilter(choices=Grade.choices)
    vetoed = filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: only the vetoed; false: only the others.",
    )
    sort = filters.ChoiceFilter(
        method="order", choices=[(k, k) for k in selectors.SORTS], help_text="Order of the results."
    )

    class Meta:
        model = Result
        fields = ["run", "organization", "unit_type", "grade", "vetoed", "sort"]

    def within(self, queryset, name, value):
        org = Organization.objects.filter(code=value.strip()).first()
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "organization__path"))

    def order(self, queryset, name, value):
        return selectors.filter_results(queryset, sort=value)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for text/csv; the CSV itself is streamed by the view, errors come as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        return json.dumps(data, ensure_ascii=False, default=str)


class ResultViewSet(viewsets.ReadOnlyModelViewSet):
    """Results the caller may see: filter by run, subtree, kind of unit, grade and veto; sort; export CSV."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    queryset = Result.objects.none()

    def get_queryset(self):
        return (
            selectors.visible_results(user=self.request.user)
            .select_related("organization")
            .order_by("run_id", "rank_level", "organization__path")
        )

    @extend_schema(filters=True, responses={(200, "text/csv"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"], url_path="csv", renderer_classes=[JSONRenderer, CSVRenderer])
    def csv(self, request):
        """The filtered results of one run (the `run` filter is required) as CSV; audited as an export."""
        if not can_anywhere(request.user, Action.EXPORT):
            raise PolicyDenied(_("You may not export data."))
        run_id = parse_id(request.query_params.get("run", ""))
        if run_id is None:
            raise DRFValidationError({"run": [_("Name the assessment run to export.")]})
        run = get_object_or_404(selectors.run_list(user=request.user), pk=run_id)
        qs = restrict(request.user, Action.EXPORT, self.filter_queryset(self.get_queryset()).filter(run=run))
        return exports.results_csv(user=request.user, run=run, results=qs)


# ---------------------------------------------------------------- inputs: veto events and entered values


class VetoEventSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True)
    period = PeriodCode()

    class Meta:
        model = VetoEvent
        fields = [
            "id",
            "period",
            "organization",
            "reason",
            "occurred_on",
            "created_at",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = ["id", "created_at", "withdrawn_at", "withdrawn_reason"]


class VetoFilter(organization_period_filter(VetoEvent)):
    in_force = filters.BooleanFilter(
        field_name="withdrawn_at",
        lookup_expr="isnull",
        label="true: the vetoes not taken back; false: those taken back.",
    )


class VetoWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, help_text="Why the veto is taken back.")


class VetoEventViewSet(AtomicCreateViewSet):
    """Facts that veto an organization's assessment in a period (a serious discipline case), with the reason."""

    serializer_class = VetoEventSerializer
    filterset_class = VetoFilter
    queryset = VetoEvent.objects.none()

    def get_queryset(self):
        qs = VetoEvent.objects.select_related("organization", "period")
        return restrict(self.request.user, Action.VIEW, qs).order_by("-occurred_on", "-id")

    def perform_create(self, serializer):
        serializer.instance = services.veto_record(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=VetoWithdrawSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take back a veto recorded by mistake, saying why; runs not closed lose it when computed again. The event
        stays, with `withdrawn_at` and `withdrawn_reason`; taking it back twice is refused (409)."""
        event = self.get_object()
        payload = VetoWithdrawSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.veto_withdraw(actor=request.user, event=event, reason=payload.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class VisibleRun(serializers.PrimaryKeyRelatedField):
    """A run the caller may see; one they may not answers 404, as its own URL would."""

    def get_queryset(self):
        request = self.context.get("request")
        return selectors.run_list(user=getattr(request, "user", None))

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            raise NotFound()
        super().fail(key, **kwargs)


class EnteredValueSerializer(serializers.ModelSerializer):
    run = VisibleRun(queryset=AssessmentRun.objects.all())
    organization = ScopedCode(hidden_is_404=True)
    indicator = serializers.CharField(source="indicator.code", max_length=20, help_text="Code of the indicator.")
    evidence = serializers.FileField(required=False, write_only=True)
    evidence_url = serializers.SerializerMethodField(help_text="Where the evidence opens, for those who see the value.")

    def get_evidence_url(self, value) -> str | None:
        if not value.evidence:
            return None
        url = reverse("assessment:value_evidence", args=[value.run_id, value.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url

    class Meta:
        model = EnteredValue
        fields = [
            "id",
            "run",
            "organization",
            "indicator",
            "value",
            "note",
            "evidence",
            "evidence_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        validators = []  # entering again replaces the value


class EnteredValueFilter(filters.FilterSet):
    run = id_filter("run_id")
    organization = filters.CharFilter(field_name="organization__code")

    class Meta:
        model = EnteredValue
        fields = ["run", "organization"]


class EnteredValueViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Scores entered by hand with evidence (and bonuses given by hand); entering again replaces the value, and a
    value entered by mistake is removed (while its run is not closed)."""

    serializer_class = EnteredValueSerializer
    filterset_class = EnteredValueFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    queryset = EnteredValue.objects.none()

    def get_queryset(self):
        qs = EnteredValue.objects.select_related("organization", "indicator", "run")
        return restrict(self.request.user, Action.VIEW, qs).order_by("run_id", "organization__path", "id")

    def perform_create(self, serializer):
        data = serializer.validated_data
        run = data["run"]
        code = data["indicator"]["code"]
        indicator = run.system.indicators.filter(code=code).first()
        if indicator is None:
            raise DRFValidationError({"indicator": [_("No indicator with this code in the run's system.")]})
        serializer.instance = services.entered_value_set(
            actor=self.request.user,
            run=run,
            organization=data["organization"],
            indicator=indicator,
            value=data["value"],
            note=data.get("note", ""),
            evidence=data.get("evidence"),
        )

    def perform_destroy(self, instance):
        services.entered_value_remove(actor=self.request.user, value=instance)
