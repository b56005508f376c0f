"""Shared pages that need no app: language switch, audit trail, notifications, health."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.defaults import page_not_found

from . import selectors
from .audit import readable, verification
from .models import Notification, TextSize
from .notify import mark_read
from .policy import Action, PermissionDenied, can_anywhere


def not_found(request, exception=None):
    """No page at this address: the API answers in JSON as its every other error, the site with its 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def health(request):
    return JsonResponse({"status": "ok"})


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check: the styled page in the user's language, never Django's technical one."""
    return render(request, "403_csrf.html", status=403)


@require_POST
def set_language(request):
    """Switch the interface language; a signed-in user keeps the choice for every later visit."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        translation.activate(language)
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
        if request.user.is_authenticated:
            request.user.language = language
            request.user.save(update_fields=["language"])
    return response


TEXT_SIZE_COOKIE = "grassroots_text_size"


def text_size_of(request) -> str:
    """The text size the reader chose: kept on the account when signed in, in a cookie before."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.text_size
    asked = request.COOKIES.get(TEXT_SIZE_COOKIE, "")
    return asked if asked in TextSize.values else TextSize.STANDARD


@require_POST
def set_text_size(request):
    """Standard, large or extra-large text on every page; a signed-in user keeps the choice on every device."""
    size = request.POST.get("size", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if size in TextSize.values:
        response.set_cookie(TEXT_SIZE_COOKIE, size, max_age=365 * 24 * 3600, samesite="Lax")
        if request.user.is_authenticated:
            request.user.text_size = size
            request.user.save(update_fields=["text_size"])
    return response


@login_required
def audit_trail(request):
    """The audit trail within the user's scope (the auditor's alone), by organization subtree, object, action and
    result, under the verification of the whole hash chain and its time (walked again at most hourly, or when asked
    by POST verify=1)."""
    if not can_anywhere(request.user, Action.VIEW_AUDIT):
        raise PermissionDenied(_("Your role does not include reading the audit trail."))
    filters = {
        "organization": request.GET.get("organization", ""),
        "object_type": request.GET.get("object_type", ""),
        "object_id": request.GET.get("object_id", ""),
        "action": request.GET.get("action", ""),
        "result": request.GET.get("result", ""),
    }
    again = request.method == "POST" and request.POST.get("verify") == "1"
    checked = verification(again=again)
    if again:
        return HttpResponseRedirect(request.get_full_path())
    entries, org = selectors.audit_entries(user=request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    for entry in page:
        entry.shown_before, entry.shown_after = readable(request.user, entry)  # masked as the role reads them
    return render(
        request,
        "core/audit_trail.html",
        {
            "page": page,
            "filters": filters,
            "organization": org,
            "actions": selectors.action_choices(),
            "results": selectors.result_choices(),
            "verification": checked,
        },
    )


@login_required
def notifications(request):
    """The user's notifications, newest first; opening the page marks them read (or one, by POST)."""
    if request.method == "POST":
        mark_read(request.user)
        return HttpResponseRedirect(request.path)
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    response = render(request, "core/notifications.html", {"page": page})
    mark_read(request.user, ids=[n.pk for n in page])
    return response


@login_required
def job(request, pk):
    """A long action's page: its stage and progress, read again every second while it runs; then its result."""
    from django.http import Http404

    from .jobs import interrupted, job_of

    found = job_of(user=request.user, pk=pk)
    if found is None:
        raise Http404
    context = {"job": found, "interrupted": interrupted(found), "running": found.state == "running"}
    context["running"] = context["running"] and not context["interrupted"]
    template = "core/_job.html" if request.headers.get("HX-Request") else "core/job.html"
    return render(request, template, context)
