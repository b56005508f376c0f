"""My work: what is due for the user, by light, and the duties they may claim."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can_anywhere, subject
from grassroots.core.web import REFUSED, allowed, run_service
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..models import (
    AssignmentState,
    ClaimState,
    Light,
    ReportState,
)

DONE_SHOWN = 20


@login_required
def my_work(request):
    """What is due for this user, by light; the open duties they may claim; what waits for them as a manager."""
    user = request.user
    show = request.GET.get("show", "")
    if show in selectors.WORK_SHOWN:  # a start page's count leads here: only those items, nothing done
        items = list(selectors.my_work_shown(user=user, show=show))
    else:
        show = ""
        items = list(selectors.my_work(user=user))
    groups = {Light.RED: [], Light.YELLOW: [], Light.GREEN: [], Light.DONE: []}
    today = timezone.localdate()
    for item in items:
        groups[item.light_code].append(item)
        item.days_left = (item.due_on - today).days
        item.days_late = -item.days_left
        item.may_report = allowed(services.report_submit_check, actor=user, assignment=item)
    returned = [a.pk for a in items if a.state == AssignmentState.RETURNED]
    if returned:
        reasons = {}
        for report in selectors.report_list(user=user).filter(assignment_id__in=returned, state=ReportState.RETURNED):
            reasons.setdefault(report.assignment_id, report.return_reason)
        for item in items:
            item.return_reason = reasons.get(item.pk, "")
    done = groups[Light.DONE][::-1]
    subj = subject(user)
    claims = list(selectors.my_claims(user=user))
    for claim in claims:
        claim.may_withdraw = allowed(services.claim_withdraw_check, actor=user, claim=claim)
    claimed = {c.duty_id for c in claims if c.state == ClaimState.ACTIVE}
    pool = list(selectors.claimable_duties(user=user))
    for duty in pool:
        duty.claimed_by_me = duty.pk in claimed
        duty.may_claim = allowed(services.claim_create_check, actor=user, duty=duty, member=subj.member)
        duty.full = bool(duty.claim_limit) and duty.claim_count >= duty.claim_limit  # says why it cannot be claimed
    is_manager = can_anywhere(user, Action.CHANGE)
    context = {
        "show": show,
        "red": groups[Light.RED],
        "yellow": groups[Light.YELLOW],
        "green": groups[Light.GREEN],
        "done": done[:DONE_SHOWN],
        "done_count": len(done),
        "open_count": len(items) - len(done),
        "several_orgs": len({a.organization_id for a in items}) > 1,
        "pool": pool,
        "claims": claims,
        "member": subj.member,
        "is_manager": is_manager,
        "later_count": selectors.my_work(user=user, later=True).count(),
        "lead_days": settings.GRASSROOTS_OCCURRENCE_LEAD_DAYS,
        "review_count": selectors.review_queue(user=user).count() if is_manager else 0,
        "request_count": selectors.pending_due_date_requests(user=user).count() if is_manager else 0,
        "list_roots": org_selectors.visible_roots(user=user)[:5] if subj.grants or subj.is_superuser else [],
    }
    return render(request, "duties/my_work.html", context)


@login_required
@require_POST
def claim(request, pk):
    duty = get_object_or_404(selectors.claimable_duties(user=request.user), pk=pk)
    made = run_service(
        request,
        services.claim_create,
        actor=request.user,
        duty=duty,
        member=subject(request.user).member,
        note=request.POST.get("note", ""),
    )
    if made is not REFUSED:
        messages.success(request, _("You claimed “%(duty)s”. Thank you for taking it on.") % {"duty": duty.title})
    return redirect("duties:my_work")


@login_required
@require_POST
def claim_withdraw(request, pk):
    claim = get_object_or_404(selectors.my_claims(user=request.user), pk=pk)
    if run_service(request, services.claim_withdraw, actor=request.user, claim=claim) is not REFUSED:
        messages.success(request, _("Your claim was withdrawn."))
    return redirect("duties:my_work")


OVERDUE_PER_PAGE = 50


@login_required
def overdue(request):
    """Receivers late with the duties of the organizations this user manages: whom to chase, the longest late first."""
    user = request.user
    if not can_anywhere(user, Action.CHANGE):
        raise PermissionDenied(_("Only those who issue duties see who is late with them."))
    rows = selectors.overdue_receivers(user=user)
    page = Paginator(rows, OVERDUE_PER_PAGE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    for item in page:
        item.days_late = (today - item.due_on).days
    return render(request, "duties/overdue.html", {"page": page})
