"""Pages that compose the apps: the start page by the user's roles, and the login page."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from grassroots.accountability.selectors import cases_concerning, review_notice
from grassroots.assessment.selectors import ratings_to_give
from grassroots.core import otp
from grassroots.core.account import CodeForm
from grassroots.core.policy import Action, PermissionDenied, can_anywhere, subject
from grassroots.organizations.selectors import transfers_awaiting, visible_roots


@login_required
def home(request):
    """What this user does first, by the roles they hold."""
    user = request.user
    subj = subject(user)
    context = {
        "roles": sorted(subj.roles()) + (["admin"] if subj.is_superuser else []),
        "roots": visible_roots(user=user)[:20],
        "member": subj.member,
        "can_audit": can_anywhere(user, Action.VIEW_AUDIT),
        "can_import": can_anywhere(user, Action.IMPORT),
        "can_manage": can_anywhere(user, Action.CHANGE),
        "awaiting": transfers_awaiting(user=user)[:10] if can_anywhere(user, Action.CHANGE) else [],
        "to_rate": sum(row["count"] - row["done"] for row in ratings_to_give(user=user)),
        "my_cases": list(cases_concerning(user=user)[:5]),
        "reviews": review_notice(user),
    }
    return render(request, "site/home.html", context)


PENDING = "grassroots_login_pending"  # the user whose password was right, waiting for their second factor
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """The login page; a demo deployment lists its demo accounts here, a real one never does. A user with two-factor
    authentication gives a code next (login_code) before being signed in."""

    def form_valid(self, form):
        user = form.get_user()
        if not otp.is_enrolled(user):
            return super().form_valid(form)
        self.request.session[PENDING] = {
            "user": user.pk,
            "backend": user.backend,
            "next": self.get_success_url(),
            "at": int(time.time()),
        }
        return HttpResponseRedirect(reverse("login_code"))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reason = self.request.GET.get("reason")
        context["ended_idle"] = reason == "idle" and settings.GRASSROOTS_SESSION_IDLE_MINUTES
        context["ended_hours"] = reason == "expired" and round(settings.SESSION_COOKIE_AGE / 3600, 1)
        if settings.DEMO_MODE:
            from grassroots import demo

            context["demo_password"] = demo.DEMO_PASSWORD
            context["demo_accounts"] = demo.demo_accounts()
        return context


def login_code(request):
    """The second step of signing in: the code of the user's authenticator app, or one of their recovery codes.
    Wrong codes count towards the same lockout as wrong passwords."""
    pending = request.session.get(PENDING)
    user = None
    if isinstance(pending, dict) and time.time() - pending.get("at", 0) <= PENDING_SECONDS:
        user = get_user_model().objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return HttpResponseRedirect(reverse("login"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = otp.check_code(request=request, user=user, code=form.cleaned_data["code"])
        except PermissionDenied as refused:
            request.session.pop(PENDING, None)
            return render(request, "registration/locked_out.html", {"message": refused.message}, status=429)
        if device is not None:
            request.session.pop(PENDING, None)
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = "/"
            return HttpResponseRedirect(target)
        form.add_error("code", _("This code is not right. Type the six digits the app shows now, or a recovery code."))
    return render(request, "registration/login_code.html", {"form": form}, status=200)
