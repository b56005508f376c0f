"""Pages of a run: the period dashboard, its buttons, rating links with QR codes, vetoes and values entered by
hand."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from grassroots.core import jobs
from grassroots.core.errors import Conflict, ValidationError
from grassroots.core.models import JobState
from grassroots.core.policy import Action, PermissionDenied, can_anywhere
from grassroots.core.text import duration, enumerate_items, join_clauses, labelled
from grassroots.core.uploads import kind_of, serve_upload
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.duties.services import period_for
from grassroots.organizations import selectors as org_selectors
from grassroots.organizations.models import OrgKind

from .. import exports, selectors, services
from ..forms import (
    ClosingDayForm,
    EnteredValueForm,
    PublishForm,
    RunForm,
    TokenForm,
    VetoForm,
)
from ..models import (
    RaterGroup,
    RaterKind,
    RunState,
)
from .common import PER_PAGE, find_run, org_codes, posted_id, require_manage


@login_required
def runs(request):
    """The assessments the user can see, newest period first."""
    todo = request.GET.get("todo") == "1"  # only those waiting to be computed or published (the start page's count)
    rows = (selectors.runs_to_advance if todo else selectors.run_list)(user=request.user)
    rows = rows.order_by("-period__start", "scope__path", "-version")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "todo": todo, "can_create": can_anywhere(request.user, Action.MANAGE_STRUCTURE)}
    return render(request, "assessment/runs.html", context)


def _run_form(request):
    user = request.user
    systems_qs = selectors.systems_for_runs(user=user)
    scopes = org_selectors.organization_list(user=user, action=Action.MANAGE_STRUCTURE).filter(
        kind__in=[OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH], is_active=True
    )
    return RunForm(request.POST or None, systems=systems_qs, scopes=scopes.order_by("path"))


def _run_create(*, period: str, **kwargs):
    """services.run_create for the period of that code (made if it is not yet)."""
    return services.run_create(period=period_for(period), **kwargs)


@login_required
def run_new(request):
    if not can_anywhere(request.user, Action.MANAGE_STRUCTURE):
        raise PermissionDenied(_("Only those who run assessments can open one."))
    form = _run_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        run = run_service(
            request,
            _run_create,
            form=form,
            actor=request.user,
            system=data["system"],
            period=data["period"],
            scope=data["scope"],
            rater_weights=form.rater_weights(),
            closes_on=data["closes_on"],
            fewest_raters=data["fewest_raters"],
        )
        if run is not REFUSED:
            messages.success(request, _("The assessment is open. Issue rating links, then compute it."))
            return redirect("assessment:run", pk=run.pk)
    context = {
        "form": form,
        "no_systems": not form.fields["system"].queryset.exists(),
        "no_scopes": not form.fields["scope"].queryset.exists(),
    }
    return render(request, "assessment/run_form.html", context)


# The buttons of the run's page: the service each presses, and its check (whether the service would refuse).
RUN_ACTIONS = {
    "compute": (services.run_compute, services.run_compute_check),
    "collect": (services.run_collect, services.run_collect_check),
    "publish": (services.run_publish, services.run_publish_check),
    "close": (services.run_close, services.run_close_check),
    "recompute": (services.run_recompute, services.run_recompute_check),
    "closing_day": (services.run_set_closing_day, services.run_closing_day_check),
}


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
    can = {name: allowed(check, actor=user, obj=run) for name, (_service, check) in RUN_ACTIONS.items()}
    # Provisional results are published with a reason, asked on the button's form: offered when all but the reason
    # is in order.
    can["publish"] = allowed(services.run_publish_check, actor=user, obj=run, reason=None)
    return {
        "run": run,
        "may_manage": manage,
        "grades": selectors.grade_counts(run, visible),
        "result_count": visible.count(),
        "states": [(s, RunState(s).label, states.index(s) <= states.index(run.state)) for s in states],
        "tokens": _rating_counts(run) if manage else [],
        "versions": versions,
        # Each button shown when its service would not refuse it (its _check says).
        "can": can,
        "publish_form": PublishForm(),
        "closing_day_form": ClosingDayForm(initial={"closes_on": run.closing_day}),
        "computed_in": duration(run.computed_seconds) if run.computed_at else "",
        "own_result": visible.filter(organization__pk=_own_org_id(user)).first(),
    }


def _compute_job(request, run, extra: dict):
    """Computing the run as a job (core.jobs): the run's page answers at once with the job's page, which shows the
    engine's stages; a refusal or an error is the job's result, said in the user's language."""
    kept = {"outcome": REFUSED}

    def work(progress) -> dict:
        try:
            timings = services.run_compute(actor=request.user, run=run, progress=progress, **extra)
        except (ValidationError, Conflict, PermissionDenied) as exc:
            return {"ok": False, "summary": " ".join(getattr(exc, "messages", None) or [str(exc.message)])}
        kept["outcome"] = timings
        run.refresh_from_db()
        summary = ngettext(
            "Computed %(n)d organization in %(time)s.", "Computed %(n)d organizations in %(time)s.", run.assessed_count
        ) % {"n": run.assessed_count, "time": duration(timings.get("total", run.computed_seconds or 0))}
        return {
            "ok": True,
            "summary": summary,
            "next_url": reverse("assessment:run", args=[run.pk]),
            "next_label": str(_("Back to the assessment")),
        }

    title = _("Computing %(run)s") % {"run": str(run)}
    job = jobs.job_start(actor=request.user, kind="assessment.run.compute", title=title, work=work)
    job.outcome = kept["outcome"]
    if job.state != JobState.RUNNING and not job.result.get("ok"):
        messages.error(request, job.result.get("summary", ""))
    return job


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
        label = _("%(group)s (weight %(w)s, counts from %(fewest)s raters of an organization)") % {
            "group": group.get_kind_display(),
            "w": f"{group.weight.normalize():f}",
            "fewest": group.min_raters,
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
    run = find_run(request, pk)
    return render(request, "assessment/run.html", _run_context(request, run))


@login_required
def run_action(request, pk, action):
    run = find_run(request, pk)
    if action not in RUN_ACTIONS:
        raise Http404()
    service, _check = RUN_ACTIONS[action]
    if request.method != "POST":
        # A button pressed when the session had ended comes back here as a GET after the login: do nothing, and
        # show the page the button is on.
        messages.info(request, _("Nothing was done yet: press the button again."))
        return redirect("assessment:run", pk=run.pk)
    require_manage(request, run)
    if action == "close" and not request.POST.get("confirm"):
        messages.error(request, _("Tick the box to confirm: a closed assessment is frozen."))
        return redirect("assessment:run", pk=run.pk)
    extra = {}
    if action == "publish":
        extra["reason"] = request.POST.get("reason", "")
    if action == "closing_day":
        form = ClosingDayForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the closing day as a date, like 2026-11-30."))
            return redirect("assessment:run", pk=run.pk)
        extra["closes_on"] = form.cleaned_data["closes_on"]
    if action == "compute" and run.state == RunState.PUBLISHED:
        if not request.POST.get("confirm"):
            messages.error(request, _("Tick the box to confirm: the published results are withdrawn."))
            return redirect("assessment:run", pk=run.pk)
        extra["withdraw"] = True
    if action == "compute" and allowed(services.run_compute_check, actor=request.user, obj=run):
        job = _compute_job(request, run, extra)
        if job.state == JobState.RUNNING:  # in a thread of its own: its page shows each stage, then the result
            return redirect("job", pk=job.pk)
        outcome = job.outcome
    else:
        outcome = run_service(request, service, actor=request.user, run=run, **extra)
    if outcome is REFUSED:
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
    elif action == "closing_day":
        messages.success(
            request,
            _("The results will count to %(day)s when published.") % {"day": outcome.closing_day.isoformat()},
        )
    elif action == "publish" and outcome.published_early:
        messages.success(
            request,
            _("Published early, as of %(asof)s: every page and export of the results says so, and why.")
            % {"asof": outcome.published_asof.isoformat()},
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


@login_required
@never_cache
def run_links(request, pk):
    """Issue one-time rating links for a rater group and an organization; print them with their QR codes."""
    run = find_run(request, pk)
    require_manage(request, run)
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
        secrets_out = run_service(
            request,
            services.tokens_issue,
            form=form,
            actor=request.user,
            run=run,
            kind=data["kind"],
            organization=data["organization"],
            count=data["count"],
            days=data["days"],
        )
        if secrets_out is not REFUSED:
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
    context = {
        "run": run,
        "form": form,
        "batch": uuid.uuid4().hex,
        "tokens": selectors.token_counts(run),
        "codes": org_codes(request, run),
        "questions": services.qualitative_indicators(run),
    }
    context["questions_text"] = join_clauses(q.display_name() for q in context["questions"])
    return render(request, "assessment/links.html", context)


@login_required
def run_vetoes(request, pk):
    """Veto events of the period in the scope; recording one vetoes the organization at the next computation."""
    run = find_run(request, pk)
    manage = selectors.may_manage(request.user, run)
    organizations = selectors.veto_organizations(user=request.user, run=run)
    withdrawing = request.method == "POST" and request.POST.get("action") == "withdraw"
    form = (
        VetoForm(None if withdrawing else request.POST or None, organizations=organizations, period=run.period)
        if manage
        else None
    )
    if withdrawing:  # veto_withdraw decides who may, as the page's button does
        event = get_object_or_404(selectors.veto_list(user=request.user, run=run), pk=posted_id(request, "event"))
        withdrawn = run_service(
            request, services.veto_withdraw, actor=request.user, event=event, reason=request.POST.get("reason", "")
        )
        if withdrawn is not REFUSED:
            messages.success(request, _("Veto taken back. Compute the assessment again to apply it."))
        return redirect("assessment:vetoes", pk=run.pk)
    if request.method == "POST":
        require_manage(request, run)
        if form.is_valid():
            data = form.cleaned_data
            recorded = run_service(
                request,
                services.veto_record,
                form=form,
                actor=request.user,
                period=run.period,
                organization=data["organization"],
                reason=data["reason"],
                occurred_on=data["occurred_on"],
            )
            if recorded is not REFUSED:
                messages.success(request, _("Veto event recorded. Compute the assessment again to apply it."))
                return redirect("assessment:vetoes", pk=run.pk)
    events = list(selectors.veto_list(user=request.user, run=run)[:500])
    context = {
        "run": run,
        "form": form,
        "events": events,
        "withdrawable": _withdrawable(request.user, events),
        "codes": org_codes(request, run) if manage else [],
    }
    return render(request, "assessment/vetoes.html", context)


def _withdrawable(user, events) -> set[int]:
    """The events whose "take back" the user is offered: those veto_withdraw would take back for them. The check
    reads the reach of the event's recorder, so it is asked once per organization and recorder, not per event."""
    answers: dict[tuple, bool] = {}
    out = set()
    for event in events:
        if event.withdrawn_at is not None:
            continue
        key = (event.organization_id, event.recorded_by_id)
        if key not in answers:
            answers[key] = allowed(services.veto_withdraw_check, actor=user, obj=event)
        if answers[key]:
            out.add(event.pk)
    return out


@login_required
def run_values(request, pk):
    """Scores entered by hand (with evidence) for 'entered' indicators and bonuses given by hand."""
    run = find_run(request, pk)
    manage = selectors.may_manage(request.user, run)
    indicators = selectors.entered_indicators(run)
    organizations = selectors.assessed_organizations(user=request.user, run=run, action=Action.MANAGE_STRUCTURE)
    form = None
    if request.method == "POST" and request.POST.get("action") == "remove":
        require_manage(request, run)
        value = get_object_or_404(selectors.entered_list(user=request.user, run=run), pk=posted_id(request, "value"))
        if run_service(request, services.entered_value_remove, actor=request.user, value=value) is not REFUSED:
            messages.success(request, _("Value removed. Compute the assessment again to count it out."))
        return redirect("assessment:values", pk=run.pk)
    if manage and indicators:
        form = EnteredValueForm(
            request.POST or None, request.FILES or None, indicators=indicators, organizations=organizations
        )
    if request.method == "POST":
        require_manage(request, run)
        if form is not None and form.is_valid():
            data = form.cleaned_data
            saved = run_service(
                request,
                services.entered_value_set,
                form=form,
                actor=request.user,
                run=run,
                organization=data["organization"],
                indicator=form.indicators[data["indicator"]],
                value=data["value"],
                note=data["note"],
                evidence=data["evidence"],
            )
            if saved is not REFUSED:
                messages.success(request, _("Value saved. Compute the assessment again to count it."))
                return redirect("assessment:values", pk=run.pk)
    context = {
        "run": run,
        "form": form,
        "indicators": indicators,
        "values": selectors.entered_list(user=request.user, run=run)[:500],
        "may_remove": allowed(services.entered_value_check, actor=request.user, obj=run),
        "codes": org_codes(request, run) if manage else [],
    }
    return render(request, "assessment/values.html", context)


@login_required
def value_evidence(request, pk, value_pk):
    """The evidence of a value entered by hand, for those who may see the value; never served as active content."""
    run = find_run(request, pk)
    value = get_object_or_404(selectors.entered_list(user=request.user, run=run), pk=value_pk)
    name = value.evidence.name.rsplit("/", 1)[-1]
    kind, content_type = kind_of(name)
    return serve_upload(value.evidence, content_type, name, attachment=kind != "image")
