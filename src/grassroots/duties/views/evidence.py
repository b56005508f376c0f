"""Evidence files as stored, served as inert content: no script, no plugin, nothing fetched, in a sandbox."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404
from django.views.decorators.clickjacking import xframe_options_sameorigin

from grassroots.core.policy import Action, restrict

from ..evidence import serve_upload
from ..models import (
    Evidence,
    EvidenceKind,
)


def _evidence(request, pk) -> Evidence:
    return get_object_or_404(restrict(request.user, Action.VIEW, Evidence.objects.all()), pk=pk)


@login_required
@xframe_options_sameorigin
def evidence_file(request, pk):
    """An evidence file as stored: photos and PDF shown inline (PDF in a frame of our own page), office files saved."""
    evidence = _evidence(request, pk)
    return serve_upload(
        evidence.file,
        evidence.content_type,
        evidence.original_name,
        attachment=evidence.kind == EvidenceKind.OFFICE,
    )


@login_required
def evidence_thumb(request, pk):
    evidence = _evidence(request, pk)
    stem = evidence.original_name.rsplit(".", 1)[0] or "photo"
    return serve_upload(evidence.thumbnail, "image/jpeg", f"{stem}.thumb.jpg", attachment=False)
