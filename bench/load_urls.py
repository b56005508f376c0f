"""The site as `make load` serves it: Grassroots' own URLs, and beside them one bare view (the stack's limit).

The bare view answers a few bytes through the same server, middleware and settings, reading nothing: the requests/s
it reaches is what the stack itself allows, against which the deadline day is measured. The signed-in bare view
answers the same bytes to a signed-in session (its session and user read from the database, as every page does).
"""

from django.http import HttpResponse
from django.urls import path

from grassroots.config.urls import handler404, handler500  # noqa: F401 - the site's error answers
from grassroots.config.urls import urlpatterns as site_patterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


def bare_signed_in(request):
    """The same few bytes for a signed-in user: the session and the user read, as every page of the site reads them."""
    if not request.user.is_authenticated:
        return HttpResponse(b"signed out", status=403, content_type="text/plain")
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bare/", bare), path("bare/signed-in/", bare_signed_in), *site_patterns]
