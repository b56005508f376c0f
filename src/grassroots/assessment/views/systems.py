"""Pages of the indicator systems: the list, a system with its versions, an indicator of a draft (its records, points,
and why a fact is counted twice), and the weights of a group (AHP or direct)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from grassroots.core.errors import ValidationError
from grassroots.core.policy import Action, PermissionDenied, can
from grassroots.core.text import enumerate_items
from grassroots.core.web import REFUSED, allowed, run_service

from .. import facts, selectors, services
from ..forms import (
    AHPForm,
    DirectWeightsForm,
    IndicatorForm,
    SystemActivateForm,
    SystemVersionForm,
    nearest_saaty,
    saaty_choices,
)
from ..models import (
    Grade,
    IndicatorKind,
    SystemState,
    WeightMethod,
)
from ..services.systems import EDITABLE
from .common import find_system


@login_required
def systems(request):
    """The indicator systems the user can see, newest version first."""
    rows = list(selectors.system_list(user=request.user))
    return render(request, "assessment/systems.html", {"systems": rows})


@login_required
def system_detail(request, pk):
    """A system's tree: codes, kinds, metrics, local and global weights, caps and vetoes; its grade bands."""
    system = find_system(request, pk)
    return render(request, "assessment/system.html", _system_context(request, system))


def _fact_rows(tree) -> tuple[list[dict], list]:
    """Each line of the tree with the fact its indicator counts and, for a deduction or bonus taking points, the
    other indicators that count the same fact for points (facts.SecondUse); and the uses not explained."""
    indicators = [line.indicator for line in tree]
    uses = facts.second_uses(indicators)
    by_indicator = {use.indicator.pk: use for use in uses}
    for_points = facts.uses_for_points(indicators)
    rows = []
    for line in tree:
        ind, fact = line.indicator, facts.fact_of(line.indicator.metric)
        # A veto counting what takes points elsewhere: said to be no second use.
        veto_same = ind.is_veto and not facts.takes_points(ind) and fact is not None
        rows.append(
            {
                "line": line,
                "fact": fact,
                "second_use": by_indicator.get(ind.pk),
                "veto_same": enumerate_items(facts.label(o) for o in for_points.get(fact, [])) if veto_same else "",
            }
        )
    return rows, [use for use in uses if not use.explained]


def _system_context(request, system, version_form=None, activate_form=None) -> dict:
    tree = selectors.system_tree(system)
    manage = can(request.user, Action.MANAGE_STRUCTURE, system.owner)
    draft = selectors.draft_of(system) if manage else None
    rows, unexplained = _fact_rows(tree)
    return {
        "system": system,
        "tree": tree,
        "rows": rows,
        "unexplained": unexplained if system.state == SystemState.DRAFT else [],
        "one_use_rule": facts.RULE,
        "bands": [{**b, "label": Grade(b["grade"]).label} for b in system.bands()],
        "can_edit": allowed(services.system_weights_check, actor=request.user, obj=system),
        "can_manage": manage,
        "draft": draft if draft is not None and draft.pk != system.pk else None,
        "version_form": version_form
        or (SystemVersionForm(initial={"name": system.name, "name_en": system.name_en}) if manage else None),
        "activate_form": activate_form
        or (SystemActivateForm() if allowed(services.system_activate_check, actor=request.user, obj=system) else None),
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
    system = find_system(request, pk)
    if request.method != "POST":
        return redirect("assessment:system", pk=system.pk)
    if not can(request.user, Action.MANAGE_STRUCTURE, system.owner):
        raise PermissionDenied(denied)
    form = form_class(request.POST)
    if form.is_valid():
        outcome = run_service(request, step, form=form if keeps_input else None, system=system, data=form.cleaned_data)
        if outcome is not REFUSED:
            shown, message = outcome
            messages.success(request, message)
            return redirect("assessment:system", pk=shown.pk)
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

    def step(*, system, data):
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

    def step(*, system, data):
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


def _indicator_page(request, system, form, indicator=None, status=200):
    """The page of an indicator of a draft (or of a new deduction or bonus): its form, the fact it counts and the
    other indicators that count it."""
    indicators = list(system.indicators.order_by("position", "id"))
    fact, same_fact, use = None, [], None
    if indicator is not None:
        fact = facts.fact_of(indicator.metric)
        if fact is not None:
            same_fact = [i for i in indicators if i.pk != indicator.pk and facts.fact_of(i.metric) == fact]
        use = next((u for u in facts.second_uses(indicators) if u.indicator.pk == indicator.pk), None)
    context = {
        "system": system,
        "indicator": indicator,
        "form": form,
        "fact": fact,
        "same_fact": same_fact,
        "second_use": use,
        "one_use_rule": facts.RULE,
    }
    return render(request, "assessment/indicator.html", context, status=status)


def _editable_system(request, pk):
    """The system of an indicator page and whether it may change: its manager changes it while it is a draft (when
    it no longer is, the reason is said on the system's page, where the caller sends the user)."""
    system = find_system(request, pk)
    if not can(request.user, Action.MANAGE_STRUCTURE, system.owner):
        raise PermissionDenied(_("Only those who manage the indicator system can change its indicators."))
    if not allowed(services.indicator_edit_check, actor=request.user, obj=system):
        messages.error(request, _("Only a draft indicator system can change; make a new version."))
        return system, False
    return system, True


@login_required
def indicator_edit(request, pk, indicator):
    """Change an indicator of a draft: its names, the records it counts, a deduction's or bonus's points, cap and
    veto, and the reason for counting a fact twice."""
    system, editable = _editable_system(request, pk)
    if not editable:
        return redirect("assessment:system", pk=system.pk)
    ind = get_object_or_404(system.indicators, pk=indicator)
    initial = {f: getattr(ind, f) for f in EDITABLE[ind.kind]}
    if request.method != "POST":
        return _indicator_page(request, system, IndicatorForm(kind=ind.kind, initial=initial), ind)
    form = IndicatorForm(request.POST, kind=ind.kind, initial=initial)
    if form.is_valid():
        changed = run_service(
            request,
            services.indicator_update,
            form=form,
            actor=request.user,
            indicator=ind,
            data=form.data_for_service(),
        )
        if changed is not REFUSED:
            messages.success(request, _("%(indicator)s changed.") % {"indicator": facts.label(changed)})
            return redirect("assessment:system", pk=system.pk)
    return _indicator_page(request, system, form, ind, status=400)


@login_required
def indicator_add(request, pk):
    """Add a deduction or bonus to a draft."""
    system, editable = _editable_system(request, pk)
    if not editable:
        return redirect("assessment:system", pk=system.pk)
    if request.method != "POST":
        return _indicator_page(request, system, IndicatorForm(initial={"kind": "deduction"}))
    form = IndicatorForm(request.POST)
    if form.is_valid():
        added = run_service(
            request, services.indicator_add, form=form, actor=request.user, system=system, data=form.data_for_service()
        )
        if added is not REFUSED:
            messages.success(request, _("%(indicator)s added.") % {"indicator": facts.label(added)})
            return redirect("assessment:system", pk=system.pk)
    return _indicator_page(request, system, form, status=400)


@login_required
def indicator_remove(request, pk, indicator):
    """Remove a deduction, bonus or veto from a draft (asked on the indicator's page)."""
    system, editable = _editable_system(request, pk)
    if request.method != "POST" or not editable:
        return redirect("assessment:system", pk=system.pk)
    ind = get_object_or_404(system.indicators, pk=indicator)
    done = run_service(request, services.indicator_remove, actor=request.user, indicator=ind)
    if done is not REFUSED:
        messages.success(request, _("%(indicator)s removed.") % {"indicator": facts.label(ind)})
    return redirect("assessment:system", pk=system.pk)


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
    system = find_system(request, pk)
    group_obj = get_object_or_404(system.indicators, pk=group, kind=IndicatorKind.GROUP) if group else None
    kids = selectors.weighted_children(system, group_obj)
    names = [k.display_name() for k in kids]
    may_edit = can(request.user, Action.MANAGE_STRUCTURE, system.owner)
    editable = allowed(services.system_weights_check, actor=request.user, obj=system)
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
            response = _save_ahp(request, system, group_obj, upper, check)
            if response is not None:
                return response
    if action == "save_direct" and direct_form.is_valid():
        saved = run_service(
            request,
            services.set_direct_weights,
            # A page without the form (not a draft: a stale tab) is told by a message instead.
            form=direct_form if editable else None,
            actor=request.user,
            system=system,
            parent=group_obj,
            weights=direct_form.weights(),
        )
        if saved is not REFUSED:
            messages.success(request, _("Weights saved."))
            return redirect("assessment:system", pk=system.pk)
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
        "may_edit": editable,
        "may_manage": may_edit,
        "read_only": system.state != SystemState.DRAFT,
        "saved_pairs": _saved_pairs(kids, group_obj, system),
    }
    return render(request, "assessment/weights.html", context)


def _save_ahp(request, system, group, upper, check: dict):
    """The comparisons saved as the group's weights: the system's page next, or None when the service refused."""
    saved = run_service(
        request, services.set_ahp_weights, actor=request.user, indicator_group=group, upper=upper, system=system
    )
    if saved is REFUSED:
        return None
    messages.success(request, _("Weights saved from the comparisons (CR = %(cr).3f).") % {"cr": check["cr"]})
    return redirect("assessment:system", pk=system.pk)


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
