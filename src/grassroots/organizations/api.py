"""REST API of organizations, members, posts, transfers and grants: thin over selectors and services."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import OrganizationFilter
from grassroots.core.errors import ValidationError
from grassroots.core.policy import Action, can

from . import selectors, services
from .models import PERSONAL_MASKS, Grant, Member, MemberStatus, Organization, Post, Role, Transfer


class OrganizationSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all(), allow_null=True)

    class Meta:
        model = Organization
        fields = [
            "id",
            "code",
            "name",
            "name_en",
            "kind",
            "unit_type",
            "parent",
            "founded_on",
            "is_active",
            "depth",
        ]
        read_only_fields = ["id", "depth"]


class OrganizationUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = list(Organization.EDITABLE_FIELDS)


class MoveSerializer(serializers.Serializer):
    new_parent = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())


class OrganizationListFilter(filters.FilterSet):
    parent = OrganizationFilter("parent", help_text="Code of the parent organization (its id is accepted too).")

    class Meta:
        model = Organization
        fields = ["kind", "unit_type", "parent", "code", "depth"]


class MemberFilter(filters.FilterSet):
    organization = OrganizationFilter()

    class Meta:
        model = Member
        fields = ["organization", "category", "status", "gender"]


class PostFilter(filters.FilterSet):
    organization = OrganizationFilter()

    class Meta:
        model = Post
        fields = ["organization", "member", "title"]


class GrantFilter(filters.FilterSet):
    organization = OrganizationFilter()

    class Meta:
        model = Grant
        fields = ["role", "organization"]


class OrganizationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Organizations the caller can see; create, change and move need the structure right on the subtree."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationListFilter

    def get_queryset(self):
        return selectors.organization_list(user=self.request.user).select_related("parent")

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return OrganizationUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("is_active", None)
        serializer.instance = services.organization_create(actor=self.request.user, **data)

    def perform_update(self, serializer):
        services.organization_update(
            actor=self.request.user, organization=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=MoveSerializer, responses=OrganizationSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        org = self.get_object()
        payload = MoveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        moved = services.organization_move(
            actor=request.user, organization=org, new_parent=payload.validated_data["new_parent"]
        )
        return Response(OrganizationSerializer(moved).data)


class MemberSerializer(serializers.ModelSerializer):
    """A member; ID number and phone come masked unless `?unmasked=1` and the role allows (audited)."""

    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())

    class Meta:
        model = Member
        fields = ["id", *Member.EDITABLE_FIELDS, "organization", "status", "updated_at"]
        read_only_fields = ["id", "status", "updated_at"]
        extra_kwargs = {"id_number": {"validators": []}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is not None and not can(request.user, Action.VIEW_RECORD, instance):
            for name in Member.RECORD_FIELDS:  # a colleague's record: name, category and dates only
                data[name] = None if Member._meta.get_field(name).null else ""
            return data
        if not self.context.get("unmasked"):
            for name, mask in PERSONAL_MASKS.items():
                data[name] = mask(getattr(instance, name) or "")
        return data


class AccountActionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        choices=["create", "link", "reset", "deactivate", "activate", "grant", "revoke"],
        help_text="create: give the member a login; link: an existing login of no member (by username) becomes "
        "the member's; reset: a new one-time password; deactivate (with a reason) or activate again; grant: give "
        "the account a role (`role`) on an organization (`organization`, a code); revoke: end one of its roles "
        "(`grant`, its id).",
    )
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, help_text="For create and link.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True, help_text="For deactivate.")
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="For grant.")
    organization = serializers.CharField(max_length=40, required=False, help_text="For grant: the code.")
    grant = serializers.IntegerField(required=False, min_value=1, help_text="For revoke: the id of the grant.")


class AccountGrantSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organization = serializers.CharField(source="organization.code")
    role = serializers.CharField()


class AccountSerializer(serializers.Serializer):
    username = serializers.CharField()
    is_active = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)
    grants = AccountGrantSerializer(many=True, help_text="The roles of the account that the caller can see.")
    password = serializers.CharField(
        required=False, help_text="The one-time password, in the answer to create and reset only: shown once."
    )


class MemberLeaveSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=MemberStatus.choices)
    left_on = serializers.DateField(required=False)


class MemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = MemberSerializer
    filterset_class = MemberFilter

    def get_queryset(self):
        return selectors.member_list(user=self.request.user)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["unmasked"] = False
        return context

    def retrieve(self, request, *args, **kwargs):
        member = self.get_object()
        context = self.get_serializer_context()
        if request.query_params.get("unmasked") == "1":
            services.member_reveal_personal(actor=request.user, member=member)
            context["unmasked"] = True
        return Response(MemberSerializer(member, context=context).data)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        org = data.pop("organization")
        serializer.instance = services.member_create(actor=self.request.user, organization=org, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("organization", None)
        expected = self.request.data.get("updated_at")
        from django.utils.dateparse import parse_datetime

        services.member_update(
            actor=self.request.user,
            member=serializer.instance,
            expected_updated_at=parse_datetime(expected) if isinstance(expected, str) else None,
            **data,
        )
        serializer.instance.refresh_from_db()

    @extend_schema(request=AccountActionSerializer, responses=AccountSerializer)
    @action(detail=True, methods=["post"])
    def account(self, request, pk=None):
        """The member's login, kept by whoever grants roles where the member belongs (each action audited)."""
        member = self.get_object()
        payload = AccountActionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        password = None
        if data["action"] == "create":
            password = services.one_time_password()
            services.member_account_create(
                actor=request.user, member=member, username=data.get("username", ""), password=password
            )
        elif data["action"] == "link":
            services.member_account_link(actor=request.user, member=member, username=data.get("username", ""))
        elif data["action"] == "reset":
            password = services.member_account_password_reset(actor=request.user, member=member)
        elif data["action"] in ("grant", "revoke"):
            self._grant_or_revoke(request, member, data)
        else:
            services.member_account_set_active(
                actor=request.user, member=member, active=data["action"] == "activate", reason=data.get("reason", "")
            )
        user = get_user_model().objects.get(member=member)
        answer = {
            "username": user.username,
            "is_active": user.is_active,
            "last_login": user.last_login,
            "grants": selectors.grant_list(user=request.user).filter(user=user).order_by("organization__path", "role"),
        }
        if password:
            answer["password"] = password
        return Response(AccountSerializer(answer).data)

    @staticmethod
    def _grant_or_revoke(request, member, data):
        """Give the member's account a role, or end one of its roles, through the grant services (policy, audit)."""
        user = get_user_model().objects.filter(member=member).first()
        if user is None:
            raise ValidationError(_("This member has no account yet."))
        if data["action"] == "grant":
            if not data.get("role") or not data.get("organization"):
                raise ValidationError(_("Give the role and the code of the organization it covers."))
            granting = selectors.organization_list(user=request.user, action=Action.MANAGE_GRANTS)
            org = granting.filter(code=data["organization"].strip()).first()
            if org is None:
                raise ValidationError({"organization": _("No organization with this code where you may do this.")})
            services.grant_create(actor=request.user, user=user, organization=org, role=data["role"])
            return
        grant = selectors.grant_list(user=request.user).filter(user=user, pk=data.get("grant") or 0).first()
        if grant is None:
            raise ValidationError({"grant": _("This account holds no such role that you can see.")})
        services.grant_revoke(actor=request.user, grant=grant)

    @extend_schema(request=MemberLeaveSerializer, responses=MemberSerializer)
    @action(detail=True, methods=["post"])
    def leave(self, request, pk=None):
        """Record that the member left (`transferred_out` of the system, `deceased`, `removed`) on `left_on` (today
        unless given), or, with `active`, that they are active again. One who leaves loses their account and its roles
        in the same change (audited)."""
        member = self.get_object()
        payload = MemberLeaveSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        member = services.member_update(actor=request.user, member=member, **payload.validated_data)
        return Response(self.get_serializer(member).data)

    @extend_schema(request=None, responses={201: None})
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        member = self.get_object()
        payload = TransferRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        transfer = services.transfer_request(actor=request.user, member=member, **payload.validated_data)
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class PostSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())

    class Meta:
        model = Post
        fields = ["id", "member", "organization", "title", "started_on", "ended_on"]
        read_only_fields = ["id", "ended_on"]


class PostEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()


class PostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = PostSerializer
    filterset_class = PostFilter

    def get_queryset(self):
        return selectors.post_list(user=self.request.user, current_only=False)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        member = get_object_or_404(selectors.member_list(user=self.request.user), pk=data.pop("member").pk)
        serializer.instance = services.post_create(actor=self.request.user, member=member, **data)

    @extend_schema(request=PostEndSerializer, responses=PostSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        post = self.get_object()
        payload = PostEndSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        post = services.post_end(actor=request.user, post=post, ended_on=payload.validated_data["ended_on"])
        return Response(PostSerializer(post).data)


class TransferSerializer(serializers.ModelSerializer):
    from_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    to_organization = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Transfer
        fields = [
            "id",
            "member",
            "from_organization",
            "to_organization",
            "state",
            "reason",
            "decision_note",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class TransferRequestSerializer(serializers.Serializer):
    to_organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TransferDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class TransferViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TransferSerializer
    filterset_fields = ["state", "member"]

    def get_queryset(self):
        return selectors.transfer_list(user=self.request.user)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        transfer = services.transfer_accept(actor=request.user, transfer=self.get_object())
        return Response(TransferSerializer(transfer).data)

    @extend_schema(request=TransferDecisionSerializer, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        payload = TransferDecisionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        transfer = services.transfer_reject(
            actor=request.user, transfer=self.get_object(), note=payload.validated_data.get("note", "")
        )
        return Response(TransferSerializer(transfer).data)

    @extend_schema(request=None, responses=TransferSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        transfer = services.transfer_cancel(actor=request.user, transfer=self.get_object())
        return Response(TransferSerializer(transfer).data)


class GrantSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all())
    user = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())

    class Meta:
        model = Grant
        fields = ["id", "user", "organization", "role"]


class GrantViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = GrantSerializer
    filterset_class = GrantFilter

    def get_queryset(self):
        return selectors.grant_list(user=self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.grant_create(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.grant_revoke(actor=self.request.user, grant=instance)
