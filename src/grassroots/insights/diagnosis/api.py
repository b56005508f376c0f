"""REST API of the diagnosis: an organization's findings for a period, its subtree's findings ranked with the
integration index, and the thresholds committees set (through the services). Thin over the selectors and services.

Organizations are named by their codes; the period by its code (?period=2026, 2026-Q3; this year if none). An
organization whose diagnosis the caller may not read answers 404; a service refusing answers 403; bad input 400.
"""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import ScopedCode
from grassroots.core.periods import period_for
from grassroots.core.policy import can

from ..models import DiagnosisThreshold
from . import selectors, services
from .checks import CHECKS, PROBLEMS
from .keeping import start_keeping

PERIOD = OpenApiParameter(
    "period", OpenApiTypes.STR, description="Period code: 2026, 2026-H1, 2026-Q3 or 2026-07 (this year if left out)."
)


class OrganizationCode(ScopedCode):
    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no organization with the code {value} among those you can see.")
    }


class LinkSerializer(serializers.Serializer):
    label = serializers.CharField()
    url = serializers.CharField()


class FindingSerializer(serializers.Serializer):
    problem = serializers.CharField(help_text="guidance, vanguard, integration, incentives or formalism.")
    problem_label = serializers.SerializerMethodField()
    code = serializers.CharField(help_text="The check's code.")
    label = serializers.SerializerMethodField(help_text="The check's name, in the caller's language.")
    text = serializers.CharField(help_text="What was found, in plain words in the caller's language.")
    measured = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    threshold = serializers.DecimalField(max_digits=14, decimal_places=3, allow_null=True)
    unit = serializers.CharField(help_text="share (0..1), count, hours or index (share of the way, against peers).")
    rule = serializers.SerializerMethodField(help_text="What the threshold means.")
    missing_data = serializers.BooleanField(help_text="Found because records are missing.")
    evidence = LinkSerializer(many=True)
    actions = LinkSerializer(many=True, help_text="Forms that create the answering record, prefilled.")

    def get_problem_label(self, finding) -> str:
        return str(PROBLEMS.get(finding.problem, finding.problem))

    def get_label(self, finding) -> str:
        check = CHECKS.get(finding.code)
        return str(check.label) if check else finding.code

    def get_rule(self, finding) -> str:
        check = CHECKS.get(finding.code)
        return str(check.rule) if check else ""


class RankedSerializer(serializers.Serializer):
    code = serializers.CharField(source="check.code")
    label = serializers.SerializerMethodField()
    problem = serializers.CharField(source="check.problem")
    organizations = serializers.IntegerField(help_text="Organizations of the subtree with this finding.")
    missing_data = serializers.IntegerField(help_text="Of them, found for want of records.")

    def get_label(self, ranked) -> str:
        return str(ranked.check.label)


class CorrelationSerializer(serializers.Serializer):
    n = serializers.IntegerField(help_text="Organizations with linked duties due and an objective measured.")
    rho = serializers.FloatField(allow_null=True, help_text="Spearman's rank correlation of the two shares.")
    low = serializers.FloatField(allow_null=True, help_text="95% bootstrap interval, lower bound.")
    high = serializers.FloatField(allow_null=True)
    enough = serializers.BooleanField(help_text="Whether the sample is large enough to read a relation.")


class SummarySerializer(serializers.Serializer):
    diagnosed = serializers.IntegerField()
    by_problem = serializers.DictField(child=serializers.IntegerField())
    ranked = RankedSerializer(many=True)
    integration = CorrelationSerializer()
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="When the summary was computed ahead (a large subtree, nightly); null: on request."
    )
    out_of_date = serializers.BooleanField(help_text="Computed ahead under thresholds changed since.")


def _period(request):
    return period_for(str(request.query_params.get("period") or timezone.localdate().year)[:16])


class DiagnosisViewSet(viewsets.GenericViewSet):
    """An organization's findings for a period (GET /diagnosis/<code>/?period=2026) and its subtree's summary
    (GET /diagnosis/<code>/summary/). Read by the organization's secretary and the committees above it (through
    their grants), never by a member for being one, nor by the public."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = FindingSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.diagnosis_organizations(user=self.request.user)

    def _organization(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    @extend_schema(parameters=[PERIOD], responses=FindingSerializer(many=True))
    def retrieve(self, request, code=None):
        org = self._organization()
        findings = selectors.findings_of(user=request.user, organization=org, period=_period(request))
        for f in findings:
            f.actions = [a for a in f.actions if not a.permission or can(request.user, a.permission, org)]
        return Response(FindingSerializer(findings, many=True).data)

    @extend_schema(parameters=[PERIOD], responses=SummarySerializer)
    @action(detail=True, methods=["get"])
    def summary(self, request, code=None):
        org = self._organization()
        summary = selectors.subtree_summary(user=request.user, organization=org, period=_period(request))
        return Response(SummarySerializer(summary).data)


class ThresholdSerializer(serializers.ModelSerializer):
    organization = OrganizationCode(help_text="Code of the committee whose subtree the threshold holds for.")
    code = serializers.ChoiceField(choices=(), help_text="The check's code.")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, max_value=100000)

    class Meta:
        model = DiagnosisThreshold
        fields = ["id", "organization", "code", "value", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []  # setting a threshold again changes it (the service), rather than being refused

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = selectors.check_choices()


class ThresholdViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The thresholds of the diagnosis set in the caller's scope. POST sets one (again: changes it); DELETE removes
    it, the one above (or the check's default) holding again. Set by the officers of the committee."""

    serializer_class = ThresholdSerializer
    queryset = DiagnosisThreshold.objects.none()

    def get_queryset(self):
        return selectors.threshold_list(user=self.request.user).order_by("organization__path", "code")

    def perform_create(self, serializer):
        serializer.instance = services.threshold_set(actor=self.request.user, **serializer.validated_data)
        # the summaries computed ahead that the threshold changes are computed again (a job, as from the page)
        start_keeping(actor=self.request.user, organization=serializer.instance.organization)

    def perform_destroy(self, instance):
        services.threshold_delete(actor=self.request.user, threshold=instance)
        start_keeping(actor=self.request.user, organization=instance.organization)
