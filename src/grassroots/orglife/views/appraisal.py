"""Pages of the democratic appraisal: opening it, a full member's vote, the results, counting and closing."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.errors import Conflict
from grassroots.core.policy import Action, can
from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import AppraisalCloseForm, AppraisalOpenForm, AppraisalVoteForm
from ..models import AppraisalGrade, AppraisalState
from .common import org_or_404, this_year


def _appraisal(request, pk):
    return get_object_or_404(selectors.appraisal_list(user=request.user), pk=pk)


@login_required
@require_POST
def appraisal_open(request, pk):
    org = org_or_404(request, pk, Action.CHANGE)
    form = AppraisalOpenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the year of the appraisal, like %(year)s.") % {"year": this_year()})
        return redirect("orglife:org", pk=org.pk)
    year = form.cleaned_data["year"]
    appraisal = run_service(request, services.appraisal_open, actor=request.user, organization=org, year=year)
    if appraisal is REFUSED:
        return redirect("orglife:org", pk=org.pk)
    messages.success(request, _("The democratic appraisal of %(year)s is open for voting.") % {"year": appraisal.year})
    return redirect("orglife:appraisal", pk=appraisal.pk)


@login_required
def appraisal_detail(request, pk):
    appraisal = _appraisal(request, pk)
    org = appraisal.organization
    voter = selectors.appraisal_voter(user=request.user, appraisal=appraisal)
    closed = appraisal.state == AppraisalState.CLOSED
    results = list(selectors.appraisal_results(appraisal, user=request.user)) if closed else []
    grades = list(selectors.appraisal_results(appraisal).values_list("grade", flat=True)) if closed else []
    summary = [(label, grades.count(g)) for g, label in AppraisalGrade.choices]  # the counts are for everyone
    for result in results:
        result.count_list = [(g, label, result.counts.get(g, 0)) for g, label in AppraisalGrade.choices]
    context = {
        "appraisal": appraisal,
        "organization": org,
        "may_vote": allowed(services.appraisal_vote_check, actor=request.user, appraisal=appraisal),
        "may_close": allowed(services.appraisal_close_check, actor=request.user, appraisal=appraisal),
        "voted": selectors.appraisal_voted(appraisal=appraisal, voter=voter) if voter else {},
        "voters": selectors.appraisal_voter_count(appraisal),
        "full_members": selectors.appraisal_full_members(appraisal).count(),
        "results": results,
        "summary": summary,
        "show_follow_up": can(request.user, Action.VIEW_PERSONAL, org),
    }
    return render(request, "orglife/appraisal.html", context)


@login_required
def appraisal_vote(request, pk):
    """A full member rates every full member, themselves included: four big buttons a member."""
    appraisal = _appraisal(request, pk)
    voter = services.appraisal_voter_check(actor=request.user, appraisal=appraisal)
    form = AppraisalVoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        votes = form.grades()
        if not votes and not form.errors:
            form.add_error(None, _("Rate at least one member before sending."))
        if not form.errors:
            n = run_service(
                request, services.appraisal_vote, form=form, actor=request.user, appraisal=appraisal, votes=votes
            )
            if n is not REFUSED:
                messages.success(request, _("Thank you: your %(n)d ratings were recorded.") % {"n": n})
                return redirect("orglife:appraisal", pk=appraisal.pk)
    voted = selectors.appraisal_voted(appraisal=appraisal, voter=voter)
    chosen = form.grades() if form.is_bound else {}
    rows = [
        {"member": m, "voted": voted.get(m.pk), "chosen": chosen.get(m.pk, ""), "is_self": m.pk == voter.pk}
        for m in selectors.appraisal_full_members(appraisal)
    ]
    context = {
        "appraisal": appraisal,
        "organization": appraisal.organization,
        "form": form,
        "rows": rows,
        "grades": AppraisalGrade.choices,
        "open_rows": sum(1 for r in rows if not r["voted"]),
        "closed": not allowed(services.appraisal_vote_check, actor=request.user, appraisal=appraisal),
    }
    return render(request, "orglife/appraisal_vote.html", context)


def _close_sheet(request, appraisal, form) -> list[dict]:
    """Each full member's votes and proposed grade, with what the secretary chose when the form came back."""
    sheet = selectors.appraisal_sheet(appraisal)
    for row in sheet:
        pk = row["member"].pk
        row["grade"] = (request.POST.get(f"grade-{pk}") or "") if form.is_bound else row["proposed"]
        row["follow_up"] = request.POST.get(f"follow-{pk}", "") if form.is_bound else ""
        row["proposed_label"] = AppraisalGrade(row["proposed"]).label
        row["count_list"] = [(g, AppraisalGrade(g).label, n) for g, n in row["counts"]]
    return sheet


@login_required
def appraisal_close(request, pk):
    """The secretary sees the votes, decides each grade (excellent for at most a third) and closes the appraisal."""
    appraisal = _appraisal(request, pk)
    try:
        services.appraisal_close_check(actor=request.user, appraisal=appraisal)
    except Conflict as exc:
        messages.info(request, str(exc.message))
        return redirect("orglife:appraisal", pk=appraisal.pk)
    form = AppraisalCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decisions = form.decisions()
        if not form.errors:
            results = run_service(
                request,
                services.appraisal_close,
                form=form,
                actor=request.user,
                appraisal=appraisal,
                decisions=decisions,
            )
            if results is not REFUSED:
                messages.success(request, _("The appraisal is closed and its results are recorded."))
                return redirect("orglife:appraisal", pk=appraisal.pk)
    sheet = _close_sheet(request, appraisal, form)
    context = {
        "appraisal": appraisal,
        "organization": appraisal.organization,
        "form": form,
        "sheet": sheet,
        "grades": AppraisalGrade.choices,
        "quota": int(len(sheet) * float(appraisal.excellent_share)),
        "share": round(float(appraisal.excellent_share) * 100),
        "voters": selectors.appraisal_voter_count(appraisal),
    }
    return render(request, "orglife/appraisal_close.html", context)
