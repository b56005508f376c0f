"""REST API of disclosure: the committees' rules, what each organization publishes (publish, withdraw, minutes
released), and notices (post, read, withdraw, read receipts per branch). Thin over the selectors and services.

Organizations are named by their codes. A row the caller may not read answers 404; a service refusing answers 403;
bad input 400 with messages by field.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from grassroots.core.api import ScopedCode
from grassroots.core.errors import PermissionDenied

from . import selectors, services
from .models import DisclosureRule, Item, Level, Notice


class OrganizationCode(ScopedCode):
    """An organization by its code, among those the caller sees; any other code is bad input, said so."""

    default_error_messages = {
        "does_not_exist": gettext_lazy("There is no organization with the code {value} among those you can see.")
    }


# ---------------------------------------------------------------- rules


class DisclosureRuleSerializer(serializers.ModelSerializer):
    organization = OrganizationCode(help_text="Code of the committee whose subtree the rule holds for.")
    item = serializers.ChoiceField(choices=Item.choices)
    level = serializers.ChoiceField(choices=Level.choices, help_text="must, may or never (not public).")

    class Meta:
        model = DisclosureRule
        fields = ["id", "organization", "item", "level", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        validators = []  # setting a rule again changes it (the service), rather than being refused as a duplicate


class DisclosureRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The rules of disclosure set in the caller's scope. POST sets one (again: changes it); DELETE removes it, the
    rule above (or the default) applying again. Set by the officers of the committee."""

    serializer_class = DisclosureRuleSerializer
    queryset = DisclosureRule.objects.none()

    def get_queryset(self):
        return selectors.disclosure_rules(user=self.request.user).order_by("organization__path", "item")

    def perform_create(self, serializer):
        serializer.instance = services.disclosure_rule_set(actor=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance):
        services.disclosure_rule_delete(actor=self.request.user, rule=instance)


# ---------------------------------------------------------------- what an organization publishes


class StandingSerializer(serializers.Serializer):
    item = serializers.CharField()
    label = serializers.CharField()
    level = serializers.CharField(help_text="The rule in force: must, may or never.")
    set_at = serializers.SerializerMethodField(
        help_text="Code of the organization whose rule is in force; null: the default."
    )
    published = serializers.BooleanField(help_text="The organization chose to publish it (where the rule says may).")
    is_public = serializers.BooleanField(help_text="For minutes and notices: whether any may be public.")
    all_items = serializers.BooleanField(help_text="For minutes and notices: every one is public by rule.")

    def get_set_at(self, standing) -> str | None:
        return standing.set_at.code if standing.set_at else None


class ItemInput(serializers.Serializer):
    item = serializers.ChoiceField(choices=Item.choices)


class MeetingInput(serializers.Serializer):
    meeting = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class DisclosureViewSet(viewsets.GenericViewSet):
    """What an organization's public site shows, item by item, and its choices: publish or withdraw an item the
    rules leave to it, release a meeting's minutes or withdraw them."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = StandingSerializer
    pagination_class = None

    def get_queryset(self):
        return selectors.disclosure_organizations(user=self.request.user)

    def _organization(self):
        return get_object_or_404(self.get_queryset(), code=self.kwargs["code"])

    def _standings(self, organization):
        return Response(StandingSerializer(selectors.disclosure_standings(organization), many=True).data)

    @extend_schema(responses=StandingSerializer(many=True))
    def retrieve(self, request, code=None):
        return self._standings(self._organization())

    def _item_step(self, request, service):
        org = self._organization()
        payload = ItemInput(data=request.data)
        payload.is_valid(raise_exception=True)
        service(actor=request.user, organization=org, item=payload.validated_data["item"])
        return self._standings(org)

    @extend_schema(request=ItemInput, responses=StandingSerializer(many=True))
    @action(detail=True, methods=["post"])
    def publish(self, request, code=None):
        """Publish an item the rules leave to the organization."""
        return self._item_step(request, services.publication_publish)

    @extend_schema(request=ItemInput, responses=StandingSerializer(many=True))
    @action(detail=True, methods=["post"])
    def withdraw(self, request, code=None):
        """Take an item the organization published off its public site."""
        return self._item_step(request, services.publication_withdraw)

    def _minutes_step(self, request, service):
        org = self._organization()
        payload = MeetingInput(data=request.data)
        payload.is_valid(raise_exception=True)
        meeting = selectors.meeting_of(user=request.user, organization=org, pk=payload.validated_data["meeting"])
        if meeting is None:
            raise serializers.ValidationError({"meeting": [gettext_lazy("No such meeting of this organization.")]})
        service(actor=request.user, meeting=meeting)
        return Response({"meeting": meeting.pk, "released": service is services.minutes_release})

    @extend_schema(request=MeetingInput, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="minutes/release")
    def release_minutes(self, request, code=None):
        """Release a held meeting's minutes to the public site."""
        return self._minutes_step(request, services.minutes_release)

    @extend_schema(request=MeetingInput, responses={200: dict})
    @action(detail=True, methods=["post"], url_path="minutes/withdraw")
    def withdraw_minutes(self, request, code=None):
        """Take a meeting's minutes off the public site."""
        return self._minutes_step(request, services.minutes_withdraw)


# ---------------------------------------------------------------- notices


class NoticeSerializer(serializers.ModelSerializer):
    organization = OrganizationCode(help_text="Code of the organization posting it (to its whole subtree).")
    organization_name = serializers.SerializerMethodField(help_text="In the caller's language.")
    title = serializers.CharField(allow_blank=True, max_length=1000)
    body = serializers.CharField(allow_blank=True, max_length=100000)
    read = serializers.SerializerMethodField(help_text="Whether the caller has marked it read.")

    class Meta:
        model = Notice
        fields = [
            "id",
            "organization",
            "organization_name",
            "title",
            "body",
            "public",
            "created_at",
            "withdrawn_at",
            "read",
        ]
        read_only_fields = ["id", "created_at", "withdrawn_at"]

    def get_organization_name(self, notice) -> str:
        return notice.organization.display_name()

    def get_read(self, notice) -> bool:
        return notice.pk in self.context.get("read_ids", ())


class ReceiptSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    members = serializers.IntegerField(help_text="Active members of the organization.")
    accounts = serializers.IntegerField(help_text="Of them, those with an account to read it.")
    read = serializers.IntegerField(help_text="Of them, those who marked it read.")


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Notices: those addressed to the caller (posted at or above their organization or a place of their roles)
    and those posted in a subtree they view. POST posts one; `read/` marks it read; `withdraw/` withdraws it;
    `receipts/` counts per organization of its subtree who read it (for those who post there); `unread/` lists the
    caller's unread notices."""

    serializer_class = NoticeSerializer
    queryset = Notice.objects.none()

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user).order_by("-created_at", "-pk")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        page = getattr(self, "_page_ids", None)
        if page is not None:
            context["read_ids"] = selectors.read_notice_ids(user=self.request.user, notices=page)
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        if page is not None:
            self._page_ids = [n.pk for n in page]
        return page

    def retrieve(self, request, *args, **kwargs):
        notice = self.get_object()
        self._page_ids = [notice.pk]
        return Response(self.get_serializer(notice).data)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.notice_post(
            actor=self.request.user,
            organization=data["organization"],
            title=data["title"],
            body=data["body"],
            public=data.get("public", False),
        )

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        """Mark the notice read (once)."""
        notice = self.get_object()
        services.notice_read(actor=request.user, notice=notice)
        self._page_ids = [notice.pk]
        return Response(self.get_serializer(notice).data)

    @extend_schema(request=None, responses=NoticeSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Withdraw the notice (its record stays)."""
        notice = services.notice_withdraw(actor=request.user, notice=self.get_object())
        return Response(self.get_serializer(notice).data)

    @extend_schema(responses=ReceiptSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def receipts(self, request, pk=None):
        """Per organization of the notice's subtree with members: how many, with an account, read it."""
        notice = self.get_object()
        if not selectors.may_see_receipts(request.user, notice):
            raise PermissionDenied()
        return Response(ReceiptSerializer(selectors.notice_receipts(notice), many=True).data)

    @extend_schema(responses=NoticeSerializer(many=True))
    @action(detail=False, methods=["get"])
    def unread(self, request):
        """The caller's unread notices, newest first."""
        page = self.paginate_queryset(selectors.unread_notices(request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
