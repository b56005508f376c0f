"""API of a run's inputs: veto events and values entered by hand."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from grassroots.core.api import (
    AtomicCreateViewSet,
    PeriodCode,
    ScopedCode,
    id_filter,
    organization_period_filter,
)

from .. import selectors, services
from ..models import (
    AssessmentRun,
    EnteredValue,
    VetoEvent,
)


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
        return selectors.veto_event_list(user=self.request.user)

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
        return selectors.entered_value_list(user=self.request.user)

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
