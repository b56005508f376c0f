"""The organization's organizational life on one page: what is due and missing, and what each topic needs next."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from grassroots.core.policy import Action, can
from grassroots.core.web import allowed

from .. import selectors, services
from ..forms import AppraisalOpenForm
from .common import RECENT_SHOWN, org_or_404, period_choices, period_of


@login_required
def org_life(request, pk):
    """What is due and missing, recent and planned meetings, study, points, appraisal, care and talks."""
    org = org_or_404(request, pk)
    user = request.user
    code, period = period_of(request)
    year = period.start.year
    today = timezone.localdate()
    can_change = can(user, Action.CHANGE, org)
    reads_records = can(user, Action.VIEW_RECORD, org)  # members' points and talks: the roles', not a colleague's
    study = selectors.study_progress(organization=org, period=period, today=today, user=request.user)
    appraisal = selectors.appraisal_of(organization=org, year=year)
    context = {
        "organization": org,
        "period": period,
        "period_code": code,
        "periods": period_choices(code),
        "year": year,
        "status": selectors.meeting_status(organization=org, period=period, today=today),
        "planned": list(selectors.meetings_planned(user=user, organization=org, today=today)[:RECENT_SHOWN]),
        "recent": list(selectors.meetings_held(user=user, organization=org)[:RECENT_SHOWN]),
        "study": study,
        "study_behind": [row for row in study if row["behind"]],
        "ranking": selectors.points_ranking(organization=org, year=year) if reads_records else [],
        "appraisal": appraisal,
        "voters": selectors.appraisal_voter_count(appraisal) if appraisal else 0,
        "alerts": selectors.care_alerts(user=user, organization=org, today=today),
        "talks_missing": list(selectors.talks_missing(organization=org, year=year)) if reads_records else [],
        "can_change": can_change,
        "pending_count": selectors.study_pending(user=user, organization=org).count() if can_change else 0,
        "may_vote": bool(appraisal) and allowed(services.appraisal_vote_check, actor=user, appraisal=appraisal),
        "may_close": bool(appraisal) and allowed(services.appraisal_close_check, actor=user, appraisal=appraisal),
        "open_form": AppraisalOpenForm(initial={"year": year}),
    }
    return render(request, "orglife/org.html", context)
