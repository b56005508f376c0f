"""Pages of the assessment: indicator systems and their weights, the period dashboard, results, explanations,
sensitivity, rating links with QR codes, and the rating form a member of the masses opens on a phone."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.policy import Action, PermissionDenied, can, can_anywhere, restrict
from grassroots.core.text import duration, enumerate_items, join_clauses, labelled
from grassroots.core.uploads import kind_of, serve_upload
from grassroots.core.web import ServiceRefused, parse_id, service_errors
from grassroots.duties.services import period_for
from grassroots.organizations.models import Organization, OrgKind, subtree_q

from . import exports, selectors, services
from .forms import (
    AHPForm,
    DirectWeightsForm,
    EnteredValueForm,
    ResultFilterForm,
    RunForm,
    SystemActivateForm,
    SystemVersionForm,
    TokenForm,
    VetoForm,
    nearest_saaty,
    saaty_choices,
)
from .models import (
    AssessmentRun,
    Grade,
    IndicatorKind,
    IndicatorSystem,
    RaterGroup,
    RaterKind,
    Result,
    RunState,
    SystemState,
    WeightMethod,
)

PER_PAGE = 50
CODES_OFFERED = 500  # organizations offered in a datalist; more can be typed by code


# ---------------------------------------------------------------- helpers


def _run(request, pk):
    return get_object_or_404(selectors.run_list(user=request.user), pk=pk)


def _posted_id(request, name: str) -> int:
    """The id a form posts in `name`; a missing or malformed one finds nothing (404)."""
    value = parse_id(request.POST.get(name, ""))
    if value is None:
        raise Http404()
    return value


def _require_manage(request, run) -> None:
    if not selectors.may_manage(request.user, run):
        raise PermissionDenied(_("Only those who run this assessment can do this."))


def _system(request, pk) -> IndicatorSystem:
    return get_object_or_404(selectors.systems_visible(user=request.user), pk=pk)


# ---------------------------------------------------------------- indicator systems


@login_required
def systems(request):
    """The indicator systems the user can see, newest version first."""
    rows = list(selectors.system_list(user=request.user))
    return render(request, "assessment/systems.html", {"systems": rows})


@login_required
def system_detail(request, pk):
    """A system's tree: codes, kinds, metrics, local and global weights, caps and vetoes; its grade bands."""
    system = _system(request, pk)
    return render(request, "assessment/system.html", _system_context(request, system))


def _system_context(request, system, version_form=None, activate_form=None) -> dict:
    tree = selectors.system_tree(system)
    manage = can(request.user, Action.MANAGE_STRUCTURE, system.owner)
    draft = selectors.draft_of(system) if manage else None
    is_draft = system.state == SystemState.DRAFT
    return {
        "system": system,
        "tree": tree,
        "bands": [{**b, "label": Grade(b["grade"]).label} for b in system.bands()],
        "can_edit": is_draft and manage,
        "can_manage": manage,
        "draft": draft if draft is not None and draft.pk != system.pk else None,
        "version_form": version_form
        or (SystemVersionForm(initial={"name": system.name, "name_en": system.name_en}) if manage else None),
        "activate_form": activate_form or (SystemActivateForm() if manage and is_draft else None),
        "in_use": selectors.systems_visible(user=request.user)
        .filter(code=system.code, state=SystemState.ACTIVE)
        .exclude(pk=system.pk)
        .first(),
        "previous": system.previous,
    }


def _system_step(request, pk, *, form_class, form_name: str, denied: str, step, keeps_input: bool = True):
    """A button of the system page: the manager's form checked, the service run by `step(system, data)` (which
    returns the system to show next and the message to say). A refusal is shown on the page with the form when the
    form `keeps_input` (what was typed stays to be mended); otherwise (a tick box) the system's page is shown again
    at its own address with the reason, so that reloading it does not send the form again."""
    system = _system(request, pk)
    if request.method != "POST":
        return redirect("assessment:system", pk=system.pk)
    if not can(request.user, Action.MANAGE_STRUCTURE, system.owner):
        raise PermissionDenied(denied)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            with service_errors(request, form if keeps_input else None):
                shown, message = step(system, form.cleaned_data)
            messages.success(request, message)
            return redirect("assessment:system", pk=shown.pk)
        except ServiceRefused:
            pass
    if not keeps_input:
        for error in form.errors.values():
            for message in error:
                messages.error(request, message)
        return redirect("assessment:system", pk=system.pk)
    context = _system_context(request, system, **{form_name: form})
    return render(request, "assessment/system.html", context, status=400)


@login_required
def system_new_version(request, pk):
    """Make a draft copy of the system, with the next version number, to change and then put in use."""

    def step(system, data):
        draft = services.system_new_version(
            actor=request.user, system=system, name=data["name"], name_en=data["name_en"]
        )
        message = _(
            "Version %(v)d is a draft copy of version %(old)d: change its weights here, then put it in use."
        ) % {"v": draft.version, "old": system.version}
        return draft, message

    return _system_step(
        request,
        pk,
        form_class=SystemVersionForm,
        form_name="version_form",
        denied=_("Only those who manage the indicator system can make a new version of it."),
        step=step,
    )


@login_required
def system_activate(request, pk):
    """Put a draft in use; the version in use until now is retired, its assessments stay as they are."""

    def step(system, data):
        services.system_activate(actor=request.user, system=system)
        message = _(
            "Version %(v)d is in use: new assessments are opened with it. Assessments made with earlier "
            "versions keep theirs."
        ) % {"v": system.version}
        return system, message

    return _system_step(
        request,
        pk,
        form_class=SystemActivateForm,
        form_name="activate_form",
        denied=_("Only those who manage the indicator system can put it in use."),
        step=step,
        keeps_input=False,
    )


def _initial_upper(kids, group) -> list[str]:
    """The comparisons to start from: those saved with the group, else those that agree with the weights now."""
    n = len(kids)
    saved = group.ahp_upper if group is not None else (kids[0].system.ahp_upper if kids else None)
    if saved and len(saved) == n * (n - 1) // 2:
        return [str(v) for v in saved]
    out = []
    for i in range(n):
        for j in range(i + 1, n):
            wi, wj = float(kids[i].weight), float(kids[j].weight)
            out.append(nearest_saaty(wi / wj) if wi > 0 and wj > 0 else "1")
    return out


def _check(upper, kids) -> dict:
    """services.ahp_check with the pairs located by position, and the value of the scale to pick instead."""
    codes = [k.code for k in kids]
    check = services.ahp_check(upper, codes)
    index = {code: i for i, code in enumerate(codes)}
    names = [k.display_name() for k in kids]
    pairs = []
    for pair in check["pairs"]:
        i, j = index[pair["a"]], index[pair["b"]]
        pairs.append(
            {
                **pair,
                "i": i,
                "j": j,
                "a": names[i],
                "b": names[j],
                "given_text": str(upper[_pair_position(i, j, len(kids))]),
                "suggested_text": nearest_saaty(pair["suggested"]),
            }
        )
    check["pairs"] = pairs
    # Two pairs to revisit are what the page names; the third is shown as a hint when the matrix is inconsistent.
    check["revisit"] = {(p["i"], p["j"]): p for p in pairs[:2]} if not check["consistent"] else {}
    check["rows"] = [{"name": names[i], "code": codes[i], "weight": w} for i, w in enumerate(check["weights"])]
    return check


def _hints(form: AHPForm, check: dict | None, with_field: bool = True) -> list[dict]:
    """Each pair of the form with the advice to revisit it, if the matrix is inconsistent and it is to blame."""
    revisit = check["revisit"] if check else {}
    rows = form.rows() if with_field else ({"i": i, "j": j} for i, j, _name in form.pairs)
    return [{**row, "hint": revisit.get((row["i"], row["j"]))} for row in rows]


def _pair_position(i: int, j: int, n: int) -> int:
    """Position of pair (i, j), i < j, in the upper triangle read row by row."""
    return i * n - i * (i + 1) // 2 + (j - i - 1)


@login_required
def weights(request, pk, group=None):
    """The weights of a group's indicators (or of the top level): by AHP comparisons, with CR live, or directly."""
    system = _system(request, pk)
    group_obj = get_object_or_404(system.indicators, pk=group, kind=IndicatorKind.GROUP) if group else None
    kids = selectors.weighted_children(system, group_obj)
    names = [k.display_name() for k in kids]
    may_edit = can(request.user, Action.MANAGE_STRUCTURE, system.owner)
    posted = request.method == "POST"
    action = request.POST.get("action", "") if posted else ""
    if posted and action != "check" and not may_edit:
        raise PermissionDenied(_("Only those who manage the indicator system can change its weights."))
    initial_upper = _initial_upper(kids, group_obj)
    ahp_form = AHPForm(
        request.POST if action in ("check", "save_ahp") else None, names=names, initial_upper=initial_upper
    )
    direct_form = DirectWeightsForm(request.POST if action == "save_direct" else None, indicators=kids)
    check = None
    refused = ""
    not_saved = False
    if action in ("check", "save_ahp") and ahp_form.is_valid():
        upper = ahp_form.upper()
        try:
            check = _check(upper, kids)
        except ValidationError as exc:
            refused = " ".join(exc.messages)
        if request.htmx and action == "check":
            context = {"check": check, "refused": refused, "hints": _hints(ahp_form, check, with_field=False)}
            return render(request, "assessment/_ahp_check.html", context)
        if action == "save_ahp" and check is not None and not check["consistent"]:
            not_saved = True  # the check below says why, and which pairs to revisit: said once
        elif action == "save_ahp" and check is not None:
            try:
                with service_errors(request):
                    services.set_ahp_weights(actor=request.user, indicator_group=group_obj, upper=upper, system=system)
                messages.success(
                    request, _("Weights saved from the comparisons (CR = %(cr).3f).") % {"cr": check["cr"]}
                )
                return redirect("assessment:system", pk=system.pk)
            except ServiceRefused:
                pass
    if action == "save_direct" and direct_form.is_valid():
        try:
            # A page without the form (not a draft: a stale tab) is told by a message instead.
            with service_errors(request, direct_form if system.state == SystemState.DRAFT else None):
                services.set_direct_weights(
                    actor=request.user, system=system, parent=group_obj, weights=direct_form.weights()
                )
            messages.success(request, _("Weights saved."))
            return redirect("assessment:system", pk=system.pk)
        except ServiceRefused:
            pass
    if check is None and not posted and len(kids) > 1:
        try:
            check = _check(initial_upper, kids)
        except ValidationError:
            check = None
    context = {
        "system": system,
        "group": group_obj,
        "kids": kids,
        "pair_rows": _hints(ahp_form, check),
        "ahp_form": ahp_form,
        "direct_form": direct_form,
        "check": check,
        "refused": refused,
        "not_saved": not_saved,
        "may_edit": may_edit and system.state == SystemState.DRAFT,
        "may_manage": may_edit,
        "read_only": system.state != SystemState.DRAFT,
        "saved_pairs": _saved_pairs(kids, group_obj, system),
    }
    return render(request, "assessment/weights.html", context)


def _saved_pairs(kids, group, system) -> list[dict] | None:
    """The comparisons the weights were found from, each with its meaning; None when they were entered directly."""
    by_ahp = group is None or group.weight_method == WeightMethod.AHP
    saved = (system.ahp_upper if group is None else group.ahp_upper) if by_ahp else None
    n = len(kids)
    if not saved or len(saved) != n * (n - 1) // 2:
        return None
    names = [k.display_name() for k in kids]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    out = []
    for (i, j), value in zip(pairs, saved, strict=True):
        meaning = dict(saaty_choices(names[i], names[j])).get(str(value), str(value))
        out.append({"a": names[i], "b": names[j], "value": str(value), "meaning": meaning})
    return out


# ---------------------------------------------------------------- runs: the period dashboard


@login_required
def runs(request):
    """The assessments the user can see, newest period first."""
    rows = selectors.run_list(user=request.user).order_by("-period__start", "scope__path", "-version")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "can_create": can_anywhere(request.user, Action.MANAGE_STRUCTURE)}
    return render(request, "assessment/runs.html", context)


def _run_form(request):
    user = request.user
    systems_qs = selectors.systems_for_runs(user=user)
    scopes = restrict(user, Action.MANAGE_STRUCTURE, Organization.objects.all()).filter(
        kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH], is_active=True
    )
    return RunForm(request.POST or None, systems=systems_qs, scopes=scopes.order_by("path"))


@login_required
def run_new(request):
    if not can_anywhere(request.user, Action.MANAGE_STRUCTURE):
        raise PermissionDenied(_("Only those who run assessments can open one."))
    form = _run_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                period = period_for(data["period"])
                run = services.run_create(
                    actor=request.user,
                    system=data["system"],
                    period=period,
                    scope=data["scope"],
                    rater_weights=form.rater_weights(),
                )
            messages.success(request, _("The assessment is open. Issue rating links, then compute it."))
            return redirect("assessment:run", pk=run.pk)
        except ServiceRefused:
            pass
    context = {
        "form": form,
        "no_systems": not form.fields["system"].queryset.exists(),
        "no_scopes": not form.fields["scope"].queryset.exists(),
    }
    return render(request, "assessment/run_form.html", context)


def _run_context(request, run) -> dict:
    user = request.user
    visible = selectors.result_list(user=user, run=run)
    manage = selectors.may_manage(user, run)
    versions = list(
        selectors.run_list(user=user)
        .filter(system=run.system, period=run.period, scope=run.scope)
        .exclude(pk=run.pk)
        .order_by("-version")
    )
    states = [RunState.OPEN, RunState.COLLECTING, RunState.COMPUTED, RunState.PUBLISHED, RunState.CLOSED]
    return {
        "run": run,
        "may_manage": manage,
        "grades": selectors.grade_counts(run, visible),
        "result_count": visible.count(),
        "states": [(s, RunState(s).label, states.index(s) <= states.index(run.state)) for s in states],
        "tokens": _rating_counts(run) if manage else [],
        "versions": versions,
        "can": {
            "compute": manage and run.state != RunState.CLOSED,
            "collect": manage and run.state in (RunState.OPEN, RunState.COMPUTED),
            "publish": manage and run.state == RunState.COMPUTED,
            "close": manage and run.state in (RunState.PUBLISHED, RunState.COMPUTED),
            # Only the latest version is recomputed: a later one already carries this one's inputs.
            "recompute": manage and run.state == RunState.CLOSED and all(v.version < run.version for v in versions),
        },
        "computed_in": duration(run.computed_seconds) if run.computed_at else "",
        "own_result": visible.filter(organization__pk=_own_org_id(user)).first(),
    }


def _rating_counts(run) -> list[str]:
    """Per rater group, its weight and how far its raters are: "The masses (0.3): 4 of 20 links used"."""
    out = []
    for t in selectors.token_counts(run):
        parts = []
        if t["issued"] or not t["by_account"]:
            parts.append(_("%(used)s of %(issued)s links used") % {"used": t["used"], "issued": t["issued"]})
        if t["by_account"]:
            parts.append(
                ngettext("%(n)s rating given with an account", "%(n)s ratings given with an account", t["by_account"])
                % {"n": t["by_account"]}
            )
        group = t["group"]
        label = _("%(group)s (weight %(w)s)") % {
            "group": group.get_kind_display(),
            "w": f"{group.weight.normalize():f}",
        }
        out.append(labelled(label, enumerate_items(parts)))
    return out


def _own_org_id(user):
    from grassroots.core.policy import subject

    member = subject(user).member
    return member.organization_id if member else None


@login_required
def run_detail(request, pk):
    """The period dashboard: state, what to do next, counts per grade, time the computation took, links."""
    run = _run(request, pk)
    return render(request, "assessment/run.html", _run_context(request, run))


RUN_ACTIONS = {
    "compute": services.run_compute,
    "collect": services.run_collect,
    "publish": services.run_publish,
    "close": services.run_close,
    "recompute": services.run_recompute,
}


@login_required
def run_action(request, pk, action):
    run = _run(request, pk)
    service = RUN_ACTIONS.get(action)
    if service is None:
        raise Http404()
    if request.method != "POST":
        # A button pressed when the session had ended comes back here as a GET after the login: do nothing, and
        # show the page the button is on.
        messages.info(request, _("Nothing was done yet: press the button again."))
        return redirect("assessment:run", pk=run.pk)
    _require_manage(request, run)
    if action == "close" and not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm: a closed assessment is frozen."))
        return redirect("assessment:run", pk=run.pk)
    extra = {}
    if action == "compute" and run.state == RunState.PUBLISHED:
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm: the published results are withdrawn."))
            return redirect("assessment:run", pk=run.pk)
        extra["withdraw"] = True
    try:
        with service_errors(request):
            outcome = service(actor=request.user, run=run, **extra)
    except ServiceRefused:
        return redirect("assessment:run", pk=run.pk)
    if action == "compute":
        run.refresh_from_db()
        messages.success(
            request,
            ngettext(
                "Computed %(n)d organization in %(time)s.",
                "Computed %(n)d organizations in %(time)s.",
                run.assessed_count,
            )
            % {"n": run.assessed_count, "time": duration(outcome.get("total", run.computed_seconds or 0))},
        )
    elif action == "recompute":
        messages.success(
            request,
            _("Version %(v)d made and computed; version %(old)d stays as it was closed.")
            % {
                "v": outcome.version,
                "old": run.version,
            },
        )
        return redirect("assessment:run", pk=outcome.pk)
    else:
        messages.success(request, _("The assessment is now %(state)s.") % {"state": outcome.get_state_display()})
    return redirect("assessment:run", pk=run.pk)


def _org_codes(request, run, action=Action.MANAGE_STRUCTURE):
    return list(
        selectors.assessed_organizations(user=request.user, run=run, action=action).only(
            "id", "code", "name", "name_en", "path"
        )[:CODES_OFFERED]
    )


@login_required
@never_cache
def run_links(request, pk):
    """Issue one-time rating links for a rater group and an organization; print them with their QR codes."""
    run = _run(request, pk)
    _require_manage(request, run)
    kinds = [(g.kind, g.get_kind_display()) for g in RaterGroup.objects.filter(run=run).order_by("id")]
    organizations = selectors.assessed_organizations(user=request.user, run=run, action=Action.MANAGE_STRUCTURE)
    form = TokenForm(
        request.POST or None,
        kinds=kinds,
        organizations=organizations,
        initial={"kind": RaterKind.MASSES if any(k == RaterKind.MASSES for k, _l in kinds) else None},
    )
    issued = request.session.get("rating_link_batches", [])
    batch = request.POST.get("batch", "")
    if request.method == "POST" and batch and batch in issued:
        # The printed page sent again (a refresh, the back button): its links were shown once; make no more.
        messages.error(request, _("These links were already made and shown once; no more were made."))
        return redirect("assessment:links", pk=run.pk)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with service_errors(request, form):
                secrets_out = services.tokens_issue(
                    actor=request.user,
                    run=run,
                    kind=data["kind"],
                    organization=data["organization"],
                    count=data["count"],
                    days=data["days"],
                )
            links = [
                {"url": request.build_absolute_uri(reverse("assessment:rate", args=[s])), "n": i}
                for i, s in enumerate(secrets_out, start=1)
            ]
            for link in links:
                link["svg"] = exports.qr_svg(link["url"])
            if batch:
                request.session["rating_link_batches"] = [*issued[-19:], batch]
            context = {
                "run": run,
                "links": links,
                "organization": data["organization"],
                "kind_label": RaterKind(data["kind"]).label,
                "days": data["days"],
            }
            response = render(request, "assessment/links_print.html", context)
            response["Cache-Control"] = "no-store"
            return response
        except ServiceRefused:
            pass
    context = {
        "run": run,
        "form": form,
        "batch": uuid.uuid4().hex,
        "tokens": selectors.token_counts(run),
        "codes": _org_codes(request, run),
        "questions": services.qualitative_indicators(run),
    }
    context["questions_text"] = join_clauses(q.display_name() for q in context["questions"])
    return render(request, "assessment/links.html", context)


@login_required
def run_vetoes(request, pk):
    """Veto events of the period in the scope; recording one vetoes the organization at the next computation."""
    run = _run(request, pk)
    manage = selectors.may_manage(request.user, run)
    organizations = selectors.veto_organizations(user=request.user, run=run)
    withdrawing = request.method == "POST" and request.POST.get("action") == "withdraw"
    form = (
        VetoForm(None if withdrawing else request.POST or None, organizations=organizations, period=run.period)
        if manage
        else None
    )
    if withdrawing:
        _require_manage(request, run)
        event = get_object_or_404(selectors.veto_list(user=request.user, run=run), pk=_posted_id(request, "event"))
        try:
            with service_errors(request):
                services.veto_withdraw(actor=request.user, event=event, reason=request.POST.get("reason", ""))
            messages.success(request, _("Veto taken back. Compute the assessment again to apply it."))
        except ServiceRefused:
            pass
        return redirect("assessment:vetoes", pk=run.pk)
    if request.method == "POST":
        _require_manage(request, run)
        if form.is_valid():
            data = form.cleaned_data
            try:
                with service_errors(request, form):
                    services.veto_record(
                        actor=request.user,
                        period=run.period,
                        organization=data["organization"],
                        reason=data["reason"],
                        occurred_on=data["occurred_on"],
                    )
                messages.success(request, _("Veto event recorded. Compute the assessment again to apply it."))
                return redirect("assessment:vetoes", pk=run.pk)
            except ServiceRefused:
                pass
    context = {
        "run": run,
        "form": form,
        "events": selectors.veto_list(user=request.user, run=run)[:500],
        "codes": _org_codes(request, run) if manage else [],
        "may_manage": manage,
    }
    return render(request, "assessment/vetoes.html", context)


@login_required
def run_values(request, pk):
    """Scores entered by hand (with evidence) for 'entered' indicators and bonuses given by hand."""
    run = _run(request, pk)
    manage = selectors.may_manage(request.user, run)
    indicators = selectors.entered_indicators(run)
    organizations = selectors.assessed_organizations(user=request.user, run=run, action=Action.MANAGE_STRUCTURE)
    form = None
    if request.method == "POST" and request.POST.get("action") == "remove":
        _require_manage(request, run)
        value = get_object_or_404(selectors.entered_list(user=request.user, run=run), pk=_posted_id(request, "value"))
        try:
            with service_errors(request):
                services.entered_value_remove(actor=request.user, value=value)
            messages.success(request, _("Value removed. Compute the assessment again to count it out."))
        except ServiceRefused:
            pass
        return redirect("assessment:values", pk=run.pk)
    if manage and indicators:
        form = EnteredValueForm(
            request.POST or None, request.FILES or None, indicators=indicators, organizations=organizations
        )
    if request.method == "POST":
        _require_manage(request, run)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                with service_errors(request, form):
                    services.entered_value_set(
                        actor=request.user,
                        run=run,
                        organization=data["organization"],
                        indicator=form.indicators[data["indicator"]],
                        value=data["value"],
                        note=data["note"],
                        evidence=data["evidence"],
                    )
                messages.success(request, _("Value saved. Compute the assessment again to count it."))
                return redirect("assessment:values", pk=run.pk)
            except ServiceRefused:
                pass
    context = {
        "run": run,
        "form": form,
        "indicators": indicators,
        "values": selectors.entered_list(user=request.user, run=run)[:500],
        "codes": _org_codes(request, run) if manage else [],
        "may_manage": manage,
    }
    return render(request, "assessment/values.html", context)


@login_required
def value_evidence(request, pk, value_pk):
    """The evidence of a value entered by hand, for those who may see the value; never served as active content."""
    run = _run(request, pk)
    value = get_object_or_404(selectors.entered_list(user=request.user, run=run), pk=value_pk)
    name = value.evidence.name.rsplit("/", 1)[-1]
    kind, content_type = kind_of(name)
    return serve_upload(value.evidence, content_type, name, attachment=kind != "image")


@login_required
def ratings_to_give(request):
    """The ratings a user gives with their account: per assessment still collecting them and per rater group."""
    return render(request, "assessment/ratings_to_give.html", {"rows": selectors.ratings_to_give(user=request.user)})


@login_required
def rate_as(request, pk, kind):
    """Rate, with one's account, the organizations of a run one may rate as `kind` (superior, peers, members):
    the list of them with those already rated, and the questions for the one chosen."""
    # Not by run_list: a rater may not see the run itself before its results; what they may rate is the gate.
    run = get_object_or_404(AssessmentRun.objects.select_related("system", "period", "scope"), pk=pk)
    if kind not in selectors.ACCOUNT_RATERS:
        raise Http404()
    organizations = selectors.ratable(user=request.user, run=run, kind=kind)
    if not organizations.exists():
        if selectors.rating_ended_for(user=request.user, run=run, kind=kind):
            # An old tab or bookmark, or a form sent after the results came out: said, not a bare 404.
            messages.info(request, _("Rating for this assessment has ended: its results are published."))
            return redirect("assessment:ratings_to_give")
        raise Http404()
    rated = selectors.rated_by(user=request.user, run=run, kind=kind)
    chosen_org = None
    if request.GET.get("org"):
        org_id = parse_id(request.GET["org"])
        chosen_org = organizations.filter(pk=org_id).first() if org_id is not None else None
        if chosen_org is None:
            raise Http404()
    questions = services.qualitative_indicators(run)  # in the order of the tree
    chosen = {}
    if request.method == "POST" and chosen_org is not None:
        chosen = _posted_grades(request, questions)
        try:
            with service_errors(request):
                _require_every_grade(questions, chosen)
                services.rating_by_user(actor=request.user, run=run, kind=kind, organization=chosen_org, grades=chosen)
            messages.success(request, _("Rating of %(org)s saved.") % {"org": chosen_org.display_name()})
            return redirect("assessment:rate_as", pk=run.pk, kind=kind)
        except ServiceRefused:
            pass
    page = Paginator(organizations, PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "run": run,
        "kind": kind,
        "kind_label": RaterKind(kind).label,
        "page": page,
        "rated": rated,
        "left": organizations.count() - len(rated),
        "organization": chosen_org,
        "already": chosen_org is not None and chosen_org.pk in rated,
        "questions": _question_rows(questions, chosen),
        "grades": Grade.choices,
    }
    return render(request, "assessment/rate_as.html", context)


def _posted_grades(request, questions) -> dict[int, str]:
    """The grade posted for each question ('' where none was chosen)."""
    return {q.pk: request.POST.get(f"q_{q.pk}", "") for q in questions}


def _require_every_grade(questions, chosen: dict[int, str]) -> None:
    missing = [q.display_name() for q in questions if not chosen[q.pk]]
    if missing:
        raise ValidationError(_("Choose a grade for: %(names)s") % {"names": join_clauses(missing)})


def _question_rows(questions, chosen: dict[int, str]) -> list[dict]:
    """The questions of a rating form (_rate_questions.html), with the grade already chosen for each."""
    return [{"indicator": q, "chosen": chosen.get(q.pk, ""), "name": f"q_{q.pk}"} for q in questions]


# ---------------------------------------------------------------- results


def _filtered_results(request, run):
    form = ResultFilterForm(request.GET or None)
    qs = selectors.result_list(user=request.user, run=run)
    filters = {}
    within = None
    if form.is_valid():
        data = form.cleaned_data
        if data["org"]:
            within = (
                restrict(request.user, Action.VIEW, Organization.objects.all())
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
        }
    if form.errors:
        qs = qs.none()
    return form, selectors.filter_results(qs, **filters), within


def _code_or_name(text: str) -> Q:
    text = text.strip()
    return Q(code=text) | Q(name=text) | Q(name_en__iexact=text)


@login_required
def results(request, pk):
    """Results of a run: filter by subtree, kind of unit and grade; sort; ranks, TOPSIS and sensitivity."""
    run = _run(request, pk)
    form, qs, within = _filtered_results(request, run)
    page = Paginator(qs, PER_PAGE).get_page(request.GET.get("page"))
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
        "grades": Grade,
        # The subtrees to look within, offered as the code is typed: the committees and general branches in view.
        "codes": restrict(request.user, Action.VIEW, Organization.objects.all())
        .filter(subtree_q(run.scope.path), kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH], is_active=True)
        .only("id", "code", "name", "name_en", "path")
        .order_by("path")[:CODES_OFFERED],
    }
    return render(request, "assessment/results.html", context)


@login_required
def results_export(request, pk, fmt):
    """The results as CSV or XLSX: only organizations the user may view and export; the export is audited."""
    run = _run(request, pk)
    if not can_anywhere(request.user, Action.EXPORT):
        raise PermissionDenied(_("You may not export data."))
    form, qs, within = _filtered_results(request, run)
    qs = restrict(request.user, Action.EXPORT, qs)
    if fmt == "csv":
        return exports.results_csv(user=request.user, run=run, results=qs)
    if fmt == "xlsx":
        return exports.results_xlsx(user=request.user, run=run, results=qs)
    raise Http404()


@login_required
def sensitivity(request, pk):
    """How far each rank can move when the weights move ±10%; ranks whose range is wide for the size of the level
    (see selectors.unstable_range) are marked as sensitive to the weights."""
    run = _run(request, pk)
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
    run = _run(request, pk)
    organization = get_object_or_404(Organization, pk=org_pk)
    try:
        explanation = selectors.explanation(user=request.user, run=run, organization=organization)
    except Result.DoesNotExist:
        raise Http404()
    context = {
        "run": run,
        "organization": organization,
        "x": explanation,
        "result": explanation.result,
        "may_manage": selectors.may_manage(request.user, run),
    }
    return render(request, "assessment/explain.html", context)


# ---------------------------------------------------------------- the rating form of a one-time link


def _refused(request, message, status):
    response = render(request, "assessment/rate_closed.html", {"message": message}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@csrf_exempt  # the one-time secret in the link is what a forged form would lack; in-app browsers may refuse cookies
def rate(request, token):
    """A rater without an account grades an organization once, on a phone, in the browser's language."""
    try:
        link = services.token_lookup(token)
    except Conflict as exc:
        return _refused(request, exc.message, 410)
    except ValidationError as exc:
        return _refused(request, " ".join(exc.messages), 404)
    questions = services.qualitative_indicators(link.group.run)  # in the order of the tree
    chosen = {}
    error = ""
    if request.method == "POST":
        chosen = _posted_grades(request, questions)
        grades = {pk: g for pk, g in chosen.items() if g}
        try:
            _require_every_grade(questions, chosen)
            services.rating_submit(secret=token, grades=grades)
            response = render(
                request, "assessment/rate_thanks.html", {"organization": link.organization, "count": len(grades)}
            )
            response["Cache-Control"] = "no-store"
            return response
        except Conflict as exc:
            return _refused(request, exc.message, 410)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "link": link,
        "organization": link.organization,
        "group": link.group,
        "questions": _question_rows(questions, chosen),
        "grades": Grade.choices,
        "error": error,
    }
    response = render(request, "assessment/rate.html", context, status=400 if error else 200)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
