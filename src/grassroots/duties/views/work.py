"""My work: what is due for the user, by light, and the duties they may claim."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from grassroots.core.policy import Action, PermissionDenied, can_anywhere, subject
from grassroots.core.web import REFUSED, address_of, allowed, run_service
from grassroots.organizations import selectors as org_selectors

from .. import selectors, services
from ..models import (
    AssignmentState,
    ClaimState,
    Light,
    ReportState,
)

DONE_SHOWN = 20
ROW_TEMPLATE = "duties/_work_item.html"
ROW_SECONDS = 3600


def work_row(item, *, several_orgs: bool) -> dict:
    """All that one item of my work shows, and nothing else: its rendered row is kept under a key made of these."""
    return {
        "url": item.url,
        "title": item.duty.title,
        "light": item.light_code,
        "state": item.state,
        "state_label": str(item.get_state_display()),
        "due": item.due_on.isoformat(),
        "days_left": item.days_left,
        "days_late": item.days_late,
        "own": item.duty.organization_id == item.organization_id,
        "issuer": item.duty.organization.display_name,
        "organization": item.organization.display_name if several_orgs else "",
        "responsible": item.responsible.name if item.responsible_id else "",
        "return_reason": getattr(item, "return_reason", ""),
        "percent": item.percent,
        "report_url": getattr(item, "report_url", ""),
    }


def _row_version() -> str:
    """The row template's own digest: a changed template never meets rows kept from the one before (read at each
    page, as the template loader has it: the development server reloads an edited template without a restart)."""
    return hashlib.sha256(get_template(ROW_TEMPLATE).template.source.encode()).hexdigest()[:12]


def render_rows(items, *, several_orgs: bool) -> None:
    """Set each item's `row_html`: rows whose shown values were met before come from the cache, the others are
    rendered and kept (the "fragments" cache). Rendering a row is about 1,800 Python calls (its translations, its bar); most rows of a
    secretary's page are the same at each visit, only the one just reported on changes."""
    prefix = f"work-row:{_row_version()}:{get_language()}:"
    keyed = {}
    for item in items:
        row = work_row(item, several_orgs=several_orgs)
        key = prefix + hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()
        keyed[key] = (item, row)
    fragments = caches["fragments"]
    kept = fragments.get_many(keyed)
    made = {}
    for key, (item, row) in keyed.items():
        html = kept.get(key)
        if html is None:
            html = made[key] = render_to_string(ROW_TEMPLATE, {"row": row})
        item.row_html = mark_safe(html)  # rendered from our own template, its values escaped there
    if made:
        fragments.set_many(made, ROW_SECONDS)


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
    opened, reported = address_of("duties:assignment"), address_of("duties:report")
    back = f"?next={reverse('duties:my_work')}"
    for item in items:
        groups[item.light_code].append(item)
        item.days_left = (item.due_on - today).days
        item.days_late = -item.days_left
        item.url = opened(item.pk)
        if allowed(services.report_submit_check, actor=user, assignment=item):
            item.report_url = reported(item.pk) + back
    returned = [a.pk for a in items if a.state == AssignmentState.RETURNED]
    if returned:
        reasons = {}
        for report in selectors.report_list(user=user).filter(assignment_id__in=returned, state=ReportState.RETURNED):
            reasons.setdefault(report.assignment_id, report.return_reason)
        for item in items:
            item.return_reason = reasons.get(item.pk, "")
    done = groups[Light.DONE][::-1]
    several_orgs = len({a.organization_id for a in items}) > 1
    render_rows(
        [*groups[Light.RED], *groups[Light.YELLOW], *groups[Light.GREEN], *done[:DONE_SHOWN]], several_orgs=several_orgs
    )
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
