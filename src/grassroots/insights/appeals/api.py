"""REST API of the appeals, for the organizations' staff: the appeals in the caller's scope (filters: organization,
state, category, unread, overdue), and answering one, turning it into a duty, closing it. The requester's phone is
masked here always (the page shows it, each reading audited). Thin over the selectors and services.

A row the caller may not read answers 404; a service refusing answers 403; bad input 400 with messages by field.
"""

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import ScopedCode, ScopedPrimaryKey
from grassroots.organizations.models import Member

from ..models import Appeal, AppealCategory, AppealState
from . import selectors, services


class AppealSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    phone = serializers.CharField(source="masked_phone", read_only=True, help_text="The requester's phone, masked.")
    overdue = serializers.SerializerMethodField(help_text="No response within the days to answer in.")
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Appeal
        fields = [
            "id",
            "number",
            "organization",
            "kind",
            "category",
            "text",
            "phone",
            "has_photo",
            "state",
            "created_at",
            "read_at",
            "answer",
            "answered_at",
            "first_response_at",
            "assignment",
            "close_reason",
            "closed_at",
            "rating",
            "rating_comment",
            "overdue",
        ]
        read_only_fields = fields

    def get_overdue(self, appeal) -> bool:
        return appeal.is_overdue()

    def get_has_photo(self, appeal) -> bool:
        return hasattr(appeal, "photo")


class AppealAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, trim_whitespace=False)


class AppealDutySerializer(serializers.Serializer):
    responsible = ScopedPrimaryKey(queryset=Member.objects.all(), help_text="Id of the responsible member.")
    due_on = serializers.DateField()
    title = serializers.CharField(required=False, allow_blank=True, default="")
    answer = serializers.CharField(required=False, allow_blank=True, default="")


class AppealCloseSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class OrganizationCode(ScopedCode):
    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no organization with the code {value} among those you can see.")
    }


class AppealFilterSerializer(serializers.Serializer):
    organization = OrganizationCode(required=False)
    state = serializers.ChoiceField(choices=AppealState.choices, required=False)
    category = serializers.ChoiceField(choices=AppealCategory.choices, required=False)
    unread = serializers.BooleanField(required=False, default=False)
    overdue = serializers.BooleanField(required=False, default=False)


FILTERS = [
    OpenApiParameter("organization", str, description="Code of an organization: its subtree's appeals."),
    OpenApiParameter("state", str, enum=AppealState.values),
    OpenApiParameter("category", str, enum=AppealCategory.values),
    OpenApiParameter("unread", bool, description="Only those no one who answers has opened yet."),
    OpenApiParameter("overdue", bool, description="Only those with no response within the days to answer in."),
]


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Appeals from the public in the caller's scope, newest first. `answer/` answers one (or changes the answer),
    `duty/` turns it into a duty of its organization (responsible member, due date), `close/` closes it with a
    reason; by the organization's secretary and its officers."""

    serializer_class = AppealSerializer
    queryset = Appeal.objects.none()

    def get_queryset(self):
        if self.action != "list":
            return selectors.appeal_list(user=self.request.user).select_related("photo")
        filters = AppealFilterSerializer(data=self.request.query_params, context=self.get_serializer_context())
        filters.is_valid(raise_exception=True)
        return selectors.appeal_list(user=self.request.user, **filters.validated_data).select_related("photo")

    @extend_schema(parameters=FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=AppealAnswerSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, pk=None):
        """Answer the appeal (or change its answer)."""
        appeal = self.get_object()
        data = AppealAnswerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_answer(actor=request.user, appeal=appeal, answer=data.validated_data["answer"])
        return Response(self.get_serializer(appeal).data)

    @extend_schema(request=AppealDutySerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def duty(self, request, pk=None):
        """Turn the appeal into a duty of its organization, issued to it, with a responsible member and a due date."""
        appeal = self.get_object()
        data = AppealDutySerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        appeal = services.appeal_to_duty(actor=request.user, appeal=appeal, **data.validated_data)
        return Response(self.get_serializer(appeal).data)

    @extend_schema(request=AppealCloseSerializer, responses=AppealSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the appeal with the reason its requester reads."""
        appeal = self.get_object()
        data = AppealCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_close(actor=request.user, appeal=appeal, reason=data.validated_data["reason"])
        return Response(self.get_serializer(appeal).data)
