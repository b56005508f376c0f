"""Request-scoped context: a request id and the acting user, for the audit trail."""

import re

from django.conf import settings
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
