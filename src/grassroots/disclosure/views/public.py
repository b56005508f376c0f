"""The public site: no login, the same for everyone, readable without JavaScript, cached by browsers and proxies.

Every read is a `public_*` selector (the policy's VIEW_PUBLIC, the public role every subject holds). Each page has an
ETag from when anything it may show last changed (one query), so a revisit is answered 304 without rendering; the
language switch is a plain link (a cookie), so that no page carries a CSRF token and each can be cached."""

import hashlib
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from .. import selectors
from ..models import Item

MAX_AGE = 300  # seconds a browser or proxy keeps a public page before asking again (then answered 304 if unchanged)
SECTIONS = {item.value: item for item in Item}


def _etag(request, code=None, **kwargs):
    language = translation.get_language() or ""
    if code is None:  # the index: the organizations found
        stamp = request.GET.get("q", "") + selectors.public_tree_stamp()
    else:
        organization = selectors.public_organization(user=request.user, code=code)
        if organization is None:
            return None
        stamp = selectors.public_stamp(organization=organization)
    raw = "|".join((request.path, language, stamp))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def public_page(view):
    """A public page: GET or HEAD only, cacheable, varying by language, answered 304 when nothing changed."""

    @require_safe
    @vary_on_headers("Accept-Language", "Cookie")
    @cache_control(public=True, max_age=MAX_AGE)
    @condition(etag_func=_etag)
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return view(request, *args, **kwargs)

    return wrapped


def _organization(request, code):
    organization = selectors.public_organization(user=request.user, code=code)
    if organization is None:
        raise Http404
    return organization


@public_page
def index(request):
    """Find an organization's public site: by name or code, or down the tree from the top."""
    query = request.GET.get("q", "").strip()[:100]
    if query:
        found = list(selectors.public_organizations(user=request.user, query=query)[:51])
    else:
        found = list(selectors.public_roots(user=request.user)[:51])
    return render(
        request, "disclosure/public/index.html", {"query": query, "found": found[:50], "more": len(found) > 50}
    )


@public_page
def organization(request, code):
    """An organization's public site: each item it publishes, the latest rows of each."""
    org = _organization(request, code)
    page = selectors.public_page(user=request.user, organization=org)
    return render(request, "disclosure/public/organization.html", {"org": org, "page": page, "Item": Item})


@public_page
def section(request, code, item):
    """One item of an organization's public site, in full."""
    org = _organization(request, code)
    if item not in SECTIONS or item == Item.MINUTES:
        raise Http404
    page = selectors.public_page(user=request.user, organization=org, only=item, limit=None)
    if not page.standings[item].is_public:
        raise Http404
    return render(
        request, "disclosure/public/section.html", {"org": org, "page": page, "Item": Item, "item": SECTIONS[item]}
    )


@public_page
def minutes(request, code, pk):
    """A meeting's minutes, where they are public."""
    org = _organization(request, code)
    meeting = selectors.public_minutes(user=request.user, organization=org, pk=pk)
    if meeting is None:
        raise Http404
    return render(request, "disclosure/public/minutes.html", {"org": org, "meeting": meeting})


@public_page
def notice(request, code, pk):
    """A notice posted to the public site."""
    org = _organization(request, code)
    item = selectors.public_notice(user=request.user, organization=org, pk=pk)
    if item is None:
        raise Http404
    return render(request, "disclosure/public/notice.html", {"org": org, "notice": item})


@require_safe
def language(request, language):
    """Switch the language of the public site (a link, so that the pages carry no form): a cookie, then back. A
    signed-in user's own language (their setting, for the rest of the site) is left as it is: a link is no place to
    change a setting, and the public pages follow the cookie (core.middleware.UserLanguageMiddleware)."""
    next_url = request.GET.get("next") or reverse("disclosure:public_index")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("disclosure:public_index")
    response = HttpResponseRedirect(next_url)
    if language in dict(settings.LANGUAGES):
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 24 * 3600, samesite="Lax")
    response["Cache-Control"] = "no-store"
    return response
