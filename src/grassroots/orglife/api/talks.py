"""API of heart-to-heart talks: every member has at least one a year; the notes are restricted."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import id_filter

from .. import selectors, services
from ..models import Talk
from .common import (
    MASK,
    MemberBriefSerializer,
    MemberRef,
    OrganizationYearQuery,
    may_read_personal,
    query_params,
    this_year,
)


class TalkSerializer(serializers.ModelSerializer):
    member_name = serializers.CharField(source="member.name", read_only=True)
    organization = serializers.SlugRelatedField(source="member.organization", slug_field="code", read_only=True)
    with_member_name = serializers.CharField(source="with_member.name", read_only=True, default="")
    notes = serializers.SerializerMethodField()
    notes_masked = serializers.SerializerMethodField()

    class Meta:
        model = Talk
        fields = [
            "id",
            "member",
            "member_name",
            "organization",
            "talked_on",
            "with_member",
            "with_member_name",
            "with_name",
            "topic",
            "notes",
            "notes_masked",
            "created_at",
        ]
        read_only_fields = fields

    def _hidden(self, obj) -> bool:
        request = self.context.get("request")
        return bool(obj.notes) and not (request and may_read_personal(request, obj.member))

    def get_notes(self, obj) -> str:
        """Restricted: given only to those who may read the member's personal data, masked otherwise."""
        return MASK if self._hidden(obj) else obj.notes

    def get_notes_masked(self, obj) -> bool:
        return self._hidden(obj)


class TalkCreateSerializer(serializers.Serializer):
    member = MemberRef(hidden_is_404=True)
    talked_on = serializers.DateField()
    topic = serializers.CharField(max_length=200)
    with_member = MemberRef(required=False, allow_null=True, default=None, help_text="Who talked with the member.")
    with_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class TalkFilter(filters.FilterSet):
    organization = filters.CharFilter(field_name="member__organization__code")
    member = id_filter("member_id")
    year = filters.NumberFilter(field_name="talked_on__year", min_value=1, max_value=9999, decimal_places=0)

    class Meta:
        model = Talk
        fields = ["organization", "member", "year"]


class TalkViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Heart-to-heart talks (谈心谈话): every member has at least one a year; the notes are restricted."""

    serializer_class = TalkSerializer
    filterset_class = TalkFilter

    def get_queryset(self):
        return selectors.talk_list(user=self.request.user)

    @extend_schema(request=TalkCreateSerializer, responses={201: TalkSerializer})
    def create(self, request, *args, **kwargs):
        payload = TalkCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        talk = services.talk_record(actor=request.user, **payload.validated_data)
        talk = selectors.talk_list(user=request.user).get(pk=talk.pk)
        return Response(
            TalkSerializer(talk, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(parameters=[OrganizationYearQuery], responses=MemberBriefSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def missing(self, request):
        """Active members of an organization without a talk in the year."""
        query = query_params(self, OrganizationYearQuery)
        year = query.get("year") or this_year()
        members = selectors.talks_missing(organization=query["organization"], year=year, user=request.user)
        return Response(MemberBriefSerializer(members, many=True).data)
