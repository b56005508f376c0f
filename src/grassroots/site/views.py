"""Pages that compose the apps: the start page by the user's roles, and the login page."""

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_otp import login as otp_login

from grassroots.accountability.selectors import cases_concerning
from grassroots.core import accounts, otp
from grassroots.core.account import CodeForm
from grassroots.core.policy import Action, PermissionDenied, can_anywhere, subject
from grassroots.disclosure.selectors import unread_notices
from grassroots.organizations.selectors import granted_organizations, organization_list, transfers_awaiting

from . import completeness
from .exports import gaps_xlsx
from .forms import GapFilterForm
from .start import start_kept

GAPS_PER_PAGE = 50


@login_required
def home(request):
    """What this user has to do now, counted, by the roles they hold; the setup steps while setup is not done."""
    user = request.user
    subj = subject(user)
    start, reviews, counted_at = start_kept(request)
    context = {
        "start": start,
        "counted_at": counted_at,
        "roles": sorted(subj.roles() | ({"admin"} if subj.is_superuser else set())),
        "roots": granted_organizations(user=user),
        "member": subj.member,
        "can_audit": can_anywhere(user, Action.VIEW_AUDIT),
        "can_import": can_anywhere(user, Action.IMPORT),
        "can_manage": can_anywhere(user, Action.CHANGE),
        "awaiting": transfers_awaiting(user=user)[:10] if can_anywhere(user, Action.CHANGE) else [],
        "my_cases": list(cases_concerning(user=user)[:5]),
        "reviews": reviews,
        "unread_notices": list(unread_notices(user)[:5]),
    }
    return render(request, "site/home.html", context)


def _gap_filter(request) -> tuple:
    """The filter of the gaps from the query string: the form, its kind and subtree, and whether it is right."""
    user = request.user
    if not completeness.may_read(user):
        raise PermissionDenied(_("Only those who keep members' records see what is missing from them."))
    form = GapFilterForm(request.GET or None, organizations=organization_list(user=user, action=completeness.READ))
    if form.is_bound and not form.is_valid():
        return form, "", None, False
    data = form.cleaned_data if form.is_bound else {}
    return form, data.get("kind") or "", data.get("under"), True


@login_required
def completeness_page(request):
    """What each organization's records lack, for the organization department to chase, each with the page
    that fixes it; filtered by kind of gap and subtree."""
    form, kind, under, valid = _gap_filter(request)
    gaps = completeness.gaps(user=request.user, kind=kind, under=under) if valid else []
    context = {
        "form": form,
        "page": Paginator(gaps, GAPS_PER_PAGE).get_page(request.GET.get("page")),
        "counts": completeness.gap_counts(user=request.user, under=under) if valid else None,
        "kinds": completeness.KINDS,
        "may_export": can_anywhere(request.user, Action.EXPORT),
    }
    return render(request, "site/completeness.html", context)


@login_required
def completeness_export(request):
    """The gaps the page lists, as .xlsx."""
    form, kind, under, valid = _gap_filter(request)
    if not can_anywhere(request.user, Action.EXPORT):
        raise PermissionDenied(_("You may not export data."))
    if not valid:
        return completeness_page(request)
    gaps = completeness.gaps(user=request.user, kind=kind, under=under)
    return gaps_xlsx(user=request.user, gaps=gaps, kind=kind, under=under)


PENDING = "grassroots_login_pending"  # the user whose password was right, waiting for their second factor
PENDING_SECONDS = 300


class LoginView(auth_views.LoginView):
    """The login page; a demo deployment lists its demo accounts here, a real one never does. A user with two-factor
    authentication gives a code next (login_code) before being signed in."""

    def form_valid(self, form):
        user = form.get_user()
        if not otp.is_enrolled(user):
            response = super().form_valid(form)
            accounts.sign_in_audit(request=self.request, user=user, how=accounts.BY_PASSWORD)
            return response
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
            accounts.sign_in_audit(request=request, user=user, how=accounts.BY_PASSWORD_AND_CODE)
            target = pending.get("next") or "/"
            if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
                target = "/"
            return HttpResponseRedirect(target)
        form.add_error("code", _("This code is not right. Type the six digits the app shows now, or a recovery code."))
    return render(request, "registration/login_code.html", {"form": form}, status=200)
