"""Evidence files as stored, served as inert content: no script, no plugin, nothing fetched, in a sandbox."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from grassroots.core.uploads import serve_file, serve_thumbnail
from grassroots.core.web import REFUSED, run_service

from .. import selectors, services
from ..models import Evidence
from .common import next_url


def _evidence(request, pk) -> Evidence:
    return get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)


@login_required
@xframe_options_sameorigin
def evidence_file(request, pk):
    """An evidence file as stored: photos and PDF shown inline (PDF in a frame of our own page), office files saved."""
    return serve_file(_evidence(request, pk))


@login_required
def evidence_thumb(request, pk):
    """A photo's thumbnail; `?size=small` the square the lists show (96 CSS px, 192 px for a 2x screen)."""
    return serve_thumbnail(_evidence(request, pk), request.GET.get("size"))


@login_required
@require_POST
def evidence_describe(request, pk):
    """Say what a photo of a report shows; back to the page it was described on."""
    evidence = _evidence(request, pk)
    done = run_service(
        request,
        services.evidence_describe,
        actor=request.user,
        evidence=evidence,
        description=request.POST.get("description", "")[:1000],
    )
    if done is not REFUSED:
        messages.success(request, _("The photo's description is saved."))
    default = reverse("duties:assignment", args=[evidence.report.assignment_id])
    return redirect(next_url(request, default) + f"#report-{evidence.report_id}")
