"""The reports page: what the reader may download for their scope, and the downloads themselves (each one through a
service that checks the policy and audits the export)."""

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404, render

from grassroots.assessment.selectors import run_list
from grassroots.core.policy import Action
from grassroots.core.web import REFUSED, parse_id, run_service
from grassroots.organizations.models import Organization
from grassroots.organizations.selectors import organization_list

from . import selectors, services
from .forms import LedgerForm, ReportForm, this_year


def _organization(request, pk):
    return get_object_or_404(organization_list(user=request.user, action=Action.EXPORT), pk=pk)


def _page(request, organization=None, report_form=None, ledger_form=None, status=200):
    user = request.user
    roots = selectors.exportable_roots(user=user)
    if organization is None:
        pk = parse_id(request.GET.get("organization"))
        if pk is not None:
            organization = _organization(request, pk)
        elif roots:
            organization = roots[0]
    context = {"roots": roots, "organization": organization}
    if organization is not None:
        year = this_year()
        context.update(
            {
                "ancestors": [
                    a for a in Organization.objects.get_ancestors(organization) if selectors.may_export(user, a)
                ],
                "children": selectors.exportable_children(user=user, organization=organization),
                "runs": list(selectors.exportable_runs(user=user, organization=organization)[:12]),
                "report_form": report_form or ReportForm(initial={"period": str(year), "format": "pdf"}),
                "ledger_form": ledger_form or LedgerForm(initial={"year": year, "subtree": "0"}),
                "personal": selectors.may_read_personal(user, organization),
            }
        )
    return render(request, "reports/index.html", context, status=status)


@login_required
def index(request):
    return _page(request)


def _download(target, name: str) -> FileResponse:
    target.seek(0)
    return FileResponse(target, as_attachment=True, filename=name)


@login_required
def report_download(request, pk):
    """The organization's period report (a committee's summary) as PDF or .xlsx."""
    organization = _organization(request, pk)
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _page(request, organization, report_form=form, status=400)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    name = run_service(
        request,
        services.report_export,
        form=form,
        actor=request.user,
        organization=organization,
        period=form.cleaned_data["period"],
        fmt=form.cleaned_data["format"],
        target=target,
    )
    if name is REFUSED:
        target.close()
        return _page(request, organization, report_form=form, status=400)
    return _download(target, name)


@login_required
def ledger_download(request, pk):
    """The ledgers of the organization (or its subtree) for a year, as .xlsx."""
    organization = _organization(request, pk)
    form = LedgerForm(request.GET)
    if not form.is_valid():
        return _page(request, organization, ledger_form=form, status=400)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    done = run_service(
        request,
        services.ledger_export,
        form=form,
        actor=request.user,
        organization=organization,
        year=form.cleaned_data["year"],
        subtree=form.cleaned_data["subtree"],
        target=target,
    )
    if done is REFUSED:
        target.close()
        return _page(request, organization, ledger_form=form, status=400)
    return _download(target, done[1])


@login_required
def results_download(request, pk):
    """An assessment run's results as .xlsx, one sheet per level."""
    run = get_object_or_404(run_list(user=request.user), pk=pk)
    target = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
    done = run_service(request, services.results_export, actor=request.user, run=run, target=target)
    if done is REFUSED:
        target.close()
        return _page(request, run.scope if selectors.may_export(request.user, run.scope) else None, status=403)
    return _download(target, done[1])
