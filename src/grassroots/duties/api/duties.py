"""Duties naming the five things, issued down the tree, cancelled, rolled up."""

from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import (
    OrganizationFilter,
    ScopedCode,
    ScopedPrimaryKey,
    id_filter,
)
from grassroots.organizations.models import Member, UnitType

from .. import selectors, services
from ..models import (
    Assignment,
    BusinessObjective,
    Duty,
    DutyList,
    Light,
)

# ---------------------------------------------------------------- fields
from .fields import IssueKindChoice, PostChoice


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
        extra_kwargs = {"weight": {"min_value": Decimal("0.01"), "coerce_to_string": False}}  # a number, as in progress

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


ROLLUP_RULE_EN = selectors.ROLLUP_RULE_TEXT  # the rule in English, as the schema is written


class ProgressSerializer(serializers.Serializer):
    """How the duty is done, counted as ROLLUP_RULE says (a middle assignment counts through its children)."""

    total = serializers.IntegerField(
        help_text="Assignments counted (a decomposed middle one counts through its children)."
    )
    accepted = serializers.IntegerField()
    submitted = serializers.IntegerField()
    red = serializers.IntegerField()
    yellow = serializers.IntegerField()
    weight_total = serializers.FloatField()
    weight_done = serializers.FloatField()
    completion = serializers.FloatField(help_text="Per cent of the weight accepted.")
    light = serializers.ChoiceField(choices=Light.choices)


class DutyFilter(filters.FilterSet):
    organization = OrganizationFilter()
    period = filters.CharFilter(field_name="duty_list__period__code")
    duty_list = id_filter("duty_list_id")
    responsible = id_filter("responsible_id")
    series = id_filter("series_id")

    class Meta:
        model = Duty
        fields = ["organization", "period", "duty_list", "dimension", "state", "is_key", "is_major", "claimable"]


class IssuedAssignmentSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Assignment
        fields = ["id", "duty", "organization", "due_on"]
        read_only_fields = fields


_ISSUE_RESULT = inline_serializer(
    "IssueResult",
    {
        "assignments": serializers.IntegerField(help_text="How many assignments were made."),
        "made": IssuedAssignmentSerializer(
            many=True, help_text="The assignments made (of each occurrence, for a recurring duty)."
        ),
    },
)


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
        duties = selectors.duty_list(user=self.request.user)
        return (
            duties.select_related("organization", "duty_list")
            .prefetch_related("collaborators")
            .order_by("due_on", "id")
        )

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
        """Issue the duty: one assignment per receiver; answers how many assignments were made and which (id, the
        duty or occurrence, receiving organization's code, due date). Receivers holding it already are skipped."""
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
        with transaction.atomic():
            Duty.objects.select_for_update().filter(pk=duty.pk).values_list("pk").first()  # no issue in between
            issued = Assignment.objects.filter(Q(duty=duty) | Q(duty__series=duty))
            before = set(issued.values_list("pk", flat=True))
            count = services.duty_issue(actor=request.user, duty=duty, targets=targets, note=data.get("note", ""))
            made = issued.exclude(pk__in=before).select_related("organization").order_by("due_on", "id")
            answer = {"assignments": count, "made": IssuedAssignmentSerializer(made, many=True).data}
        return Response(answer, status=status.HTTP_201_CREATED if count else status.HTTP_200_OK)

    @extend_schema(request=CancelSerializer, responses=DutySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the duty, everything decomposed from it and their open assignments."""
        duty = self.get_object()
        payload = CancelSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        duty = services.duty_cancel(actor=request.user, duty=duty, reason=payload.validated_data["reason"])
        return Response(DutySerializer(duty, context=self.get_serializer_context()).data)

    @extend_schema(
        request=None,
        responses=ProgressSerializer,
        description="Roll-up over the duty's assignments and everything decomposed below them. " + ROLLUP_RULE_EN,
    )
    @action(detail=True, methods=["get"])
    def progress(self, request, pk=None):
        """Roll-up over the duty's assignments and everything decomposed below them (see ROLLUP_RULE)."""
        return Response(ProgressSerializer(selectors.duty_progress(self.get_object())).data)

    @extend_schema(request=None, responses=DutySerializer(many=True))
    @action(detail=True, methods=["get", "post"])
    def occurrences(self, request, pk=None):
        """GET: the occurrences of a recurring duty; POST: make them for its period (once)."""
        duty = self.get_object()
        if request.method == "POST":
            services.duty_generate_occurrences(actor=request.user, duty=duty)
        occurrences = self.filter_queryset(self.get_queryset().filter(series=duty))
        return Response(DutySerializer(occurrences, many=True, context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=DutySerializer(many=True))
    @action(detail=False, methods=["get"])
    def claimable(self, request):
        """Duties open for claiming at the caller's organization and every organization above it; the list's filters
        apply."""
        duties = self.filter_queryset(selectors.claimable_duties(user=request.user).prefetch_related("collaborators"))
        page = self.paginate_queryset(duties)
        data = DutySerializer(page, many=True, context=self.get_serializer_context()).data
        return self.get_paginated_response(data)
