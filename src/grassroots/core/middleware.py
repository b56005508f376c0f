"""Request-scoped context: a request id and the acting user, for the audit trail."""

import re

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.utils import translation

from .context import acting

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else None
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with acting(actor, request_id):
            response = self.get_response(request)
        return response


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's preference."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language in self.languages:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class InvalidInputMiddleware:
    """Input the database refuses outright (a NUL byte, say) gets a clear 400 in the user's language, not a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import DataError
        from django.http import HttpResponseBadRequest

        from .errors import INVALID_INPUT

        if isinstance(exception, DataError):
            return HttpResponseBadRequest(str(INVALID_INPUT), content_type="text/plain; charset=utf-8")
        return None


class TextGZipMiddleware(GZipMiddleware):
    """Gzip what compresses (pages, CSS, scripts, JSON, SVG) for slow phones; evidence files, spreadsheets and
    photos pass as they are (already compressed, and large: compressing them would only cost the server)."""

    COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")

    def process_response(self, request, response):
        kind = response.get("Content-Type", "")
        if not kind.startswith(self.COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
