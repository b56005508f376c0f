"""REST API of pursuit: thin over the selectors and services, with the same policy as the pages.

Organizations are named by their codes and periods by theirs (2026, 2026-Q3). A case the caller may not read answers
404 (its URL, and every step on it); a service refusing answers 403; bad input 400 with messages by field; a step the
case's state does not allow 409. The cases and their rectifications export as .xlsx or CSV (`cases/export/`).
"""

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from grassroots.assessment.api.common import named_enum
from grassroots.core.api import (
    AtomicCreateViewSet,
    CSVRenderer,
    PeriodCode,
    ScopedCode,
    ScopedPrimaryKey,
    XLSXRenderer,
    id_filter,
)
from grassroots.core.policy import Action, can_anywhere
from grassroots.core.policy import PermissionDenied as PolicyDenied
from grassroots.duties.models import AssignmentState, Light
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Member, Organization, subtree_q

from . import exports, selectors, services
from .models import (
    DEFAULT_THRESHOLDS,
    LADDER,
    OPEN_CASE_STATES,
    THRESHOLD_UNITS,
    Case,
    CaseState,
    Measure,
    PursuitRule,
    Rectification,
    Trigger,
)

XLSX = XLSXRenderer.media_type
RULE_TRIGGERS = [c for c in Trigger.choices if c[0] != Trigger.BY_HAND]


class OrganizationCode(ScopedCode):
    """An organization by its code, among those the caller sees; any other code is bad input, said so."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no organization with the code {value} among those you can see.")
    }


@extend_schema_field({"type": "string", "enum": LADDER, "x-spec-enum-id": "case-measure"})
class MeasureInput(serializers.CharField):
    """A measure on the ladder; anything else (or nothing) is refused by the service, with its own message."""


# ---------------------------------------------------------------- cases


class CaseEvidenceSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=300)
    url = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="A page of this site, by its path (/duties/assignments/12/); links elsewhere are refused.",
    )


class RectificationSerializer(serializers.ModelSerializer):
    assignment = serializers.IntegerField(source="assignment_id", read_only=True, help_text="Reported on as any.")
    title = serializers.CharField(source="assignment.duty.title", read_only=True)
    requirement = serializers.CharField(source="assignment.duty.requirement", read_only=True)
    evidence_expected = serializers.CharField(source="assignment.duty.evidence_expected", read_only=True)
    responsible = serializers.IntegerField(source="assignment.responsible_id", read_only=True, allow_null=True)
    responsible_name = serializers.CharField(source="assignment.responsible.name", read_only=True, default="")
    due_on = serializers.DateField(source="assignment.due_on", read_only=True)
    state = named_enum(AssignmentState.choices, "rectification-state", inline=True)(
        source="assignment.state", read_only=True
    )
    light = named_enum(Light.choices, "rectification-light", inline=True)(
        source="assignment.light", read_only=True, help_text="done, red (overdue), yellow (due soon) or green."
    )
    percent = serializers.IntegerField(source="assignment.percent", read_only=True)
    accepted_at = serializers.DateTimeField(source="assignment.accepted_at", read_only=True, allow_null=True)

    class Meta:
        model = Rectification
        fields = [
            "id",
            "case",
            "assignment",
            "title",
            "requirement",
            "evidence_expected",
            "responsible",
            "responsible_name",
            "due_on",
            "state",
            "light",
            "percent",
            "accepted_at",
            "created_at",
        ]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    person_name = serializers.CharField(source="person.name", read_only=True, default="")
    deciding = serializers.SlugRelatedField(slug_field="code", read_only=True)
    deciding_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    period = serializers.CharField(source="period.code", read_only=True)
    trigger = named_enum(Trigger.choices, "case-trigger")(read_only=True)
    evidence = CaseEvidenceSerializer(many=True, read_only=True)
    state = named_enum(CaseState.choices, "case-state", inline=True)(read_only=True)
    proposed_measure = named_enum(Measure.choices + [("", "")], "case-proposed-measure")(
        read_only=True, help_text="The first rung of the ladder, or the rung above a repeat's in the same period."
    )
    measure = named_enum(Measure.choices + [("", "")], "case-measure")(read_only=True, help_text="Once decided.")
    rectifications = RectificationSerializer(many=True, read_only=True)

    class Meta:
        model = Case
        fields = [
            "id",
            "organization",
            "organization_name",
            "person",
            "person_name",
            "deciding",
            "deciding_name",
            "period",
            "trigger",
            "key",
            "title",
            "facts",
            "evidence",
            "state",
            "proposed_measure",
            "measure",
            "decision_note",
            "decided_at",
            "statement",
            "statement_at",
            "reason",
            "follows",
            "rectifications",
            "created_at",
            "closed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "key": {"help_text": "The condition that opened it (one case per condition); blank if opened by hand."},
            "reason": {"help_text": "Why it was dismissed or withdrawn."},
            "follows": {"help_text": "The case whose rectification, overdue, opened this one."},
        }

    def get_organization_name(self, case) -> str:
        return case.organization.display_name()

    def get_deciding_name(self, case) -> str:
        return case.deciding.display_name()


class CaseOpenSerializer(serializers.Serializer):
    organization = OrganizationCode(help_text="Code of the organization concerned.")
    deciding = OrganizationCode(
        required=False,
        allow_null=True,
        default=None,
        help_text="Code of the deciding organization, above the one concerned (default: the one right above it).",
    )
    period = PeriodCode(required=False, allow_null=True, default=None, help_text="Default: this year.")
    person = ScopedPrimaryKey(
        queryset=Member.objects.select_related("organization"),
        required=False,
        allow_null=True,
        default=None,
        help_text="Id of the person concerned, a member of the organization concerned.",
    )
    title = serializers.CharField(allow_blank=True, help_text="The responsibility concerned.")
    facts = serializers.CharField(allow_blank=True)
    evidence = CaseEvidenceSerializer(many=True, required=False, default=list)


class CaseStatementSerializer(serializers.Serializer):
    text = serializers.CharField(allow_blank=True, help_text="The statement of the person concerned (申辩).")


class CaseDecideSerializer(serializers.Serializer):
    measure = MeasureInput(required=False, allow_blank=True, default="", help_text="A measure on the ladder.")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The decision; required when the measure differs from the one proposed (say why).",
    )


class CaseReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="Kept on the case.")


class CaseCloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", help_text="Added to the decision.")


class RectificationRequireSerializer(serializers.Serializer):
    title = serializers.CharField(allow_blank=True, help_text="What is to be rectified.")
    requirement = serializers.CharField(allow_blank=True, help_text="What the rectification must achieve.")
    due_on = serializers.DateField(help_text="Today or later.")
    evidence_expected = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class CaseFilter(filters.FilterSet):
    state = filters.ChoiceFilter(choices=CaseState.choices)
    open = filters.BooleanFilter(
        method="filter_open",
        help_text="true: the cases still open (opened, under review, decided, rectifying); false: the others.",
    )
    trigger = filters.ChoiceFilter(choices=Trigger.choices, help_text="The rule that opened it, or by_hand.")
    measure = filters.ChoiceFilter(choices=Measure.choices)
    organization = filters.CharFilter(field_name="organization__code", help_text="Code of the organization concerned.")
    within = filters.CharFilter(
        method="filter_within", help_text="Code of an organization: the cases concerning its whole subtree."
    )
    deciding = filters.CharFilter(field_name="deciding__code", help_text="Code of the deciding organization.")
    period = filters.CharFilter(field_name="period__code", help_text="2026, 2026-H1, 2026-Q3 or 2026-07.")
    person = id_filter("person_id")

    class Meta:
        model = Case
        fields = ["state", "open", "trigger", "measure", "organization", "within", "deciding", "period", "person"]

    def filter_open(self, queryset, name, value: bool):
        return queryset.filter(state__in=OPEN_CASE_STATES) if value else queryset.exclude(state__in=OPEN_CASE_STATES)

    def filter_within(self, queryset, name, value: str):
        org = Organization.objects.filter(code=value.strip()).only("path").first()
        if org is None:
            return queryset.none()
        return queryset.filter(subtree_q(org.path, "organization__path"))


def _cases(user):
    rectifications = Rectification.objects.select_related("assignment__duty", "assignment__responsible")
    return selectors.case_list(user=user).prefetch_related(Prefetch("rectifications", queryset=rectifications))


class CaseViewSet(AtomicCreateViewSet):
    """Cases of accountability the caller may read: those concerning or decided in a scope where they read cases
    (officers, the discipline inspector), and their own as the person concerned. Opened by hand here (or by the
    rules of pursuit), reviewed, answered by the person concerned, decided on the ladder or dismissed, rectified,
    closed; withdrawn with a reason, never deleted."""

    serializer_class = CaseSerializer
    filterset_class = CaseFilter
    queryset = Case.objects.none()

    def get_queryset(self):
        return _cases(self.request.user).order_by("-created_at", "-id")

    def _answer(self, case, code=status.HTTP_200_OK):
        shown = _cases(self.request.user).filter(pk=case.pk).first() or case
        return Response(CaseSerializer(shown, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class) -> dict:
        payload = serializer_class(data=self.request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=CaseOpenSerializer, responses={201: CaseSerializer})
    @transaction.atomic
    def create(self, request, *args, **kwargs):
        """Open a case by hand, with its facts and evidence: by those who pursue in the deciding organization, above
        the one concerned."""
        case = services.case_open(actor=request.user, **self._payload(CaseOpenSerializer))
        return self._answer(case, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """The deciding organization takes an opened case under review."""
        return self._answer(services.case_review(actor=request.user, case=self.get_object()))

    @extend_schema(request=CaseStatementSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def statement(self, request, pk=None):
        """The person concerned, and nobody else, states their side until the case is decided."""
        case = self.get_object()
        text = self._payload(CaseStatementSerializer)["text"]
        return self._answer(services.case_statement(actor=request.user, case=case, text=text))

    @extend_schema(request=CaseDecideSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Decide the measure, once: one on the ladder; another than the one proposed only with a note saying why.
        Nobody decides a case concerning themselves."""
        case = self.get_object()
        return self._answer(services.case_decide(actor=request.user, case=case, **self._payload(CaseDecideSerializer)))

    @extend_schema(request=CaseReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss a case not yet decided, with the reason."""
        case = self.get_object()
        return self._answer(services.case_dismiss(actor=request.user, case=case, **self._payload(CaseReasonSerializer)))

    @extend_schema(request=CaseReasonSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw an open case (opened by mistake), with the reason; it stays, marked."""
        case = self.get_object()
        return self._answer(
            services.case_withdraw(actor=request.user, case=case, **self._payload(CaseReasonSerializer))
        )

    @extend_schema(methods=["GET"], request=None, responses=RectificationSerializer(many=True))
    @extend_schema(methods=["POST"], request=RectificationRequireSerializer, responses={201: RectificationSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def rectifications(self, request, pk=None):
        """GET: the rectifications the case requires. POST: require one of a decided case: a duty of the deciding
        organization issued to the one concerned, its responsible person the person concerned; reported on,
        reviewed, lit and reminded as any assignment."""
        case = self.get_object()
        if request.method == "GET":
            rows = selectors.rectifications_of(case).order_by("assignment__due_on", "id")
            return Response(RectificationSerializer(rows, many=True).data)
        made = services.rectification_require(
            actor=request.user, case=case, **self._payload(RectificationRequireSerializer)
        )
        shown = selectors.rectifications_of(case).get(pk=made.pk)
        return Response(RectificationSerializer(shown).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CaseCloseSerializer, responses=CaseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close a decided case once its rectifications, if any, are all accepted."""
        case = self.get_object()
        return self._answer(services.case_close(actor=request.user, case=case, **self._payload(CaseCloseSerializer)))

    @extend_schema(
        filters=True,
        parameters=[
            OpenApiParameter("format", str, enum=["xlsx", "csv"], description="xlsx (the default) or csv."),
            OpenApiParameter(
                "sheet",
                str,
                enum=list(exports.SHEETS),
                description="For CSV, which table: cases (the default) or rectifications; an .xlsx file has both.",
            ),
        ],
        responses={(200, XLSX): OpenApiTypes.BINARY, (200, "text/csv"): OpenApiTypes.STR},
    )
    @action(
        detail=False, methods=["get"], pagination_class=None, renderer_classes=[JSONRenderer, XLSXRenderer, CSVRenderer]
    )
    def export(self, request):
        """The cases the caller reads and may export, filtered as the list (`within` a subtree, `period`, ...), with
        the rectifications they require: .xlsx with a sheet of each, or CSV of one; audited as an export."""
        if not can_anywhere(request.user, Action.EXPORT):
            raise PolicyDenied(_("You may not export data."))
        sheet = request.query_params.get("sheet") or exports.CASES
        if sheet not in exports.SHEETS:
            raise DRFValidationError({"sheet": [_("Choose cases or rectifications.")]})
        within = (request.query_params.get("within") or "").strip()
        scope = get_object_or_404(org_selectors.organization_list(user=request.user), code=within) if within else None
        listed = self.filter_queryset(selectors.case_list(user=request.user))
        cases = selectors.cases_to_export(user=request.user, cases=listed)
        rows = {
            "user": request.user,
            "cases": cases,
            "rectifications": selectors.rectifications_of_cases(cases),
            "scope": scope,
            "period": (request.query_params.get("period") or "").strip(),
        }
        if request.accepted_renderer.format == "csv":
            return exports.cases_csv(sheet=sheet, **rows)
        return exports.cases_xlsx(**rows)


# ---------------------------------------------------------------- the rules of pursuit


class PursuitRuleSerializer(serializers.ModelSerializer):
    organization = OrganizationCode(
        allow_null=True,
        required=False,
        default=None,
        help_text="Code of the organization whose subtree it rules; null: the default for all (administrators).",
    )
    organization_name = serializers.SerializerMethodField()
    trigger = named_enum(RULE_TRIGGERS, "pursuit-rule-trigger")()
    enabled = serializers.BooleanField(default=True, help_text="Whether the rule opens cases.")
    threshold = serializers.IntegerField(help_text="From 0 to 10000; what it counts is `unit`.")
    unit = serializers.SerializerMethodField(help_text="What the threshold counts, in the caller's language.")

    class Meta:
        model = PursuitRule
        fields = ["id", "organization", "organization_name", "trigger", "enabled", "threshold", "unit", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []  # setting a rule again changes it (the service finds it)

    def get_organization_name(self, rule) -> str:
        return rule.organization.display_name() if rule.organization_id else ""

    def get_unit(self, rule) -> str:
        return str(THRESHOLD_UNITS.get(rule.trigger, ""))


class PursuitRuleChangeSerializer(serializers.Serializer):
    enabled = serializers.BooleanField(required=False, help_text="Whether the rule opens cases.")
    threshold = serializers.IntegerField(required=False, help_text="From 0 to 10000.")


class RuleInForceSerializer(serializers.Serializer):
    trigger = named_enum(RULE_TRIGGERS, "rule-in-force-trigger")()
    label = serializers.CharField(help_text="In the caller's language.")
    enabled = serializers.BooleanField()
    threshold = serializers.IntegerField()
    unit = serializers.CharField(help_text="What the threshold counts, in the caller's language.")
    default_threshold = serializers.IntegerField(help_text="The threshold where no rule is set.")


class RuleInForceQuery(serializers.Serializer):
    organization = ScopedCode(hidden_is_404=True, help_text="Code of the organization.")


class PursuitRuleFilter(filters.FilterSet):
    trigger = filters.ChoiceFilter(choices=RULE_TRIGGERS)
    organization = filters.CharFilter(
        field_name="organization__code", help_text="Code of the organization that set it (the defaults have none)."
    )

    class Meta:
        model = PursuitRule
        fields = ["trigger", "organization", "enabled"]


class PursuitRuleViewSet(viewsets.ModelViewSet):
    """The rules of pursuit: whether each opens cases, and from what threshold, set per subtree by those who pursue
    there (the nearest rule set at or above an organization wins; the defaults, by administrators, apply elsewhere).
    Everyone reads the defaults and the rules set in their scope."""

    serializer_class = PursuitRuleSerializer
    filterset_class = PursuitRuleFilter
    queryset = PursuitRule.objects.none()

    def get_queryset(self):
        rules, _in_force = selectors.pursuit_rules(user=self.request.user)
        return rules.order_by("trigger", "organization__path", "id")

    def perform_create(self, serializer):
        serializer.instance = services.pursuit_rule_set(actor=self.request.user, **serializer.validated_data)

    @extend_schema(request=PursuitRuleChangeSerializer, responses=PursuitRuleSerializer)
    def update(self, request, *args, **kwargs):
        """Change whether the rule opens cases, or its threshold (its place and rule stay)."""
        rule = self.get_object()
        payload = PursuitRuleChangeSerializer(data=request.data, partial=kwargs.get("partial", False))
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        rule = services.pursuit_rule_set(
            actor=request.user,
            organization=rule.organization,
            trigger=rule.trigger,
            enabled=data.get("enabled", rule.enabled),
            threshold=data.get("threshold", rule.threshold),
        )
        return Response(PursuitRuleSerializer(rule, context=self.get_serializer_context()).data)

    @extend_schema(request=PursuitRuleChangeSerializer, responses=PursuitRuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return self.update(request, *args, **kwargs)

    def perform_destroy(self, instance):
        services.pursuit_rule_delete(actor=self.request.user, rule=instance)

    @extend_schema(
        parameters=[OpenApiParameter("organization", str, required=True, description="Code of the organization.")],
        responses=RuleInForceSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="in-force", pagination_class=None, filter_backends=[])
    def in_force(self, request):
        """Per rule, whether it opens cases for the organization and from what threshold: the nearest rule set at or
        above it, else the default."""
        query = RuleInForceQuery(data=request.query_params, context=self.get_serializer_context())
        query.is_valid(raise_exception=True)
        _rules, in_force = selectors.pursuit_rules(user=request.user, organization=query.validated_data["organization"])
        rows = [
            {
                "trigger": trigger,
                "label": str(Trigger(trigger).label),
                "enabled": enabled,
                "threshold": threshold,
                "unit": str(THRESHOLD_UNITS[trigger]),
                "default_threshold": DEFAULT_THRESHOLDS[trigger],
            }
            for trigger, (enabled, threshold) in in_force.items()
        ]
        return Response(RuleInForceSerializer(rows, many=True).data)
