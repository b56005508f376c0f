"""How the API knows its caller, and speaks their language.

Its own module: REST framework imports the authentication classes while its views load, so this module imports
nothing of the views (core.api does).
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header
from rest_framework import authentication


def _asked_language(header: str) -> str | None:
    """The first language of an Accept-Language header the site speaks, or None."""
    for code, _quality in parse_accept_lang_header(header or ""):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return None


def answer_in_callers_language(request, user) -> None:
    """The API answers (messages, errors, labels) in the language the client asks for with Accept-Language; without
    one it speaks to a signed-in caller in their own language setting, else in the site's default."""
    language = _asked_language(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    if language is None and user is not None and getattr(user, "language", "") in dict(settings.LANGUAGES):
        language = user.language
    if language:
        translation.activate(language)
        request.LANGUAGE_CODE = language


class _InCallersLanguage:
    """Authentication that, once it knows the caller, sets the language of the answer (answer_in_callers_language).

    Token callers are known only here, not to the middleware, so a token client gets its own language too."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None:
            answer_in_callers_language(request._request, found[0])
        return found


class SessionAuthentication(_InCallersLanguage, authentication.SessionAuthentication):
    pass


class _DigestTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, the key checked by its keyed digest (core.tokens): expired, revoked or unknown
    keys are refused with the reason."""

    def authenticate_credentials(self, key):
        from rest_framework.exceptions import AuthenticationFailed

        from .policy import PermissionDenied
        from .tokens import token_authenticate

        try:
            return token_authenticate(key)
        except PermissionDenied as refused:
            raise AuthenticationFailed(refused.message) from None


class TokenAuthentication(_InCallersLanguage, _DigestTokenAuthentication):
    pass
