"""Settings of Grassroots: one base, every deployment value from the environment (see .env.example)."""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from grassroots.config.storage import storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent  # src/grassroots
PROJECT_DIR = BASE_DIR.parent.parent  # the checkout
VAR_DIR = Path(os.environ.get("GRASSROOTS_VAR_DIR", PROJECT_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_bool("GRASSROOTS_PRODUCTION")
# Django's debug pages list every URL pattern and setting: only on request (GRASSROOTS_DEBUG=1), never in production.
DEBUG = env_bool("GRASSROOTS_DEBUG") and not PRODUCTION
# A demo deployment lists its demo accounts on the login page; a production one never does.
DEMO_MODE = env_bool("GRASSROOTS_DEMO") and not PRODUCTION

if PRODUCTION:
    SECRET_KEY = os.environ["GRASSROOTS_SECRET_KEY"]
else:
    SECRET_KEY = os.environ.get("GRASSROOTS_SECRET_KEY", "development-only-key-not-for-production-use-0123456789")

ALLOWED_HOSTS = [h for h in os.environ.get("GRASSROOTS_ALLOWED_HOSTS", "").split(",") if h] or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GRASSROOTS_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "grassroots.core",
    "grassroots.organizations",
    "grassroots.duties",
    "grassroots.orglife",
    "grassroots.assessment",
    "grassroots.accountability",
    "grassroots.reports",
    "grassroots.disclosure",
    "grassroots.insights",
    "grassroots.site",
    "grassroots.distributed",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages, CSS and scripts travel gzipped to slow phones (Django pads each response against BREACH); in
    # production WhiteNoise serves the static files compressed at collectstatic and this leaves them alone.
    "grassroots.core.middleware.TextGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "grassroots.core.middleware.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "grassroots.core.middleware.TwoFactorMiddleware",
    "grassroots.core.middleware.PasswordAgeMiddleware",
    "grassroots.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "grassroots.core.middleware.RequestContextMiddleware",
    "grassroots.core.middleware.InvalidInputMiddleware",
    # The database out of reach mid-request: 503 in the user's language (and core.outage.server_error before the view).
    "grassroots.core.outage.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "grassroots.config.urls"
WSGI_APPLICATION = "grassroots.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "grassroots.core.context_processors.grassroots",
                "grassroots.accountability.context_processors.pursuit",
                "grassroots.reports.context_processors.reports",
                "grassroots.insights.diagnosis.context_processors.diagnosis",
                "grassroots.insights.formalism.context_processors.formalism",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'grassroots.sqlite3'}"),
        # In production a worker thread keeps its connection for a minute instead of opening one per request.
        conn_max_age=int(os.environ.get("GRASSROOTS_CONN_MAX_AGE", "60" if PRODUCTION else "0")),
        # A kept connection the server dropped (restart, failover) is found at the next request and made anew.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets readers work while one writer writes; IMMEDIATE avoids "database is locked" on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# "fragments": rendered pieces of pages kept under keys made of what they show (my work's rows), apart from the
# default cache so that their number never pushes out what the default keeps (throttles, kept counts).
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "fragments",
        "OPTIONS": {"MAX_ENTRIES": int(os.environ.get("GRASSROOTS_FRAGMENTS_KEPT", "20000"))},
    },
}

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "grassroots.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "grassroots.core.passwords.CharacterKindsValidator", "OPTIONS": {"min_kinds": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "grassroots.core.passwords.PasswordHistoryValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login lockout: five failures for one user name from one address lock it for an hour.
AXES_FAILURE_LIMIT = int(os.environ.get("GRASSROOTS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Behind a reverse proxy: the proxies' addresses, and the header in which they name the client (core.clientip).
GRASSROOTS_TRUSTED_PROXIES = [
    a.strip() for a in os.environ.get("GRASSROOTS_TRUSTED_PROXIES", "").split(",") if a.strip()
]
GRASSROOTS_CLIENT_IP_HEADER = os.environ.get("GRASSROOTS_CLIENT_IP_HEADER", "HTTP_X_FORWARDED_FOR")
AXES_CLIENT_IP_CALLABLE = "grassroots.core.clientip.client_ip"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("GRASSROOTS_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("GRASSROOTS_MEDIA_ROOT", VAR_DIR / "media"))
WHITENOISE_USE_FINDERS = not PRODUCTION
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Evidence and meeting files on local disk or in an S3-compatible store (config/storage.py; .env.example).
STORAGES = storages_from_env(os.environ, production=PRODUCTION)

EMAIL_BACKEND = os.environ.get("GRASSROOTS_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("GRASSROOTS_FROM_EMAIL", "grassroots@localhost")
# The file backend's folder (GRASSROOTS_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend), and SMTP's.
EMAIL_FILE_PATH = os.environ.get("GRASSROOTS_EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_HOST = os.environ.get("GRASSROOTS_EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("GRASSROOTS_EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("GRASSROOTS_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("GRASSROOTS_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("GRASSROOTS_EMAIL_TLS")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "grassroots.core.api_auth.SessionAuthentication",  # both answer in the caller's language
        "grassroots.core.api_auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "grassroots.core.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grassroots API",
    "DESCRIPTION": "Organizations, members, posts and grants of Grassroots; every call is scoped by the "
    "same permission policy as the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],  # the schema and docs for signed-in users
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A choice set used by several serializers gets one name of its own (not Status6e1Enum).
    "ENUM_NAME_OVERRIDES": {"MemberStatusEnum": "grassroots.organizations.models.MemberStatus"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "grassroots.core.api.document_errors",  # the 400/403/404/409/415 each operation answers
    ],
}

SESSION_COOKIE_HTTPONLY = True
# A sign-in lasts a working day (Django's default is two weeks); GRASSROOTS_SESSION_HOURS sets another length.
SESSION_COOKIE_AGE = int(float(os.environ.get("GRASSROOTS_SESSION_HOURS", "8")) * 3600)
# and ends after this many minutes without a request (0: no idle limit); the login page says so.
GRASSROOTS_SESSION_IDLE_MINUTES = int(os.environ.get("GRASSROOTS_SESSION_IDLE_MINUTES", "30"))
# The start page's counts are kept this many seconds per user (0: counted at every visit); the user's own change
# (any form or API write in their session) counts them again at once, others' changes show within this time.
GRASSROOTS_START_CACHE_SECONDS = int(os.environ.get("GRASSROOTS_START_CACHE_SECONDS", "30"))
# Two-factor authentication (TOTP): anyone may set it up; with GRASSROOTS_REQUIRE_2FA=1 administrators and officers
# must, before anything else, and the login asks them for a code.
GRASSROOTS_REQUIRE_2FA = env_bool("GRASSROOTS_REQUIRE_2FA")
OTP_TOTP_ISSUER = os.environ.get("GRASSROOTS_OTP_ISSUER", "Grassroots")
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "grassroots.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (django-csp): scripts, styles, images and requests from this site only,
# no inline script (style attributes only, for bars and indents), never framed, forms posted here only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("GRASSROOTS_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("GRASSROOTS_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Photos decoded at once in one process (core.uploads.DECODING); more wait their turn.
GRASSROOTS_PHOTO_DECODES = max(1, int(os.environ.get("GRASSROOTS_PHOTO_DECODES", "2")))
GRASSROOTS_IMPORT_MAX_BYTES = int(os.environ.get("GRASSROOTS_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GRASSROOTS_LOG_LEVEL", "WARNING")},
}

# Notifications: links in e-mails and webhooks are made absolute with this base; the webhook is optional.
GRASSROOTS_BASE_URL = os.environ.get("GRASSROOTS_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
GRASSROOTS_WEBHOOK_URL = os.environ.get("GRASSROOTS_WEBHOOK_URL", "")
GRASSROOTS_WEBHOOK_SECRET = os.environ.get("GRASSROOTS_WEBHOOK_SECRET", "")
# The audit chain's key (HMAC-SHA256 or HMAC-SM3: GRASSROOTS_AUDIT_DIGEST below), kept apart from the database's
# credentials; keys of earlier years, comma-separated, verify the entries written under them after a rotation.
GRASSROOTS_AUDIT_KEY = os.environ.get("GRASSROOTS_AUDIT_KEY", "")
GRASSROOTS_AUDIT_OLD_KEYS = [k for k in os.environ.get("GRASSROOTS_AUDIT_OLD_KEYS", "").split(",") if k]

# Writes the policy refused are recorded in the trail (result "refused"), at most this many a minute per user, or per
# client address when anonymous (core.refusals): past it they are answered as before and only logged.
GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE = int(os.environ.get("GRASSROOTS_REFUSALS_AUDITED_PER_MINUTE") or "20")
# Personal data sealed at rest (core.fieldcrypt): `ID:BASE64,...` (32-byte keys; the first seals, all open), the key of
# the search digests, the cipher (aes-gcm, sm4-gcm, sm4-cbc-sm3) and the digest (hmac-sha256, hmac-sm3; by default
# hmac-sm3 with an SM4 cipher). Without keys, development derives them from SECRET_KEY with a warning; production
# refuses to start.
GRASSROOTS_FIELD_KEYS = os.environ.get("GRASSROOTS_FIELD_KEYS", "")
GRASSROOTS_FIELD_INDEX_KEY = os.environ.get("GRASSROOTS_FIELD_INDEX_KEY", "")
GRASSROOTS_FIELD_CIPHER = os.environ.get("GRASSROOTS_FIELD_CIPHER", "aes-gcm")
GRASSROOTS_FIELD_DIGEST = os.environ.get("GRASSROOTS_FIELD_DIGEST", "")
# The signature of each keyed audit entry: HMAC-SHA256 ("sha256"), or HMAC-SM3 ("sm3") where the national algorithms
# are required; by default SM3 when the personal fields are sealed with SM4. Entries keep the algorithm they were
# signed with (their key fingerprint names it): a switch is followed by `grassroots audit seal`, as a new key is.
GRASSROOTS_AUDIT_DIGEST = os.environ.get("GRASSROOTS_AUDIT_DIGEST", "").strip().lower() or (
    "sm3" if GRASSROOTS_FIELD_CIPHER.lower().startswith("sm4") else "sha256"
)
if GRASSROOTS_AUDIT_DIGEST not in ("sha256", "sm3"):
    raise ImproperlyConfigured(f"GRASSROOTS_AUDIT_DIGEST is {GRASSROOTS_AUDIT_DIGEST!r}: it is sha256 or sm3")
# API tokens: stored as HMAC-SHA256 digests under this key (else the secret key), valid for this many days.
GRASSROOTS_TOKEN_KEY = os.environ.get("GRASSROOTS_TOKEN_KEY", "")
GRASSROOTS_TOKEN_DAYS = int(os.environ.get("GRASSROOTS_TOKEN_DAYS", "30"))
# Accounts over time (core.accounts): a password older than this many days must be changed before anything else
# (0: never); an account not signed in for this many days is disabled by `grassroots accounts disable-dormant`
# (0: never). Password-reset links last PASSWORD_RESET_TIMEOUT seconds.
GRASSROOTS_PASSWORD_DAYS = int(os.environ.get("GRASSROOTS_PASSWORD_DAYS") or "0")
# A new password may not be any of the user's last this many (the current one included; 0: no history kept).
GRASSROOTS_PASSWORD_HISTORY = int(os.environ.get("GRASSROOTS_PASSWORD_HISTORY") or "5")
GRASSROOTS_DORMANT_DAYS = int(os.environ.get("GRASSROOTS_DORMANT_DAYS") or "90")
PASSWORD_RESET_TIMEOUT = int(float(os.environ.get("GRASSROOTS_PASSWORD_RESET_HOURS") or "2") * 3600)

# Evidence files: size limit and the days before a due date when an assignment turns yellow.
GRASSROOTS_EVIDENCE_MAX_BYTES = int(os.environ.get("GRASSROOTS_EVIDENCE_MAX_BYTES", str(20 * 1024 * 1024)))
GRASSROOTS_YELLOW_DAYS = int(os.environ.get("GRASSROOTS_YELLOW_DAYS", "3"))
# The CJK TrueType font embedded (subset) in PDF reports: empty means the one the pinned package
# paperang-p2-fonts-cjk ships (WenQuanYi Micro Hei), else Debian's fonts-wqy-microhei.
GRASSROOTS_PDF_FONT = os.environ.get("GRASSROOTS_PDF_FONT", "")
# How often (seconds) a dashboard's data screen asks for its figures again.
GRASSROOTS_SCREEN_SECONDS = int(os.environ.get("GRASSROOTS_SCREEN_SECONDS", "30"))
# An occurrence of a repeating duty (a month of monthly work) enters "my work" this many days before its start.
GRASSROOTS_OCCURRENCE_LEAD_DAYS = int(os.environ.get("GRASSROOTS_OCCURRENCE_LEAD_DAYS", "14"))
# Appeals from the public: the days an organization answers in, appeals taken per client address an hour and per
# organization a day, the fewest seconds a person takes to fill the form, follow codes tried per address in ten minutes.
GRASSROOTS_APPEAL_ANSWER_DAYS = int(os.environ.get("GRASSROOTS_APPEAL_ANSWER_DAYS", "7"))
GRASSROOTS_APPEAL_CLIENT_LIMIT = int(os.environ.get("GRASSROOTS_APPEAL_CLIENT_LIMIT", "5"))
GRASSROOTS_APPEAL_ORGANIZATION_LIMIT = int(os.environ.get("GRASSROOTS_APPEAL_ORGANIZATION_LIMIT", "60"))
GRASSROOTS_APPEAL_MIN_SECONDS = int(os.environ.get("GRASSROOTS_APPEAL_MIN_SECONDS", "4"))
GRASSROOTS_APPEAL_FOLLOW_LIMIT = int(os.environ.get("GRASSROOTS_APPEAL_FOLLOW_LIMIT", "30"))
