"""Claims: members and organizations taking on duties opened for claiming."""

from django.db.models import Q
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from grassroots.core.api import (
    ScopedCode,
    ScopedPrimaryKey,
    id_filter,
)
from grassroots.organizations.models import Member

from .. import selectors, services
from ..models import (
    Claim,
    Duty,
)

# ---------------------------------------------------------------- fields


class ClaimSerializer(serializers.ModelSerializer):
    duty_title = serializers.CharField(source="duty.title", read_only=True)
    member_name = serializers.CharField(source="member.name", read_only=True, default="")
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "duty",
            "duty_title",
            "member",
            "member_name",
            "organization",
            "state",
            "note",
            "created_at",
            "completed_at",
        ]
        read_only_fields = fields


class ClaimableDuty(serializers.PrimaryKeyRelatedField):
    """A duty the caller sees, or one open for claiming at the caller's organization or above; else 404."""

    def get_queryset(self):
        user = self.context["request"].user
        claimable = list(selectors.claimable_duties(user=user).values_list("pk", flat=True))
        return Duty.objects.filter(Q(pk__in=selectors.duty_list(user=user).values("pk")) | Q(pk__in=claimable))

    def fail(self, key, **kwargs):
        if key == "does_not_exist":
            raise NotFound()
        super().fail(key, **kwargs)


class ClaimCreateSerializer(serializers.Serializer):
    duty = ClaimableDuty(queryset=Duty.objects.all(), help_text="A duty open for claiming.")
    member = ScopedPrimaryKey(queryset=Member.objects.all(), required=False, allow_null=True)
    organization = ScopedCode(required=False, allow_null=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ClaimFilter(filters.FilterSet):
    duty = id_filter("duty_id")
    member = id_filter("member_id")
    organization = filters.CharFilter(field_name="organization__code")

    class Meta:
        model = Claim
        fields = ["state", "duty", "member", "organization"]


class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Members and organizations taking on duties opened for claiming."""

    serializer_class = ClaimSerializer
    filterset_class = ClaimFilter

    def get_queryset(self):
        return selectors.claim_list(user=self.request.user).order_by("-created_at", "-id")

    def get_serializer_class(self):
        if self.action == "create":
            return ClaimCreateSerializer
        return super().get_serializer_class()

    @extend_schema(request=ClaimCreateSerializer, responses={201: ClaimSerializer})
    def create(self, request, *args, **kwargs):
        payload = ClaimCreateSerializer(data=request.data, context=self.get_serializer_context())
        payload.is_valid(raise_exception=True)
        claim = services.claim_create(actor=request.user, **payload.validated_data)
        return Response(ClaimSerializer(claim).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ClaimSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        claim = services.claim_withdraw(actor=request.user, claim=self.get_object())
        return Response(ClaimSerializer(claim).data)
