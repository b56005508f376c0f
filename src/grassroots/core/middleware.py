"""Request-scoped context: a request id and the acting user, for the audit trail."""

import logging
import re
import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import UpdateError
from django.db import DatabaseError
from django.http import HttpResponseRedirect
from django.middleware.gzip import GZipMiddleware
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode

from . import refusals
from .accounts import SIGN_OUT_REASON
from .context import acting, answering, current_request_id, incoming_request_id, run_after, written

log = logging.getLogger(__name__)


WRITE_STAMP = "grassroots_wrote"  # a cookie: when the user last wrote each kind of record (figures kept for them lapse)
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
EVERYTHING = "*"  # a write whose records are not known (nothing audited): every figure kept lapses
_LABEL = re.compile(r"^(\*|[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*)$")
_STAMPS_KEPT = 1800  # characters: beyond, the stamps fold into one for everything (a cookie stays small)


def write_stamps(request) -> dict[str, int]:
    """When the signed-in user last wrote each kind of record (`app_label.model`, or "*" for a write that named
    none) from this browser. Kept in a cookie, not the session: saving the session after every write would wait
    for, and on SQLite fail behind, a write that goes on beside the request (a job). A forged value only misses the
    user's own kept figures."""
    value = request.COOKIES.get(WRITE_STAMP, "")
    if value.isascii() and value.isdigit() and len(value) <= 20:  # one stamp for everything (as first written)
        return {EVERYTHING: int(value)}
    stamps = {}
    for part in value.split("|") if len(value) <= _STAMPS_KEPT else ():
        label, _sep, at = part.partition("~")
        if _LABEL.match(label) and at.isascii() and at.isdigit() and len(at) <= 20:  # "²" is no digit to int()
            stamps[label] = int(at)
    return stamps


def stamp_after(stamps: dict[str, int], labels, now: int) -> str:
    """The cookie's value once a write of these kinds of records was made at `now` (nanoseconds)."""
    merged = {**stamps, **dict.fromkeys(labels, now)}
    if len(merged) * 40 > _STAMPS_KEPT:
        merged = {EVERYTHING: now}
    everything = merged.get(EVERYTHING, 0)
    # A stamp older than the one for everything says nothing more.
    kept = {label: at for label, at in merged.items() if label == EVERYTHING or at > everything}
    return "|".join(f"{label}~{at}" for label, at in sorted(kept.items()))


def write_stamp(request, reads=(EVERYTHING,)) -> str:
    """When the user last wrote a record of the kinds a figure `reads` ("*": any; an app's label: any of its
    models; `app_label.model`: that one), as part of a key under which the figure is kept ("0": not yet)."""
    return latest_stamp(write_stamps(request), reads)


def latest_stamp(stamps: dict[str, int], reads) -> str:
    """write_stamp from the stamps read once (a page keeping several figures reads the cookie once)."""
    everything = EVERYTHING in reads

    def read(label):
        return everything or label in reads or label.partition(".")[0] in reads

    return str(max((at for label, at in stamps.items() if label == EVERYTHING or read(label)), default=0))


class RequestContextMiddleware:
    """The request id and the acting user for the audit trail; a write the policy refused, recorded once answered
    (core.refusals); and, after a write the user made, the stamps of the kinds of records it wrote (as its audit
    entries name them), which make figures kept for them (the start page's counts) count again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = incoming_request_id(request)
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        with acting(actor, request_id):
            with answering() as later, refusals.watching() as refused:
                response = self.get_response(request)
            labels = written()
            if refused:  # outside the view's transactions, which rolled back; the API authenticates in its view
                refusals.record(request, refused[0], refusals.actor_of(request))
            request_id = current_request_id()
        if later:
            # Done once the server has sent the answer (it calls the response's close(); the test client does too).
            response._resource_closers.append(run_after(later, actor, request_id))
        if (
            request.method not in SAFE_METHODS
            and response.status_code < 400
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated  # not after a sign-out
        ):
            response.set_cookie(
                WRITE_STAMP,
                stamp_after(write_stamps(request), labels or (EVERYTHING,), time.time_ns()),
                max_age=settings.SESSION_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response

    def process_exception(self, request, exception):
        """A refusal of the policy no view caught (Django answers it with the 403 page): noted for the trail."""
        refusals.note(exception)
        return None


class UserLanguageMiddleware:
    """A signed-in user's chosen language wins over the browser's preference; on the public site (/public/), the
    language chosen there (its link sets the language cookie) wins, and the user's own setting stays as it is."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        user = getattr(request, "user", None)
        chosen_here = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) in self.languages
        if chosen_here and request.path_info.startswith("/public/"):
            return self.get_response(request)
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


IDLE_KEY = "grassroots_last_seen"
SIGNED_IN_KEY = "grassroots_signed_in_at"
# How the sign-out's audit entry reads when a limit ended the sign-in (core.accounts.record_sign_out).
SIGN_OUT_RESULTS = {
    "idle": "ended after a time idle",
    "expired": "ended after a working day",
    "code": "ended: the role requires a two-factor code",
}
IDLE_STEP = 60  # seconds: the session records the last request at most once a minute (one write, not one a request)


def start_session_clocks(sender, request, user, **kwargs):
    """At login (user_logged_in): the sign-in's start and its last activity, so that the first pages write nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        now = int(time.time())
        session[SIGNED_IN_KEY] = session[IDLE_KEY] = now


class IdleSessionMiddleware:
    """A sign-in ends after GRASSROOTS_SESSION_IDLE_MINUTES without a request, and GRASSROOTS_SESSION_HOURS after it
    began however busy (the cookie's age alone would be pushed on each time the session is saved); the login page then
    says why. An idle limit of 0 turns it off."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        ended, clocks = self._ended(request.session)
        if ended:
            setattr(request, SIGN_OUT_REASON, SIGN_OUT_RESULTS[ended])
            logout(request)
            if not request.path.startswith("/api/"):
                return self._to_login(request, ended)
            return self.get_response(request)
        response = self.get_response(request)
        if clocks:
            self._wind(request.session, clocks)
        return response

    @staticmethod
    def _ended(session) -> tuple[str, dict]:
        """Why the sign-in ended ("" while it holds), and the clocks to write after the request."""
        now = int(time.time())
        idle = settings.GRASSROOTS_SESSION_IDLE_MINUTES * 60
        signed_in, last = session.get(SIGNED_IN_KEY), session.get(IDLE_KEY)
        if isinstance(signed_in, int) and now - signed_in > settings.SESSION_COOKIE_AGE:
            return "expired", {}
        if idle and isinstance(last, int) and now - last > idle:
            return "idle", {}
        clocks = {}
        if not isinstance(last, int) or now - last >= IDLE_STEP:
            clocks[IDLE_KEY] = now
        if not isinstance(signed_in, int):  # a sign-in from before the clocks were kept: its day starts now
            clocks[SIGNED_IN_KEY] = now
        return "", clocks

    @staticmethod
    def _wind(session, clocks: dict) -> None:
        """Write the clocks. With the request's own changes to the session, they go with them (the session
        middleware saves); alone, they are saved here, and a save the database cannot make now (SQLite's one writer
        busy past its timeout on a deadline day) is skipped, not turned into a failed request: the clock is written
        by a later request, and an idle limit of minutes does not hang on one of them."""
        alone = not session.modified
        session.update(clocks)
        if not alone:
            return
        try:
            session.save()
        except (DatabaseError, UpdateError) as error:  # busy, or the session ended meanwhile (signed out elsewhere)
            log.warning("the session's clock was not written: %s", error)
        session.modified = False

    @staticmethod
    def _to_login(request, reason: str):
        query = {"reason": reason}
        if request.method == "GET":
            query["next"] = request.get_full_path()
        url = f"{reverse('login')}?{urlencode(query)}"
        response = HttpResponseRedirect(url)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = url  # htmx follows it with a whole page, not a fragment
        return response


TWO_FACTOR_OPEN = ("/login/", "/logout/", "/language/", "/account/two-factor/", "/static/", "/health/")


class TwoFactorMiddleware:
    """Where two-factor authentication is required (GRASSROOTS_REQUIRE_2FA), an administrator or officer signed in
    without a verified second factor reaches only the set-up page: one not yet enrolled is sent there, one enrolled
    but not verified in this sign-in (a session from before) signs in again and gives a code."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.GRASSROOTS_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_OPEN)
        ):
            from .otp import is_enrolled, must_enrol

            if must_enrol(user):
                return self._refuse(request, enrolled=is_enrolled(user))
        return self.get_response(request)

    @staticmethod
    def _refuse(request, *, enrolled: bool):
        from django.http import JsonResponse
        from django.utils.translation import gettext as _

        if enrolled:
            setattr(request, SIGN_OUT_REASON, SIGN_OUT_RESULTS["code"])
            logout(request)
            url = f"{reverse('login')}?{urlencode({'next': request.get_full_path()})}"
        else:
            url = f"{reverse('two_factor')}?required=1"
        if request.path.startswith("/api/"):
            message = _("Your role requires two-factor authentication: set it up on the Security page, then sign in.")
            return JsonResponse({"detail": message}, status=403)
        response = HttpResponseRedirect(url)
        if request.headers.get("HX-Request"):
            response["HX-Redirect"] = url
        return response


PASSWORD_AGE_OPEN = (
    "/login/",
    "/logout/",
    "/language/",
    "/account/password/",
    "/password-reset/",
    "/static/",
    "/health/",
)


class PasswordAgeMiddleware:
    """A user whose password is older than GRASSROOTS_PASSWORD_DAYS, or who signed in with a one-time password an
    officer gave, reaches only the page that changes it (the API, used with tokens that expire on their own, answers
    as before)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(PASSWORD_AGE_OPEN)
            and not request.path.startswith("/api/")
        ):
            from .accounts import password_must_change

            if password_must_change(user):
                url = f"{reverse('password_change')}?expired=1"
                response = HttpResponseRedirect(url)
                if request.headers.get("HX-Request"):
                    response["HX-Redirect"] = url
                return response
        return self.get_response(request)


class TextGZipMiddleware(GZipMiddleware):
    """Gzip what compresses (pages, CSS, scripts, JSON, SVG) for slow phones; evidence files, spreadsheets and
    photos pass as they are (already compressed, and large: compressing them would only cost the server)."""

    COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")

    def process_response(self, request, response):
        kind = response.get("Content-Type", "")
        if not kind.startswith(self.COMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
