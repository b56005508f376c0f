"""The signed-in user's own security settings: API tokens (issued, listed, revoked)."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from . import tokens
from .web import REFUSED, run_service


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
