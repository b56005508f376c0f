"""The dashboard's figures as JSON: GET /api/dashboards/<organization code>/?period=2026."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import PermissionDenied as Forbidden
from rest_framework.exceptions import ValidationError as BadRequest
from rest_framework.response import Response

from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization

from . import figures as figure_module


class DashboardSerializer(serializers.Serializer):
    """The figures of a dashboard (counts unless named otherwise; shares in percent)."""

    organization = serializers.DictField(help_text="pk, code and path of the organization")
    period = serializers.CharField(help_text="the period's code, e.g. 2026")
    today = serializers.CharField(help_text="the day the lights were counted as of (ISO date)")
    duties = serializers.DictField(
        help_text="total, by_light {done, green, yellow, red}, by_dimension {area: {light: count}}, completion"
    )
    children = serializers.ListField(
        child=serializers.DictField(),
        help_text="each child: pk, code, name, name_en, kind, total, completion, by_light",
    )
    meetings = serializers.DictField(help_text="held, required, by_kind [{kind, held, required}]")
    study = serializers.DictField(help_text="members, hours, per_member, required, share")
    care = serializers.DictField(help_text="cases, visited, coverage")
    cases = serializers.DictField(required=False, help_text="by_state, open, total (for those who may read cases)")
    rectifications = serializers.DictField(help_text="by_light, total")
    assessment = serializers.DictField(
        help_text="run {pk, period, state, final, provisional}, by_grade, total, average"
    )
    trends = serializers.DictField(help_text="months, meetings, study_hours, accepted (a value a month), periods")


class DashboardViewSet(viewsets.ViewSet):
    """The figures of an organization's dashboard for a period (this year unless `period` is given): duties by light
    and area of construction, the children's roll-up, meetings held and required, study hours against the plan,
    care coverage, cases (for those who may read them) and rectifications, the assessment's grades, and trends.
    Open to those with a role over the organization."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"
    serializer_class = DashboardSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, description="a period's code (2026, 2026-Q3); this year if left out")
        ],
        responses=DashboardSerializer,
    )
    def retrieve(self, request, code=None):
        try:
            organization = org_selectors.organization_list(user=request.user).get(code=code)
        except Organization.DoesNotExist:
            raise NotFound(_("No organization with this code in your scope."))
        if not figure_module.may_view(request.user, organization):
            raise Forbidden(_("A dashboard counts a whole subtree; it is open to those with a role over it."))
        code = (request.query_params.get("period") or "").strip()
        try:
            period = period_for(code) if code else None
        except ValidationError as error:
            raise BadRequest({"period": error.messages})
        if period is None:
            from django.utils import timezone

            period = period_for(str(timezone.localdate().year))
        data = dict(figure_module.figures(organization=organization, period=period))
        if not figure_module.may_view_cases(request.user, organization):
            data.pop("cases")
        return Response(data)
