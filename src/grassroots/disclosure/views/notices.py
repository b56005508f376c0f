"""Notices: those a user reads (unread first marked), one notice (marked read by its button; its read receipts per
branch for those who post), posting one, withdrawing it."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from grassroots.core.web import REFUSED, allowed, run_service

from .. import selectors, services
from ..forms import NoticeForm


@login_required
def notice_list(request):
    notices = selectors.notice_list(user=request.user).order_by("-created_at", "-pk")
    page = Paginator(notices, 30).get_page(request.GET.get("page"))
    read = selectors.read_notice_ids(user=request.user, notices=[n.pk for n in page])
    for n in page:
        n.unread = n.pk not in read and n.posted_by_id != request.user.pk and not n.is_withdrawn
    sites = list(selectors.disclosure_sites(user=request.user)[:21])
    context = {"page": page, "may_post": bool(sites), "sites": sites[:20], "more_sites": len(sites) > 20}
    return render(request, "disclosure/notices.html", context)


def _notice(request, pk):
    notice = selectors.notice_of(user=request.user, pk=pk)
    if notice is None:
        raise Http404
    return notice


@login_required
def notice_detail(request, pk):
    notice = _notice(request, pk)
    receipts = selectors.may_see_receipts(request.user, notice)
    context = {
        "notice": notice,
        "unread": not notice.is_withdrawn and pk not in selectors.read_notice_ids(user=request.user, notices=[pk]),
        "may_withdraw": allowed(services.notice_withdraw_check, actor=request.user, notice=notice),
        "receipts": selectors.notice_receipts(notice) if receipts else None,
        "read_count": selectors.notice_read_count(notice) if receipts else None,
    }
    return render(request, "disclosure/notice.html", context)


@login_required
@require_POST
def notice_step(request, pk, step):
    notice = _notice(request, pk)
    if step == "read":
        run_service(request, services.notice_read, actor=request.user, notice=notice)
        if request.POST.get("next") == "home":  # marked read from the start page: back there
            return redirect("home")
        return redirect("disclosure:notice", notice.pk)
    if step == "withdraw":
        run_service(request, services.notice_withdraw, actor=request.user, notice=notice)
        return redirect("disclosure:notice", notice.pk)
    raise Http404


@login_required
def notice_new(request):
    organizations = selectors.notice_organizations(user=request.user)
    if not organizations.exists():
        raise Http404
    form = NoticeForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        notice = run_service(
            request,
            services.notice_post,
            form=form,
            actor=request.user,
            organization=data["organization"],
            title=data["title"],
            body=data["body"],
            public=data["public"],
        )
        if notice is not REFUSED:
            return redirect("disclosure:notice", notice.pk)
    return render(request, "disclosure/notice_new.html", {"form": form})
