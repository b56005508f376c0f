"""REST API of the top floor: data completeness, the same gaps as its page."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.pagination import PageNumberPagination

from grassroots.core.api import ScopedCode
from grassroots.core.policy import PermissionDenied

from . import completeness


class GapQuery(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[kind.code for kind in completeness.KINDS],
        required=False,
        allow_blank=True,
        help_text="One kind of gap; every kind when left out.",
    )
    under = ScopedCode(required=False, hidden_is_404=True, help_text="Code of an organization: its subtree only.")


class GapSerializer(serializers.Serializer):
    organization = serializers.CharField(source="organization.code")
    organization_name = serializers.CharField(source="organization.name")
    kind = serializers.CharField(source="kind.code")
    count = serializers.IntegerField(help_text="Members or duties concerned; 1 for a missing post or meeting.")
    text = serializers.CharField(help_text="What is missing, in the reader's language.")
    fix_url = serializers.CharField(help_text="The page that fixes it.")


class CompletenessViewSet(viewsets.ViewSet):
    """What each organization's records lack: no secretary, no committee where one is required, no members,
    members without a join date, no meeting recorded this quarter, duties without a responsible person."""

    pagination_class = PageNumberPagination

    @extend_schema(parameters=[GapQuery], responses=GapSerializer(many=True))
    def list(self, request):
        if not completeness.may_read(request.user):
            raise PermissionDenied()
        query = GapQuery(data=request.query_params, context={"request": request})
        query.is_valid(raise_exception=True)
        data = query.validated_data
        gaps = completeness.gaps(user=request.user, kind=data.get("kind") or "", under=data.get("under"))
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(gaps, request, view=self)
        return paginator.get_paginated_response(GapSerializer(page, many=True).data)
