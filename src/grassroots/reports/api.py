"""The API of reports and ledgers: an organization's period report (PDF or .xlsx), its ledgers of a year (.xlsx), and
an assessment run's results with one sheet per level; the same services as the pages, so the same policy and audit.

`GET /api/org-reports/{code}/report/?period=2026&format=pdf|xlsx`,
`GET /api/org-reports/{code}/ledger/?year=2026&subtree=true`,
`GET /api/org-reports/runs/{id}/results/`. A refusal or bad input answers in JSON (400, 403, 404).
"""

import tempfile

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from grassroots.assessment.selectors import run_list
from grassroots.core.api import XLSXRenderer
from grassroots.core.periods import period_for
from grassroots.core.policy import Action
from grassroots.organizations.selectors import organization_list

from . import services


class PDFRenderer(BaseRenderer):
    """Lets a client ask for PDF (?format=pdf); the file itself is written by the view, a refusal as JSON."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


def _file(write) -> FileResponse:
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    try:
        name = write(target)
    except Exception:
        target.close()
        raise
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=name)


def _year(value: str) -> int:
    value = (value or "").strip()
    if not (value.isascii() and value.isdigit() and len(value) == 4):
        raise DRFValidationError({"year": [_("Give the year as four digits, such as 2026.")]})
    return int(value)


class OrganizationReportViewSet(viewsets.ViewSet):
    """Reports and ledgers of an organization named by its code, for a caller who may export its records."""

    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def _organization(self, code):
        return get_object_or_404(organization_list(user=self.request.user, action=Action.EXPORT), code=code)

    def handle_exception(self, exc):
        """A refused export answers in JSON, whatever file it was asked for (a format no renderer knows, too: it is
        refused before any renderer is chosen, and the answer would otherwise take the first, a file's)."""
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is None or getattr(renderer, "format", "") in ("pdf", "xlsx"):
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter("period", str, required=True, description="2026, 2026-H1, 2026-Q3 or 2026-07."),
            OpenApiParameter("format", str, enum=["pdf", "xlsx"], description="pdf (the default) or xlsx."),
        ],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, (200, XLSXRenderer.media_type): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[PDFRenderer, XLSXRenderer, JSONRenderer])
    def report(self, request, code=None):
        """The period report of the organization (a committee's summary over its subtree); audited as an export."""
        organization = self._organization(code)
        period = period_for(request.query_params.get("period") or "")
        fmt = request.accepted_renderer.format if request.accepted_renderer.format in services.FORMATS else "pdf"
        return _file(
            lambda target: services.report_export(
                actor=request.user, organization=organization, period=period, fmt=fmt, target=target
            )
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("subtree", bool, description="The whole subtree (true) or the organization alone."),
        ],
        responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], renderer_classes=[XLSXRenderer, JSONRenderer])
    def ledger(self, request, code=None):
        """The ledgers (台账) of the organization or its subtree for a year, one sheet each; audited as an export."""
        organization = self._organization(code)
        year = _year(request.query_params.get("year"))
        subtree = (request.query_params.get("subtree") or "").lower() in ("1", "true", "yes")
        return _file(
            lambda target: services.ledger_export(
                actor=request.user, organization=organization, year=year, subtree=subtree, target=target
            )[1]
        )

    @extend_schema(responses={(200, XLSXRenderer.media_type): OpenApiTypes.BINARY})
    @action(
        detail=False,
        methods=["get"],
        url_path=r"runs/(?P<run>\d+)/results",
        renderer_classes=[XLSXRenderer, JSONRenderer],
    )
    def results(self, request, run=None):
        """An assessment run's results the caller may export, one sheet per level of the tree; audited."""
        found = get_object_or_404(run_list(user=request.user), pk=run)
        return _file(lambda target: services.results_export(actor=request.user, run=found, target=target)[1])
