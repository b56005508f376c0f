"""Pages of the diagnosis: an organization's findings for a period, grouped by the four problems (and formalism),
each with its evidence and the actions that answer it; a committee's subtree, findings ranked by how many
organizations share them, drilled down to those organizations; the thresholds a committee sets."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.periods import period_for
from grassroots.core.policy import can
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.duties.models import Dimension, DutyList

from . import selectors, services
from .checks import CHECKS, PROBLEMS
from .engine import is_diagnosed
from .forms import ThresholdForm
from .keeping import start_keeping
from .measures.base import number, percent
from .stats import FEWEST

DRILL_SHOWN = 200  # organizations listed under one finding (the rest counted)


def _organization(request, code):
    org = selectors.diagnosis_organization(user=request.user, code=code)
    if org is None:
        raise Http404
    return org


def _period(request):
    """The period asked for (?period=2026, 2026-Q3...), else this year; a wrong one is said and replaced."""
    code = (request.GET.get("period") or "").strip()[:16]
    if code:
        try:
            return period_for(code)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    return period_for(str(timezone.localdate().year))


def _figure(value, unit: str) -> str:
    if value is None:
        return ""
    if unit == "share":
        return percent(value)
    if unit == "index":
        return _("%(points)s points") % {"points": number(value * 100)}
    return number(value)


def _shown(request, org, finding) -> dict:
    """A finding as the page shows it: figures written out, actions the reader may take."""
    check = CHECKS.get(finding.code)
    actions = [a for a in finding.actions if not a.permission or can(request.user, a.permission, org)]
    return {
        "finding": finding,
        "label": check.label if check else finding.code,
        "rule": check.rule if check else "",
        "measured": _figure(finding.measured, finding.unit),
        "threshold": _figure(finding.threshold, finding.unit),
        "actions": actions,
    }


@login_required
def home(request):
    """Where the diagnosis starts: the organization of the user's grant (or a choice of them)."""
    roots = selectors.roots(user=request.user)
    if len(roots) == 1:
        return redirect("insights:diagnosis", code=roots[0].code)
    return render(request, "insights/diagnosis/home.html", {"roots": roots})


@login_required
def diagnosis(request, code):
    org = _organization(request, code)
    period = _period(request)
    own = is_diagnosed(org)
    groups = []
    if own:
        findings = selectors.findings_of(user=request.user, organization=org, period=period)
        for problem, label in PROBLEMS.items():
            shown = [_shown(request, org, f) for f in findings if f.problem == problem]
            groups.append({"problem": problem, "label": label, "findings": shown})
    summary = None
    if org.numchild:
        summary = selectors.subtree_summary(user=request.user, organization=org, period=period)
    context = {
        "org": org,
        "period": period,
        "own": own,
        "groups": groups,
        "clean": own and not any(g["findings"] for g in groups),
        "summary": summary,
        "fewest": FEWEST,
        "may_set": allowed(services.threshold_set_check, actor=request.user, organization=org),
        "may_keep": summary is not None
        and summary.computed_at is not None
        and allowed(services.diagnosis_keep_check, actor=request.user, organization=org),
        "above": list(
            selectors.diagnosis_organizations(user=request.user)
            .filter(path__in=[org.path[:i] for i in range(org.steplen, len(org.path), org.steplen)])
            .order_by("path")
        ),
    }
    return render(request, "insights/diagnosis/organization.html", context)


@login_required
def drill(request, code, check):
    """The organizations of a subtree sharing one finding, with what was found in each."""
    org = _organization(request, code)
    if check not in CHECKS:
        raise Http404
    period = _period(request)
    ids = selectors.organizations_with(user=request.user, organization=org, period=period, code=check)
    orgs = list(
        selectors.diagnosis_organizations(user=request.user)
        .filter(pk__in=ids[:DRILL_SHOWN])
        .order_by("path")
        .only("pk", "code", "name", "name_en", "path", "kind")
    )
    context = {
        "org": org,
        "period": period,
        "check": CHECKS[check],
        "count": len(ids),
        "orgs": orgs,
        "more": max(len(ids) - DRILL_SHOWN, 0),
    }
    return render(request, "insights/diagnosis/drill.html", context)


@login_required
def thresholds(request, code, form=None):
    org = _organization(request, code)
    context = {
        "org": org,
        "rows": selectors.thresholds_in_force(organization=org),
        "may_set": allowed(services.threshold_set_check, actor=request.user, organization=org),
        "form": form or ThresholdForm(checks=selectors.check_choices()),
    }
    return render(request, "insights/diagnosis/thresholds.html", context, status=400 if form is not None else 200)


@login_required
@require_POST
def threshold_step(request, code):
    """Set a threshold for the committee's subtree, or remove one (`delete`: the check whose threshold goes)."""
    org = _organization(request, code)
    if "delete" in request.POST:
        found = (
            selectors.threshold_list(user=request.user)
            .filter(organization=org, code=str(request.POST["delete"])[:60])
            .first()
        )
        if (
            found is not None
            and run_service(request, services.threshold_delete, actor=request.user, threshold=found) is not REFUSED
        ):
            _keep_again(request, org)
        return redirect("insights:thresholds", code=org.code)
    form = ThresholdForm(request.POST, checks=selectors.check_choices())
    if form.is_valid():
        done = run_service(
            request, services.threshold_set, form=form, actor=request.user, organization=org, **form.cleaned_data
        )
        if done is not REFUSED:
            messages.success(request, _("Threshold set: it holds for this organization and every one below it."))
            _keep_again(request, org)
            return redirect("insights:thresholds", code=org.code)
    return thresholds(request, code, form=form)


def _keep_again(request, org):
    """After a threshold changed: the summaries computed ahead that it changes are computed again, in a job."""
    job = start_keeping(actor=request.user, organization=org)
    if job is not None:
        messages.info(
            request,
            format_html(
                '{} <a href="{}">{}</a>',
                _("The summaries of the large subtrees this threshold changes are being computed again."),
                reverse("job", args=[job.pk]),
                _("Follow it"),
            ),
        )


@login_required
@require_POST
def keep(request, code):
    """Compute again now the summary of the subtree computed ahead (a threshold changed since, or the data did)."""
    org = _organization(request, code)
    period = _period(request)
    if not allowed(services.diagnosis_keep_check, actor=request.user, organization=org):
        raise Http404
    if selectors.kept_summary(organization=org, period=period) is None:
        messages.error(request, _("This subtree's summary is computed on request: there is nothing to compute ahead."))
        return redirect(reverse("insights:diagnosis", args=[org.code]) + f"?period={period.code}")
    job = start_keeping(actor=request.user, organization=org, periods=[period])
    return redirect("job", pk=job.pk)


# The fields of the duty form a finding's action may fill (the duty form reads them as its initial values).
DUTY_PREFILL = ("title", "description", "requirement", "dimension", "claimable", "objective", "is_key")


@login_required
def new_duty(request, pk):
    """ "Issue a duty" from a finding: the new-duty form of the organization's list for the period, prefilled."""
    org = selectors.changeable_organization(user=request.user, pk=pk)
    if org is None:
        raise Http404
    period = _period(request)
    the_list = DutyList.objects.filter(organization=org, period=period, is_template=False).first()
    if the_list is None:
        messages.info(
            request,
            _("%(org)s has no duty list for %(period)s yet: make it first, then add the duty.")
            % {"org": org.display_name(), "period": period.code},
        )
        return redirect("duties:org_lists", pk=org.pk)
    params = {k: request.GET[k][:1000] for k in DUTY_PREFILL if request.GET.get(k)}
    if params.get("dimension") not in Dimension.values:
        params.pop("dimension", None)
    query = f"?{urlencode(params)}" if params else ""
    return redirect(reverse("duties:duty_new", args=[the_list.pk]) + query)
