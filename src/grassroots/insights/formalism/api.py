"""REST API of the formalism flags: the flags the caller may see (filtered by kind, state and organization code),
one flag with its records, and the decisions: dismiss with a reason, confirm, open a case. Thin over the
selectors and services; a flag the caller may not see answers 404, a refusal 403, bad input 400."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.organizations import selectors as org_selectors

from ..models import Flag, FlagKind, FlagState
from . import selectors, services


class FlagSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reviewing = serializers.SlugRelatedField(slug_field="code", read_only=True)
    other_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    period = serializers.SlugRelatedField(slug_field="code", read_only=True)
    text = serializers.SerializerMethodField(help_text="What was found, in plain words in the caller's language.")

    class Meta:
        model = Flag
        fields = [
            "id",
            "kind",
            "state",
            "organization",
            "reviewing",
            "other_organization",
            "period",
            "report",
            "other_report",
            "evidence",
            "other_evidence",
            "meeting",
            "other_meeting",
            "meeting_file",
            "other_meeting_file",
            "duty_report",
            "other_duty_report",
            "similarity",
            "details",
            "text",
            "reason",
            "decided_by",
            "decided_at",
            "case",
            "created_at",
        ]
        read_only_fields = fields

    def get_text(self, flag) -> str:
        return services.describe(flag)


class FlagDismissSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the records are in order after all.")


class FlagConfirmSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class FlagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Flags of work done for show, for a person to judge: seen by the reviewing organization and those above it."""

    serializer_class = FlagSerializer
    queryset = Flag.objects.none()

    def get_queryset(self):
        params = self.request.query_params
        kind = params.get("kind", "") if params.get("kind", "") in FlagKind.values else ""
        state = params.get("state", "") if params.get("state", "") in FlagState.values else ""
        organization = None
        if params.get("organization"):
            organization = (
                org_selectors.organization_list(user=self.request.user).filter(code=params["organization"]).first()
            )
            if organization is None:
                return Flag.objects.none()
        return selectors.flag_list(user=self.request.user, kind=kind, state=state, organization=organization)

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", enum=FlagKind.values, required=False),
            OpenApiParameter("state", enum=FlagState.values, required=False),
            OpenApiParameter("organization", str, required=False, description="code; its subtree's flags"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def _answer(self, flag, code=status.HTTP_200_OK):
        shown = selectors.flag_get(user=self.request.user, pk=flag.pk) or flag
        return Response(FlagSerializer(shown, context=self.get_serializer_context()).data, status=code)

    def _payload(self, serializer_class) -> dict:
        payload = serializer_class(data=self.request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        return payload.validated_data

    @extend_schema(request=FlagDismissSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, pk=None):
        """Dismiss the flag with a reason (audited)."""
        flag = self.get_object()
        return self._answer(
            services.flag_dismiss(actor=request.user, flag=flag, **self._payload(FlagDismissSerializer))
        )

    @extend_schema(request=FlagConfirmSerializer, responses=FlagSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Confirm the flag: it then counts in the diagnosis and may open a case."""
        flag = self.get_object()
        return self._answer(
            services.flag_confirm(actor=request.user, flag=flag, **self._payload(FlagConfirmSerializer))
        )

    @extend_schema(request=None, responses={201: FlagSerializer})
    @action(detail=True, methods=["post"])
    def case(self, request, pk=None):
        """Open a case of accountability from a confirmed flag."""
        flag = self.get_object()
        services.flag_open_case(actor=request.user, flag=flag)
        return self._answer(flag, status.HTTP_201_CREATED)
