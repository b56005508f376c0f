"""The API's tokens: `POST /api/token/` issues one for a user name and password (the key shown once);
`/api/tokens/` lists the caller's own tokens and revokes one."""

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import accounts, otp, tokens
from .models import ApiToken
from .policy import PermissionDenied


class TokenSerializer(serializers.ModelSerializer):
    active = serializers.SerializerMethodField()

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "active"]
        read_only_fields = fields

    def get_active(self, obj) -> bool:
        return obj.is_active()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    days = serializers.IntegerField(required=False, min_value=1, max_value=tokens.MAX_DAYS)
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        help_text="The authenticator's code (or a recovery code), for an account with two-factor authentication.",
    )

    def validate(self, attrs):
        request = self.context["request"]
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None or not user.is_active:
            raise serializers.ValidationError(_("Unable to log in with the given user name and password."))
        if otp.is_enrolled(user):
            if not attrs.get("otp"):
                raise serializers.ValidationError(
                    {"otp": _("This account uses two-factor authentication: give a code.")}
                )
            try:
                device = otp.check_code(request=request, user=user, code=attrs["otp"])
            except PermissionDenied as refused:
                raise serializers.ValidationError(str(refused.message)) from None
            if device is None:
                raise serializers.ValidationError({"otp": _("This code is not right.")})
        elif otp.must_enrol(user):
            raise serializers.ValidationError(
                _("Your role requires two-factor authentication: set it up on the Security page first.")
            )
        attrs["user"] = user
        return attrs


class ObtainToken(APIView):
    """Issue a token for a user name and password; the key is in this answer only (it is stored as a digest).
    Failed passwords count towards the login lockout, as on the login page."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            201: inline_serializer(
                "IssuedToken",
                {
                    "token": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                    "id": serializers.IntegerField(),
                },
            )
        },
    )
    def post(self, request):
        payload = TokenRequestSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        user = payload.validated_data["user"]
        with transaction.atomic():
            token, key = tokens.token_issue(
                actor=user, name=payload.validated_data["name"], days=payload.validated_data.get("days")
            )
            accounts.sign_in_audit(request=request, user=user, how=accounts.BY_API_TOKEN)
        return Response({"token": key, "expires_at": token.expires_at, "id": token.pk}, status=status.HTTP_201_CREATED)


class TokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The caller's own API tokens (never their keys); `revoke` ends one at once."""

    serializer_class = TokenSerializer
    queryset = ApiToken.objects.none()  # the schema's model; every request reads tokens_of(user)

    def get_queryset(self):
        return tokens.tokens_of(user=self.request.user)

    @extend_schema(request=None, responses={200: TokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = tokens.token_revoke(actor=request.user, token=self.get_object())
        return Response(TokenSerializer(token).data)
