"""The dashboard pages: a scope's dashboard, its panels as fragments for the data screen, and the lists behind."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from grassroots.core.errors import ValidationError
from grassroots.core.periods import period_for
from grassroots.core.policy import PermissionDenied
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization, ancestor_paths

from . import figures as figure_module
from .lists import LISTS, SUMMED, ListFilterForm
from .panels import panels

PER_PAGE = 50


def scope_of(request, pk) -> Organization:
    """The organization of a dashboard, if the user may open it (404 when it is out of sight, 403 when it is seen
    only as a member)."""
    try:
        organization = org_selectors.organization_get(user=request.user, pk=pk)
    except Organization.DoesNotExist:
        raise Http404()
    if not figure_module.may_view(request.user, organization):
        raise PermissionDenied(_("A dashboard counts a whole subtree; it is open to those with a role over it."))
    return organization


def period_of(request):
    """The period asked for (?period=2026), else this year; a code that is no period says so and shows this year."""
    code = (request.GET.get("period") or "").strip()
    this_year = str(timezone.localdate().year)
    if code:
        try:
            return period_for(code), ""
        except ValidationError as error:
            return period_for(this_year), " ".join(error.messages)
    return period_for(this_year), ""


def _context(request, organization):
    period, period_error = period_of(request)
    data = figure_module.figures(organization=organization, period=period)
    show_cases = figure_module.may_view_cases(request.user, organization)
    above = ancestor_paths(organization.path)[:-1]
    ancestors = [
        org
        for org in org_selectors.organization_list(user=request.user).filter(path__in=above).order_by("path")
        if figure_module.may_view(request.user, org)
    ]
    return {
        "organization": organization,
        "period": period,
        "period_error": period_error,
        "figures": data,
        "panels": panels(data, show_cases=show_cases),
        "ancestors": ancestors,
        "screen_seconds": settings.GRASSROOTS_SCREEN_SECONDS,
        "years": [str(timezone.localdate().year - i) for i in range(figure_module.TREND_YEARS)],
    }


@login_required
def index(request):
    """The dashboard of the highest organization the user holds a role over."""
    for root in org_selectors.visible_roots(user=request.user):
        if figure_module.may_view(request.user, root):
            return redirect("dashboards:dashboard", pk=root.pk)
    raise PermissionDenied(_("A dashboard counts a whole subtree; it is open to those with a role over it."))


@login_required
def dashboard(request, pk):
    organization = scope_of(request, pk)
    return render(request, "dashboards/dashboard.html", _context(request, organization))


@login_required
def screen(request, pk):
    """The data screen: the same panels, large and dark, asked for again every GRASSROOTS_SCREEN_SECONDS."""
    organization = scope_of(request, pk)
    return render(request, "dashboards/screen.html", _context(request, organization))


@login_required
def screen_panels(request, pk):
    """The data screen's panels alone (what htmx swaps in while the page stays)."""
    organization = scope_of(request, pk)
    return render(request, "dashboards/_screen_panels.html", _context(request, organization))


@login_required
def figure_list(request, pk, kind):
    """The list behind a figure: the rows the figure counted, through the apps' selectors."""
    if kind not in LISTS:
        raise Http404()
    organization = scope_of(request, pk)
    period, period_error = period_of(request)
    title, rows_of, columns = LISTS[kind]
    form = ListFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        rows = []
    else:
        rows = rows_of(request.user, organization, period, form.cleaned_data if form.is_bound else {})
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    summed = SUMMED.get(kind)
    total = rows.aggregate(total=Sum(summed))["total"] if summed and rows else None
    query = request.GET.copy()
    query.pop("page", None)
    columns = columns()
    table = [[(col.value(row), col.link(row) if col.link else "") for col in columns] for row in page]
    context = {
        "organization": organization,
        "period": period,
        "period_error": period_error,
        "title": title,
        "form": form,
        "filters": form.described(),
        "page": page,
        "headers": [col.header for col in columns],
        "summed": summed,
        "total": total or 0,
        "table": table,
        "query": query.urlencode(),
    }
    return render(request, "dashboards/list.html", context)
