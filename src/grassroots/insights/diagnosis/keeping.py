"""Computing the summaries of large subtrees again, as a job with its own page, when a threshold changes them or an
officer asks (the daily timer computes them all: `grassroots diagnosis keep`)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grassroots.core import jobs
from grassroots.core.models import Period

from . import services


def start_keeping(*, actor, organization, periods=None):
    """Start the job computing again the summaries kept around `organization` (for `periods`, else every period
    kept there); None when none is kept there. The caller has checked that the actor sets thresholds there."""
    kept = services.kept_around(organization)
    if periods is not None:
        kept = kept.filter(period__in=periods)
    period_ids = sorted(set(kept.values_list("period", flat=True)))
    if not period_ids:
        return None

    def work(progress):
        rows = []
        for period in Period.objects.filter(pk__in=period_ids).order_by("start", "code"):
            rows += services.diagnosis_keep(actor=actor, period=period, around=organization, progress=progress)
        summary = ngettext(
            "Computed again the summary of %(n)d subtree.", "Computed again the summaries of %(n)d subtrees.", len(rows)
        ) % {"n": len(rows)}
        return {
            "ok": True,
            "summary": summary,
            "next_url": reverse("insights:diagnosis", args=[organization.code]),
            "next_label": str(_("Back to the diagnosis")),
        }

    title = _("Diagnosis computed again around %(org)s") % {"org": organization.display_name()}
    return jobs.job_start(actor=actor, kind="insights.diagnosis.keep", title=title, work=work)
