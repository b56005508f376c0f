"""Progress reports with evidence, and their review by the issuing organization."""

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from grassroots.core.api import (
    MAX_ID,
    OrganizationFilter,
    id_filter,
)
from grassroots.core.uploads import serve_file, serve_thumbnail
from grassroots.core.web import address_of
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..forms import ReviewFilterForm
from ..models import (
    Evidence,
    ProgressReport,
)

# ---------------------------------------------------------------- fields


class EvidenceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="Download address of the file (token or session).")
    thumbnail_url = serializers.SerializerMethodField(help_text="A small JPEG of a photo; null for other files.")

    class Meta:
        model = Evidence
        fields = [
            "id",
            "report",
            "original_name",
            "kind",
            "content_type",
            "size",
            "sha256",
            "description",
            "url",
            "thumbnail_url",
            "created_at",
        ]
        read_only_fields = fields

    def _address(self, name, obj) -> str:
        """The file's address, reversed once per answer (a page of reports names a hundred files)."""
        addresses = self.context.setdefault("_evidence_addresses", {})
        if name not in addresses:
            addresses[name] = address_of(name, self.context.get("request"))
        return addresses[name](obj.pk)

    def get_url(self, obj) -> str:
        return self._address("evidence-file", obj)

    @extend_schema_field(OpenApiTypes.STR)
    def get_thumbnail_url(self, obj) -> str | None:
        return self._address("evidence-thumbnail", obj) if obj.thumbnail else None


class EvidenceDescribeSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=1000, help_text="What the photo shows (at most 200 characters).")


class ProgressReportSerializer(serializers.ModelSerializer):
    duty = serializers.IntegerField(source="assignment.duty_id", read_only=True)
    duty_title = serializers.CharField(source="assignment.duty.title", read_only=True)
    organization = serializers.SlugRelatedField(source="assignment.organization", slug_field="code", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    reviewer = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "assignment",
            "duty",
            "duty_title",
            "organization",
            "author",
            "text",
            "percent",
            "state",
            "reviewer",
            "reviewed_at",
            "return_reason",
            "evidence",
            "created_at",
        ]
        read_only_fields = fields


# What ProgressReportSerializer reads of a report and the rows it names: a page of the review queue loads no more
# (the queue's users and organizations have many columns the answer never shows).
LISTED_FIELDS = (
    *("id", "assignment_id", "author_id", "text", "percent", "state", "reviewer_id", "reviewed_at"),
    *("return_reason", "created_at", "assignment__duty_id", "assignment__organization_id"),
    *("assignment__duty__title", "assignment__organization__code", "author__username", "reviewer__username"),
    "assignment__duty__organization__id",  # the queue joins it; nothing of it is shown
)


def with_report_relations(qs):
    return qs.select_related("assignment__duty", "assignment__organization", "author", "reviewer").prefetch_related(
        "evidence"
    )


def fetch_report(pk) -> ProgressReport:
    return with_report_relations(ProgressReport.objects.filter(pk=pk)).get()


TAKE_OVER_HELP = (
    "Review in the issuer's place. The issuing organization reviews its reports; an organization above must say "
    "take_over=true to accept or return one issued by an organization below that has managers of its own. Such a "
    "review is audited as taken over and the issuer's managers are notified."
)


class AcceptSerializer(serializers.Serializer):
    take_over = serializers.BooleanField(required=False, default=False, help_text=TAKE_OVER_HELP)


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="What to fix.")
    take_over = serializers.BooleanField(required=False, default=False, help_text=TAKE_OVER_HELP)


class ReviewManySerializer(serializers.Serializer):
    reports = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )
    decision = serializers.ChoiceField(choices=["accept", "return"])
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Needed to return.")
    take_over = serializers.BooleanField(required=False, default=False, help_text=TAKE_OVER_HELP)

    def validate(self, attrs):
        if attrs["decision"] == "return" and not attrs.get("reason", "").strip():
            raise serializers.ValidationError({"reason": [_("Say why the report is returned, so it can be fixed.")]})
        return attrs


class ReviewManyResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    done = serializers.BooleanField()
    refusal = serializers.CharField(help_text="Why this report was not reviewed (empty when done).")


class ReportFilter(filters.FilterSet):
    assignment = id_filter("assignment_id")
    organization = OrganizationFilter("assignment__organization", help_text="Code of the receiving organization.")

    class Meta:
        model = ProgressReport
        fields = ["state", "assignment", "organization"]


class ProgressReportViewSet(viewsets.ReadOnlyModelViewSet):
    """Reports of what was done, with evidence; the issuing organization accepts or returns them."""

    serializer_class = ProgressReportSerializer
    filterset_class = ReportFilter

    def get_queryset(self):
        return with_report_relations(selectors.report_list(user=self.request.user)).order_by("-created_at", "-id")

    def _answer(self, report):
        return Response(ProgressReportSerializer(fetch_report(report.pk), context={"request": self.request}).data)

    @extend_schema(
        request=None,
        responses=ProgressReportSerializer(many=True),
        parameters=[
            OpenApiParameter(
                "others",
                OpenApiTypes.BOOL,
                description="1: instead of one's own queue, the reports issued by organizations below with managers "
                "of their own, which the caller may only review by taking the review over (take_over).",
            ),
            OpenApiParameter("duty", OpenApiTypes.INT, description="Id of a duty (a repeating duty: all its months)."),
            OpenApiParameter(
                "under", OpenApiTypes.STR, description="Code of an organization: reports from it and every one below."
            ),
            OpenApiParameter(
                "light", OpenApiTypes.STR, description="red (overdue), yellow (due soon) or green (on track)."
            ),
        ],
    )
    @action(detail=False, methods=["get"])
    def to_review(self, request):
        """Submitted reports waiting for the caller: issued by an organization they manage themselves (or one below
        without managers of its own), not their own; narrowed by `duty`, `under` and `light`; the list's filters
        apply. `?others=1` lists those they may take over instead."""
        params = request.query_params
        others = params.get("others", "") in ("1", "true", "True", "yes")
        queue = selectors.review_queue(user=request.user, others=others).select_related("reviewer").only(*LISTED_FIELDS)
        if any(params.get(name, "").strip() for name in ("duty", "light", "under")):
            # Narrowed: the filters are checked against what the queue offers (its duties, its areas).
            form = ReviewFilterForm(
                {
                    "duty": params.get("duty", ""),
                    "light": params.get("light", ""),
                    "under": str(under.pk) if (under := self._under(params.get("under", ""))) else "",
                },
                **selectors.review_queue_choices(queue),
            )
            if not form.is_valid():
                raise serializers.ValidationError(form.errors)
            data = form.cleaned_data
            queue = selectors.review_queue_narrowed(queue, duty=data["duty"], under=under, light=data["light"])
        page = self.paginate_queryset(self.filter_queryset(queue))
        return self.get_paginated_response(ProgressReportSerializer(page, many=True, context={"request": request}).data)

    def _under(self, code: str):
        code = code.strip()
        if not code:
            return None
        found = org_selectors.organization_list(user=self.request.user).filter(code=code).first()
        if found is None:
            raise serializers.ValidationError(
                {"under": [_("No organization you may see has the code %(code)s.") % {"code": code}]}
            )
        return found

    @extend_schema(request=ReviewManySerializer, responses=ReviewManyResultSerializer(many=True))
    @action(detail=False, methods=["post"], pagination_class=None)  # one answer per report sent, not a page
    def review_many(self, request):
        """Accept several reports of the caller's queue at once, or return them with one reason: each is reviewed
        through the same service as one alone, in its own transaction, and audited on its own; the answer says
        per report whether it was done or why not. Ids of reports the caller may not see are answered as not found."""
        payload = ReviewManySerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        found = {r.pk: r for r in selectors.report_list(user=request.user).filter(pk__in=data["reports"])}
        outcome = {}
        if found:
            reviewed = services.reports_review(
                actor=request.user,
                reports=list(found.values()),
                decision=data["decision"],
                reason=data.get("reason", ""),
                take_over=data["take_over"],
            )
            outcome = {report.pk: refusal for report, refusal in reviewed}
        answer = [
            {"id": pk, "done": pk in outcome and not outcome[pk], "refusal": outcome.get(pk, _("Not found."))}
            for pk in data["reports"]
        ]
        return Response(answer)

    @extend_schema(request=AcceptSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept the report: the assignment is done. An organization above the issuer says take_over=true."""
        report = self.get_object()
        payload = AcceptSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        take_over = payload.validated_data["take_over"]
        return self._answer(services.report_accept(actor=request.user, report=report, take_over=take_over))

    @extend_schema(request=ReturnSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Send the report back with the reason; the receiver reports again. Above the issuer: take_over=true."""
        report = self.get_object()
        payload = ReturnSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        return self._answer(
            services.report_return(
                actor=request.user, report=report, reason=data["reason"], take_over=data["take_over"]
            )
        )

    @extend_schema(request=None, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._answer(services.report_withdraw(actor=request.user, report=self.get_object()))


# ---------------------------------------------------------------- evidence files


class AnyRenderer(BaseRenderer):
    """Lets a download be asked for with any Accept header; the file itself is not rendered (a FileResponse)."""

    media_type = "*/*"
    format = "file"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data) if not isinstance(data, bytes) else data


class EvidenceFilter(filters.FilterSet):
    report = id_filter("report_id")

    class Meta:
        model = Evidence
        fields = ["report", "kind"]


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence files of the reports the caller may see; `file` and `thumbnail` download them.

    Downloads check the same policy as the pages, with a token or a session alike, and serve the file with its
    checked type, never sniffed and never as active content: photos and PDF inline, other files as attachments.
    """

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter

    def get_queryset(self):
        return selectors.evidence_list(user=self.request.user).order_by("id")

    @extend_schema(request=None, responses={(200, "*/*"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyRenderer])
    def file(self, request, pk=None):
        """The file as stored."""
        return serve_file(self.get_object())

    @extend_schema(request=None, responses={(200, "image/jpeg"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer, AnyRenderer])
    def thumbnail(self, request, pk=None):
        """A small JPEG of a photo, 480 px (404 for files without one); `?size=small`: the 192-px square the
        lists show."""
        return serve_thumbnail(self.get_object(), request.query_params.get("size"))

    @extend_schema(request=EvidenceDescribeSerializer, responses=EvidenceSerializer)
    @action(detail=True, methods=["post"])
    def describe(self, request, pk=None):
        """Say what a photo shows (its text alternative on the pages); by those who may report on its assignment."""
        payload = EvidenceDescribeSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        evidence = services.evidence_describe(
            actor=request.user, evidence=self.get_object(), description=payload.validated_data["description"]
        )
        return Response(EvidenceSerializer(evidence, context=self.get_serializer_context()).data)
