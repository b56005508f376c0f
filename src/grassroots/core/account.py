"""The signed-in user's own security settings: the password (changed here, or set again from an e-mailed link),
where they are signed in, two-factor authentication and API tokens."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from . import accounts, otp, tokens
from .models import SignIn
from .policy import PermissionDenied
from .web import REFUSED, allowed, run_service


class TokenForm(forms.Form):
    name = forms.CharField(label=_("What it is for"), max_length=80, required=False)
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=tokens.MAX_DAYS)


@login_required
def api_tokens(request):
    """The user's API tokens; a new one is shown once, on the answer to the form that issued it."""
    form = TokenForm(request.POST or None, initial={"days": settings.GRASSROOTS_TOKEN_DAYS})
    issued = None
    if request.method == "POST" and form.is_valid():
        result = run_service(
            request,
            tokens.token_issue,
            form=form,
            actor=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        if result is not REFUSED:
            issued = result[1]
            form = TokenForm(initial={"days": settings.GRASSROOTS_TOKEN_DAYS})
    context = {"form": form, "issued": issued, "tokens": tokens.tokens_of(user=request.user)}
    response = render(request, "core/api_tokens.html", context)
    response["Cache-Control"] = "no-store"  # the key on this answer must not stay in a cache
    return response


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(tokens.tokens_of(user=request.user), pk=pk)
    run_service(request, tokens.token_revoke, actor=request.user, token=token)
    return HttpResponseRedirect(reverse("api_tokens"))


# ---------------------------------------------------------------- two-factor authentication


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _no_store(response):
    response["Cache-Control"] = "no-store"  # keys and recovery codes on this answer must not stay in a cache
    return response


@login_required
def security(request):
    """The user's sign-in security: two-factor authentication and API tokens."""
    user = request.user
    context = {
        "enrolled": otp.is_enrolled(user),
        "required": otp.must_enrol(user),
        "codes_left": otp.recovery_codes_left(user),
        "may_remove": allowed(otp.two_factor_remove_check, actor=user, user=user),
        "form": CodeForm(),
        "token_count": tokens.tokens_of(user=user).filter(revoked_at__isnull=True).count(),
        "password_changed": accounts.password_changed_on(user),
        "password_expires": accounts.password_expires_at(user),
        "sign_ins": accounts.sign_ins_of(user=user),
        "this_session": request.session.session_key,
    }
    return render(request, "core/security.html", context)


@login_required
@require_POST
def sign_in_end(request, pk: int):
    """End one of one's own sign-ins (another browser or phone), or with pk 0 every one but this."""
    rows = SignIn.objects.filter(user=request.user).exclude(session_key=request.session.session_key)
    chosen = list(rows) if pk == 0 else [get_object_or_404(rows, pk=pk)]
    for row in chosen:
        run_service(request, accounts.sign_in_end, actor=request.user, sign_in=row)
    if chosen:
        messages.success(request, _("The sign-ins you ended are signed out."))
    return HttpResponseRedirect(reverse("security") + "#sign-ins")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Change one's password (the current one asked first); the other sign-ins end, this one stays, it is audited.
    A password past its age is sent here before anything else."""

    template_name = "registration/password_change_form.html"

    def get_success_url(self):
        return reverse("security")

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.audit_password_change(user=form.user, how="change")
        messages.success(self.request, _("Your password is changed. Your other sign-ins are ended."))
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["expired"] = accounts.password_expired(self.request.user)
        context["given"] = getattr(self.request.user, "password_given", False)
        context["days"] = settings.GRASSROOTS_PASSWORD_DAYS
        return context


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a link to set the password again, by e-mail; the answer is the same whether the address is known or
    not (nobody learns from it who has an account)."""

    email_template_name = "registration/password_reset_email.txt"

    @property
    def extra_email_context(self):
        return {"base_url": settings.GRASSROOTS_BASE_URL}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.audit_password_change(user=form.user, how="reset")
        return response


@login_required
def two_factor(request):
    """Set up two-factor authentication: start (a new key), scan the QR code or type the key, confirm with a code;
    the recovery codes are then shown once."""
    user = request.user
    if otp.is_enrolled(user):
        return HttpResponseRedirect(reverse("security"))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "start":
        run_service(request, otp.two_factor_start, actor=user)
        return HttpResponseRedirect(reverse("two_factor"))
    if request.method == "POST" and form.is_valid():
        result = run_service(request, otp.two_factor_confirm, form=form, actor=user, code=form.cleaned_data["code"])
        if result is not REFUSED:
            device, codes = result
            otp_login(request, device)  # this sign-in is verified by the code just given
            return _no_store(render(request, "core/recovery_codes.html", {"codes": codes, "new": True}))
    device = otp.pending_device(user)
    context = {
        "device": device,
        "form": form,
        "required": request.GET.get("required") == "1" or otp.must_enrol(user),
        "qr": otp.qr_svg(device) if device else "",
        "key": otp.manual_key(device) if device else "",
    }
    return _no_store(render(request, "core/two_factor.html", context))


@login_required
@require_POST
def two_factor_recovery(request):
    codes = run_service(request, otp.two_factor_recovery_codes, actor=request.user)
    if codes is REFUSED:
        return HttpResponseRedirect(reverse("security"))
    return _no_store(render(request, "core/recovery_codes.html", {"codes": codes, "new": False}))


@login_required
@require_POST
def two_factor_remove(request):
    """Turn two-factor authentication off: a current code (or a recovery code) proves the phone is in hand."""
    form = CodeForm(request.POST)
    device = None
    if form.is_valid():
        try:
            device = otp.check_code(request=request, user=request.user, code=form.cleaned_data["code"])
        except PermissionDenied as refused:
            messages.error(request, refused.message)
            return HttpResponseRedirect(reverse("security"))
    if device is None:
        messages.error(request, _("This code is not right; two-factor authentication stays on."))
    elif run_service(request, otp.two_factor_remove, actor=request.user, user=request.user) is not REFUSED:
        messages.success(request, _("Two-factor authentication is off."))
    return HttpResponseRedirect(reverse("security"))
