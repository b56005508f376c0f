"""API of the democratic appraisal: opened, voted on by full members, closed with decided grades."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import MAX_ID, ScopedCode

from .. import selectors, services
from ..models import Appraisal, AppraisalGrade, AppraisalResult
from .common import enum_field


class _ByMemberId(serializers.DictField):
    """An object keyed by member ids."""

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        out = {}
        for key, value in values.items():
            try:
                member_id = int(key)
            except (TypeError, ValueError):
                member_id = 0
            if not 1 <= member_id <= MAX_ID:
                raise serializers.ValidationError(_("%(key)s is not a member id.") % {"key": key})
            out[member_id] = value
        if not out:
            raise serializers.ValidationError(_("Name at least one member."))
        return out


class VotesField(_ByMemberId):
    """Member id -> grade."""


class DecisionSerializer(serializers.Serializer):
    grade = enum_field(AppraisalGrade.choices, "appraisal-grade")
    follow_up = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required for unqualified."
    )


class DecisionsField(_ByMemberId):
    """Member id -> decision."""


class AppraisalSerializer(serializers.ModelSerializer):
    organization = ScopedCode(hidden_is_404=True)
    year = serializers.IntegerField(min_value=1921, max_value=2100)
    state = serializers.CharField(read_only=True)

    class Meta:
        model = Appraisal
        fields = ["id", "organization", "year", "state", "excellent_share", "closed_at", "created_at"]
        read_only_fields = ["id", "state", "excellent_share", "closed_at", "created_at"]
        validators = []  # the service checks there is one appraisal an organization and year


class VoteSerializer(serializers.Serializer):
    votes = VotesField(child=enum_field(AppraisalGrade.choices, "appraisal-grade"))


class CloseSerializer(serializers.Serializer):
    decisions = DecisionsField(child=DecisionSerializer())


class AppraisalResultSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True, help_text="Votes by grade.")
    grade = enum_field(AppraisalGrade.choices, "appraisal-grade", read_only=True)

    class Meta:
        model = AppraisalResult
        fields = ["member", "member_name", "counts", "grade", "follow_up"]
        read_only_fields = fields


class AppraisalFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="organization__code")
    year = filters.NumberFilter(field_name="year", min_value=1, max_value=9999, decimal_places=0)

    class Meta:
        model = Appraisal
        fields = ["organization", "year", "state"]


class AppraisalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The yearly democratic appraisal of members: opened, voted on by full members, closed with decided grades."""

    serializer_class = AppraisalSerializer
    filterset_class = AppraisalFilter

    def get_queryset(self):
        return selectors.appraisal_list(user=self.request.user).order_by("-year", "organization__path", "id")

    @extend_schema(request=AppraisalSerializer, responses={201: AppraisalSerializer})
    def create(self, request, *args, **kwargs):
        """Open the appraisal of an organization for a year."""
        payload = AppraisalSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        appraisal = services.appraisal_open(actor=request.user, **payload.validated_data)
        return Response(AppraisalSerializer(appraisal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=VoteSerializer, responses=inline_serializer("AppraisalVotesCast", {"votes": serializers.IntegerField()})
    )
    @action(detail=True, methods=["post"])
    def vote(self, request, pk=None):
        """A full member rates members of the organization (themselves as the self-assessment)."""
        appraisal = self.get_object()
        payload = VoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        count = services.appraisal_vote(actor=request.user, appraisal=appraisal, votes=payload.validated_data["votes"])
        return Response({"votes": count})

    @extend_schema(request=CloseSerializer, responses=AppraisalResultSerializer(many=True))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Decide the grade of every full member (at most the excellent share; unqualified needs a follow-up)."""
        appraisal = self.get_object()
        payload = CloseSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        decisions = {k: (v["grade"], v.get("follow_up", "")) for k, v in payload.validated_data["decisions"].items()}
        services.appraisal_close(actor=request.user, appraisal=appraisal, decisions=decisions)
        return self.results(request, pk)

    @extend_schema(request=None, responses=AppraisalResultSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def results(self, request, pk=None):
        """The decided grade of each member with the votes counted (empty while voting); a plain member reads their
        own only."""
        appraisal = self.get_object()
        rows = selectors.appraisal_results(appraisal, user=request.user)
        return Response(AppraisalResultSerializer(rows, many=True).data)
