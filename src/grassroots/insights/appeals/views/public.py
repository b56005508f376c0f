"""The public's pages of the appeals: the form on an organization's public page, the page that follows an appeal by
its code (state, answer, the duty's progress) and the rating of its answer. No login; never cached (each carries a
form or a requester's own appeal); readable without JavaScript, on a phone first."""

from functools import wraps

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from grassroots.core.clientip import client_ip
from grassroots.core.web import REFUSED, run_service

from ...models import ANSWER_DAYS
from .. import selectors, services
from ..forms import TRAP, AppealForm, FollowForm, RateForm


def private_page(view):
    """A public page that is nobody else's: never stored by a browser or proxy, its address never sent on."""

    @never_cache
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        # Its address (a follow code in it) is never sent to another site; to this one it is, as the Origin of its
        # forms: with "no-referrer" a browser sends "Origin: null", which the CSRF check refuses.
        response["Referrer-Policy"] = "same-origin"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapped


def _organization(request, code):
    organization = selectors.public_organization(user=request.user, code=code)
    if organization is None:
        raise Http404
    return organization


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def appeal_new(request, code):
    """Put a request or problem to the organization: category, text, an optional phone and photo."""
    org = _organization(request, code)
    form = AppealForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = run_service(
            request,
            services.appeal_submit,
            form=form,
            organization=org,
            kind=data["kind"],
            category=data["category"],
            text=data["text"],
            phone=data["phone"],
            photo=data["photo"],
            client=client_ip(request),
            stamp=data["stamp"],
            trap=data[TRAP],
        )
        if result is not REFUSED:
            appeal, follow = result
            return render(
                request,
                "insights/appeals/public/sent.html",
                {"org": org, "appeal": appeal, "follow": follow, "answer_days": ANSWER_DAYS},
            )
    # Each showing of the form is stamped anew: the time to fill it in runs from here.
    data = form.data.copy() if form.is_bound else None
    if data is not None:
        data["stamp"] = services.form_stamp(organization=org)
        form.data = data
    else:
        form.initial["stamp"] = services.form_stamp(organization=org)
    status = 400 if form.is_bound else 200
    return render(request, "insights/appeals/public/new.html", {"org": org, "form": form}, status=status)


@private_page
@require_http_methods(["GET", "HEAD"])
def follow_find(request, code):
    """Type the follow code given when the appeal was sent."""
    org = _organization(request, code)
    form = FollowForm(request.GET or None)
    status = 200
    if form.is_bound and form.is_valid():
        follow = form.cleaned_data["follow"]
        if not services.follow_allowed(client=client_ip(request)):
            form.add_error(None, _("Too many codes were tried from this connection. Wait ten minutes and try again."))
            status = 429
        elif selectors.public_appeal(user=request.user, organization=org, code=follow) is None:
            form.add_error("follow", _("No appeal to this organization has this code. Check the code and try again."))
            status = 404
        else:
            return redirect("insights:appeal_follow", org.code, "".join(follow.upper().split()))
    return render(request, "insights/appeals/public/find.html", {"org": org, "form": form}, status=status)


def _followed(request, org, follow):
    if not services.follow_allowed(client=client_ip(request)):
        return None, 429
    appeal = selectors.public_appeal(user=request.user, organization=org, code=follow)
    return appeal, (200 if appeal else 404)


def _follow_page(request, org, follow, appeal, status, rate_form=None, message=""):
    if appeal is None:
        form = FollowForm(initial={"follow": follow})
        message = (
            _("Too many codes were tried from this connection. Wait ten minutes and try again.")
            if status == 429
            else _("No appeal to this organization has this code. Check the code and try again.")
        )
        context = {"org": org, "form": form, "message": message}
        return render(request, "insights/appeals/public/find.html", context, status=status)
    context = {
        "org": org,
        "appeal": appeal,
        "follow": follow,
        "assignment": appeal.assignment,
        "rate_form": rate_form or (RateForm() if appeal.may_be_rated() else None),
        "message": message,
    }
    return render(request, "insights/appeals/public/follow.html", context, status=status)


@private_page
@require_http_methods(["GET", "HEAD"])
def follow(request, code, follow):
    """An appeal as its requester follows it: its state, the answer, the duty's progress, and its rating."""
    org = _organization(request, code)
    appeal, status = _followed(request, org, follow)
    return _follow_page(request, org, follow, appeal, status)


@private_page
@require_POST
def rate(request, code, follow):
    """Rate the answer, once."""
    org = _organization(request, code)
    appeal, status = _followed(request, org, follow)
    if appeal is None:
        return _follow_page(request, org, follow, appeal, status)
    form = RateForm(request.POST)
    if form.is_valid():
        done = run_service(
            request,
            services.appeal_rate,
            form=form,
            appeal=appeal,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
        )
        if done is not REFUSED:
            return redirect("insights:appeal_follow", org.code, follow)
    appeal.refresh_from_db()
    if appeal.may_be_rated():
        return _follow_page(request, org, follow, appeal, 400, rate_form=form)
    # Rated meanwhile (or not yet answered): no form to carry the refusal, the page says it.
    message = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _follow_page(request, org, follow, appeal, 400, message=message)
