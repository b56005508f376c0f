"""The site as `make load` serves it: Grassroots' own URLs, and beside them one bare view (the stack's limit).

The bare view answers a few bytes through the same server, middleware and settings, reading nothing: the requests/s
it reaches is what the stack itself allows, against which the deadline day is measured.
"""

from django.http import HttpResponse
from django.urls import path

from grassroots.config.urls import handler404  # noqa: F401
from grassroots.config.urls import urlpatterns as site_patterns


def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bare/", bare), *site_patterns]
