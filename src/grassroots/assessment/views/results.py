"""Pages of the results: the table with its filters and exports, the sensitivity of ranks, one result explained."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import Organization, OrgKind, subtree_q

from .. import exports, selectors
from ..forms import (
    ResultFilterForm,
)
from ..models import (
    Grade,
    Result,
)
from .common import CODES_OFFERED, PER_PAGE, find_run


def _filtered_results(request, run):
    form = ResultFilterForm(request.GET or None)
    qs = selectors.result_list(user=request.user, run=run)
    filters = {}
    within = None
    if form.is_valid():
        data = form.cleaned_data
        if data["org"]:
            within = (
                org_selectors.organization_list(user=request.user)
                .filter(_code_or_name(data["org"]))
                .filter(subtree_q(run.scope.path))
                .order_by("depth")
                .first()
            )
            if within is None:
                form.add_error("org", _("No organization with this code in this assessment."))
        filters = {
            "organization": within,
            "unit_type": data["unit_type"],
            "grade": data["grade"],
            "sort": data["sort"],
            "second_look_limit": _second_look_limit(run) if data["second_look"] else None,
        }
    if form.errors:
        qs = qs.none()
    return form, selectors.filter_results(qs, **filters), within


def _second_look_limit(run) -> int:
    return selectors.second_look_limit(selectors.ranked_count(run))


def _code_or_name(text: str) -> Q:
    text = text.strip()
    return Q(code=text) | Q(name=text) | Q(name_en__iexact=text)


@login_required
def results(request, pk):
    """Results of a run: filter by subtree, kind of unit and grade; sort; ranks, TOPSIS and sensitivity."""
    run = find_run(request, pk)
    form, qs, within = _filtered_results(request, run)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    ranked = selectors.ranked_count(run)
    look = selectors.second_look_limit(ranked)
    for r in page:
        r.second_look = selectors.needs_second_look(r, look)
    query = request.GET.copy()
    query.pop("page", None)
    base = query.copy()
    base.pop("sort", None)
    context = {
        "run": run,
        "form": form,
        "page": page,
        "within": within,
        "query": query.urlencode(),
        "base_query": base.urlencode(),
        "sort": request.GET.get("sort") or "rank",
        "can_export": can_anywhere(request.user, Action.EXPORT),
        "unstable_range": selectors.unstable_range(selectors.level_size(run)),
        "ranked": ranked,
        "second_look_share": round(100 * selectors.SECOND_LOOK_SHARE),
        "grades": Grade,
        # The subtrees to look within, offered as the code is typed: the committees and general branches in view.
        "codes": org_selectors.organization_list(user=request.user)
        .filter(subtree_q(run.scope.path), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH], is_active=True)
        .only("id", "code", "name", "name_en", "path")
        .order_by("path")[:CODES_OFFERED],
    }
    return render(request, "assessment/results.html", context)


@login_required
def results_export(request, pk, fmt):
    """The results as CSV or XLSX: only organizations the user may view and export; the export is audited."""
    run = find_run(request, pk)
    if not can_anywhere(request.user, Action.EXPORT):
        raise PermissionDenied(_("You may not export data."))
    form, qs, within = _filtered_results(request, run)
    qs = selectors.results_to_export(user=request.user, results=qs)
    if fmt == "csv":
        return exports.results_csv(user=request.user, run=run, results=qs)
    if fmt == "xlsx":
        return exports.results_xlsx(user=request.user, run=run, results=qs)
    raise Http404()


@login_required
def sensitivity(request, pk):
    """How far each rank can move when the weights move ±10%; ranks whose range is wide for the size of the level
    (see selectors.unstable_range) are marked as sensitive to the weights."""
    run = find_run(request, pk)
    qs = selectors.result_list(user=request.user, run=run)
    size = selectors.level_size(run)
    limit = selectors.unstable_range(size)
    only_unstable = request.GET.get("unstable") == "1"
    unstable_count = selectors.unstable(qs, limit).count()
    if only_unstable:
        qs = selectors.unstable(qs, limit)
    qs = selectors.filter_results(qs, sort=request.GET.get("sort") or "rank")
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
    scale = Result.objects.filter(run=run).aggregate(n=Max("rank_high"))["n"] or 1
    for r in page:
        if r.rank_low:
            r.track_left = f"{100 * (r.rank_low - 1) / scale:.2f}"
            r.track_width = f"{100 * (r.rank_high - r.rank_low + 1) / scale:.2f}"
            r.track_dot = f"{100 * ((r.rank_level or r.rank_low) - 0.5) / scale:.2f}"
    context = {
        "run": run,
        "page": page,
        "only_unstable": only_unstable,
        "unstable_count": unstable_count,
        "unstable_range": limit,
        "level_size": size,
        "unstable_share": round(100 * selectors.UNSTABLE_SHARE),
        "unstable_floor": selectors.UNSTABLE_FLOOR,
        "scale": scale,
    }
    return render(request, "assessment/sensitivity.html", context)


@login_required
def explain(request, pk, org_pk):
    """The explanation of one organization's total, down to the records that produced each indicator."""
    run = find_run(request, pk)
    organization = get_object_or_404(Organization, pk=org_pk)
    try:
        explanation = selectors.explanation(user=request.user, run=run, organization=organization)
    except Result.DoesNotExist:
        raise Http404()
    ranked = selectors.ranked_count(run)
    context = {
        "run": run,
        "organization": organization,
        "x": explanation,
        "result": explanation.result,
        "may_manage": selectors.may_manage(request.user, run),
        # The head (_run_head.html) marks a result whose two ranks lie far apart for a second look.
        "ranked": ranked,
        "second_look": selectors.needs_second_look(explanation.result, selectors.second_look_limit(ranked)),
        "second_look_share": round(100 * selectors.SECOND_LOOK_SHARE),
    }
    return render(request, "assessment/explain.html", context)
