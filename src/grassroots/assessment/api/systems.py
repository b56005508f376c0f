"""API of the indicator systems: read them, check an AHP matrix, make a new version, add, change or remove an indicator
of a draft, put one in use (refused while a fact takes points twice without a reason: assessment.facts)."""

from django.utils.choices import CallableChoiceIterator
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from grassroots.core.api import (
    MAX_ID,
)
from grassroots.organizations.models import OrgKind

from .. import facts, selectors, services
from ..models import (
    Indicator,
    IndicatorKind,
    IndicatorSystem,
    SystemState,
    metric_choices,
)
from .common import named_enum


class IndicatorSerializer(serializers.ModelSerializer):
    parent = serializers.PrimaryKeyRelatedField(read_only=True)
    kind = named_enum(IndicatorKind.choices, "indicator-kind")(read_only=True)
    global_weight = serializers.SerializerMethodField(help_text="Share of the total: the weights along the path.")
    fact = serializers.SerializerMethodField(
        help_text="The fact the metric counts (assignments, meetings, attendance...); null without a metric."
    )
    counted_twice_with = serializers.SerializerMethodField(
        help_text="On a deduction or bonus taking points: the codes of the other indicators that take points for the "
        "same fact. Unless double_use_reason says why, the system is not put in use."
    )

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
            "double_use_reason",
            "fact",
            "counted_twice_with",
        ]
        read_only_fields = fields

    def get_global_weight(self, obj) -> float | None:
        return self.context.get("global_weights", {}).get(obj.pk)

    def get_fact(self, obj) -> str | None:
        fact = facts.fact_of(obj.metric)
        return fact.value if fact is not None else None

    def get_counted_twice_with(self, obj) -> list[str]:
        use = self.context.get("second_uses", {}).get(obj.pk)
        return [o.code for o in use.others] if use is not None else []


def _indicator_context(system: IndicatorSystem) -> dict:
    """What an indicator's fields read from its whole system: the global weights and the second uses of facts."""
    tree = selectors.system_tree(system)
    return {
        "global_weights": {line.indicator.pk: line.global_weight for line in tree},
        "second_uses": {u.indicator.pk: u for u in facts.second_uses([line.indicator for line in tree])},
    }


class SystemSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(slug_field="code", read_only=True)
    display_name = serializers.CharField(read_only=True, help_text="The name in the caller's language.")
    state = named_enum(SystemState.choices, "indicator-system-state", inline=True)(read_only=True)
    assessed_kind = named_enum(OrgKind.choices, "indicator-system-assessed-kind")(read_only=True)

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
        indicators = [line.indicator for line in selectors.system_tree(obj)]
        return IndicatorSerializer(indicators, many=True, context=_indicator_context(obj)).data


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


class IndicatorChangeSerializer(serializers.Serializer):
    """The fields of an indicator of a draft that change; those left out stay. What a kind may change: names (every
    kind); metric and target (computed); metric, points, cap, double_use_reason (deduction, bonus) and is_veto
    (deduction)."""

    name = serializers.CharField(required=False, max_length=200)
    name_en = serializers.CharField(required=False, allow_blank=True, max_length=200)
    # The built-in metrics and those other apps register (outside.py), as Indicator.metric admits them.
    # (Read again for each serializer: a DRF field copies its arguments per serializer and lists the choices then.)
    metric = serializers.ChoiceField(choices=CallableChoiceIterator(metric_choices), required=False, allow_blank=True)
    target = serializers.DecimalField(required=False, max_digits=8, decimal_places=3, min_value=0)
    points = serializers.DecimalField(required=False, max_digits=6, decimal_places=2, min_value=0)
    cap = serializers.DecimalField(required=False, max_digits=6, decimal_places=2, min_value=0)
    is_veto = serializers.BooleanField(required=False)
    double_use_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=300,
        help_text="Why a deduction or bonus takes points for a fact a weighted indicator counts too (one fact, one "
        "use); empty when it does not.",
    )


class IndicatorAddSerializer(IndicatorChangeSerializer):
    """A deduction or bonus added to a draft, after the indicators of its top level."""

    code = serializers.CharField(max_length=20)
    kind = serializers.ChoiceField(choices=[(k, IndicatorKind(k).label) for k in services.ADJUSTMENTS])
    name = serializers.CharField(max_length=200)


_INDICATOR_PATH = [OpenApiParameter("indicator", int, OpenApiParameter.PATH, description="Id of the indicator.")]


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

    @extend_schema(request=IndicatorAddSerializer, responses={201: IndicatorSerializer})
    @action(detail=True, methods=["post"])
    def indicators(self, request, pk=None):
        """Add a deduction or bonus to this draft. Refused (400) for a system that is not a draft."""
        system = self.get_object()
        payload = IndicatorAddSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        added = services.indicator_add(actor=request.user, system=system, data=payload.validated_data)
        return Response(
            IndicatorSerializer(added, context=_indicator_context(system)).data, status=status.HTTP_201_CREATED
        )

    def _indicator(self, system, indicator) -> Indicator:
        found = system.indicators.filter(pk=indicator).first()
        if found is None:
            raise NotFound(_("No such indicator in this indicator system."))
        return found

    @extend_schema(
        methods=["PATCH"], request=IndicatorChangeSerializer, responses=IndicatorSerializer, parameters=_INDICATOR_PATH
    )
    @extend_schema(methods=["DELETE"], request=None, responses={204: None}, parameters=_INDICATOR_PATH)
    @action(detail=True, methods=["patch", "delete"], url_path=r"indicators/(?P<indicator>[0-9]{1,18})")
    def indicator(self, request, pk=None, indicator=None):
        """Change an indicator of this draft (the fields given), or remove a deduction, bonus or veto from it.
        Refused (400) for a system that is not a draft, or a change its kind does not take."""
        system = self.get_object()
        found = self._indicator(system, indicator)
        if request.method == "DELETE":
            services.indicator_remove(actor=request.user, indicator=found)
            return Response(status=status.HTTP_204_NO_CONTENT)
        payload = IndicatorChangeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        changed = services.indicator_update(actor=request.user, indicator=found, data=payload.validated_data)
        return Response(IndicatorSerializer(changed, context=_indicator_context(system)).data)

    @extend_schema(request=None, responses=SystemDetailSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Put this draft in use; the version in use before it is retired (its assessments keep it). Refused (409)
        for a system that is not a draft, and (400) for a draft whose weights or indicators are incomplete, or in
        which a fact takes points twice (a weighted indicator and a deduction or bonus) without the deduction or
        bonus saying why in double_use_reason; the message names the indicators and the fact."""
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
