"""Evidence files as stored, served as inert content: no script, no plugin, nothing fetched, in a sandbox."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from grassroots.core.uploads import serve_file, serve_thumbnail

from .. import selectors
from ..models import Evidence


def _evidence(request, pk) -> Evidence:
    return get_object_or_404(selectors.evidence_list(user=request.user), pk=pk)


@login_required
@xframe_options_sameorigin
def evidence_file(request, pk):
    """An evidence file as stored: photos and PDF shown inline (PDF in a frame of our own page), office files saved."""
    return serve_file(_evidence(request, pk))


@login_required
def evidence_thumb(request, pk):
    return serve_thumbnail(_evidence(request, pk))
