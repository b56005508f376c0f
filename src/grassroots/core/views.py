"""Shared pages: home per role, language switch, audit trail, health."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .policy import Action, can_anywhere, subject


def health(request):
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    """What this user does first, by the roles they hold."""
    user = request.user
    subj = subject(user)
    from grassroots.assessment.selectors import ratings_to_give
    from grassroots.organizations.selectors import transfers_awaiting, visible_roots

    context = {
        "roles": sorted(subj.roles()) + (["admin"] if subj.is_superuser else []),
        "roots": visible_roots(user=user)[:20],
        "member": subj.member,
        "can_audit": can_anywhere(user, Action.VIEW_AUDIT),
        "can_import": can_anywhere(user, Action.IMPORT),
        "can_manage": can_anywhere(user, Action.CHANGE),
        "awaiting": transfers_awaiting(user=user)[:10] if can_anywhere(user, Action.CHANGE) else [],
        "to_rate": sum(row["count"] - row["done"] for row in ratings_to_give(user=user)),
    }
    return render(request, "core/home.html", context)


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


@login_required
def audit_trail(request):
    """The audit trail within the user's scope, by organization subtree and by object."""
    if not can_anywhere(request.user, Action.VIEW_AUDIT):
        from .policy import PermissionDenied

        raise PermissionDenied(_("Your role does not include reading the audit trail."))
    filters = {
        "organization": request.GET.get("organization", ""),
        "object_type": request.GET.get("object_type", ""),
        "object_id": request.GET.get("object_id", ""),
        "action": request.GET.get("action", ""),
    }
    entries, org = selectors.audit_entries(user=request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_trail.html",
        {"page": page, "filters": filters, "organization": org, "actions": selectors.action_choices()},
    )


class LoginView(auth_views.LoginView):
    """The login page; a demo deployment lists its demo accounts here, a real one never does."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if settings.DEMO_MODE:
            from grassroots import demo

            context["demo_password"] = demo.DEMO_PASSWORD
            context["demo_accounts"] = demo.demo_accounts()
        return context


@login_required
def notifications(request):
    """The user's notifications, newest first; opening the page marks them read (or one, by POST)."""
    from .models import Notification
    from .notify import mark_read

    if request.method == "POST":
        mark_read(request.user)
        return HttpResponseRedirect(request.path)
    items = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(items, 30).get_page(request.GET.get("page"))
    response = render(request, "core/notifications.html", {"page": page})
    mark_read(request.user, ids=[n.pk for n in page])
    return response
