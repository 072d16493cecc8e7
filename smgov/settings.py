"""smgov settings: one file, configured from environment variables.

Development defaults are safe and need nothing set. With ``SMGOV_ENV=production``
every value that must not have a default (secret key, hosts, database, credential key)
has to be given, or start-up fails with a message naming the variable.
"""

from datetime import timedelta
from email.utils import formataddr
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env, envbool, envint, envlist
from .lib import logging as smgov_logging

BASE_DIR = Path(__file__).resolve().parent.parent
SMGOV_ENV = env("SMGOV_ENV", "development")
if SMGOV_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(f"SMGOV_ENV must be development, test or production, not {SMGOV_ENV!r}")
PRODUCTION = SMGOV_ENV == "production"


def required_in_production(name: str, development_default: str) -> str:
    value = env(name, "")
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set when SMGOV_ENV=production")
    return development_default


SECRET_KEY = required_in_production(
    "SECRET_KEY", "development-only-key-9c1f7e2b6a4d8f3e5c7a9b1d2e4f6a8c0b2d4e6f8a1c3e5"
)
# Django's own check only warns about a weak key; in production smgov refuses to start with one
# (it signs sessions and password-reset links). The same measure as Django's security.W009.
if PRODUCTION and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for production: use at least 50 random characters, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
DEBUG = envbool("DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "" if PRODUCTION else "localhost,127.0.0.1,[::1],testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when SMGOV_ENV=production")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_celery_beat",
    "django_htmx",
    "guardian",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "archive",
    "registry",
    "moderation",
    "harvest",
    "reports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
]

MIDDLEWARE = [
    "smgov.middleware.RequestId",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "accounts.public_page.ServedWhole",  # the public listing for anonymous visitors, before the rest
    "django.contrib.sessions.middleware.SessionMiddleware",
    "smgov.middleware.ChosenLanguage",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "smgov.middleware.PrivatePagesNotStored",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.IdleSignOut",
    "accounts.middleware.SecondFactorRequired",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it turns a refused login into the lockout page
]

ROOT_URLCONF = "smgov.urls"
WSGI_APPLICATION = "smgov.wsgi.application"

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
                "accounts.context_processors.navigation",
            ],
        },
    },
]

# PostgreSQL is the only database: Swedish full-text search, GIN indexes, row locks.
DATABASES = {
    "default": dj_database_url.parse(
        required_in_production(
            "DATABASE_URL", f"postgres://smgov@127.0.0.1:{envint('SMGOV_PG_PORT', 25432)}/smgov"
        ),
        # A new connection pays for loading the Swedish dictionary (seconds): keep connections
        # (-1, the default: for as long as they work; else for so many seconds).
        conn_max_age=None if envint("DATABASE_CONN_MAX_AGE", -1) < 0 else envint("DATABASE_CONN_MAX_AGE", -1),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", f"redis://127.0.0.1:{envint('SMGOV_REDIS_PORT', 26379)}/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", REDIS_URL.rsplit("/", 1)[0] + "/1"),
        "KEY_PREFIX": "smgov",
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked-out name or address is refused before the password is checked
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
GUARDIAN_RAISE_403 = True

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Swedish for everyone; another language only when chosen with the switch in the footer, remembered for a year.
FORMAT_MODULE_PATH = ["smgov.formats"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
USE_I18N = True
TIME_ZONE = "Europe/Stockholm"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / ".var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / ".var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
# Mail after a change is sent by a Celery task (retried while the mail server is down); off, the
# same task runs in-process.
MAIL_QUEUE = envbool("MAIL_QUEUE", True)
# How people are told that something waits for them (a removal or a reply that failed): comma-separated
# channels of smgov/lib/notify.py; "mail" is the one there is.
SMGOV_NOTIFY_CHANNELS = envlist("SMGOV_NOTIFY_CHANNELS", "mail")
# /halsa/ fails when the oldest due harvest has waited longer than this.
HEALTH_HARVEST_DELAY_MINUTES = envint("HEALTH_HARVEST_DELAY_MINUTES", 30)

# Fernet keys for the credential vault, comma separated: the first encrypts, all decrypt,
# so a key can be rotated with `manage.py rotate_credentials_key`.
CREDENTIALS_KEYS = [
    key.strip()
    for key in required_in_production(
        "CREDENTIALS_KEYS", "c21nb3YtZGV2ZWxvcG1lbnQtb25seS1rZXktMzJieXQ="
    ).split(",")
    if key.strip()
]

# The municipality's own links, used in saved replies and on the public page.
MUNICIPALITY_NAME = env("MUNICIPALITY_NAME", "Exempelby kommun")
MUNICIPALITY_WEBSITE = env("MUNICIPALITY_WEBSITE", "https://www.exempelby.se")
# Mail comes from the municipality by name, from an address that can be answered (a check warns of
# one on localhost): SMGOV_MAIL_FROM is the address, DEFAULT_FROM_EMAIL the whole sender if given.
SMGOV_MAIL_FROM = env(
    "SMGOV_MAIL_FROM",
    "sociala-medier@" + (urlsplit(MUNICIPALITY_WEBSITE).hostname or "localhost").removeprefix("www."),
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", formataddr((MUNICIPALITY_NAME, SMGOV_MAIL_FROM)))
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The accessibility statement (tillgänglighetsredogörelse, required by the DOS law): whom to tell about a
# barrier and when the service was last assessed.
ACCESSIBILITY_CONTACT = env("ACCESSIBILITY_CONTACT", "webbredaktionen@exempelby.se")
ACCESSIBILITY_ASSESSED = env("ACCESSIBILITY_ASSESSED", "2026-12-01")
FEEDBACK_FORM_URL = env("FEEDBACK_FORM_URL", "https://www.exempelby.se/synpunkten")

# Integrity anyone can verify: every day and at each e-archive export the head of each account's hash
# chain is timestamped by this RFC 3161 time-stamp authority (empty: off); its tokens are checked
# against the CA certificates in SMGOV_TSA_CA_CERTS (a PEM file), which is required with a TSA.
SMGOV_TSA_URL = env("SMGOV_TSA_URL", "")
SMGOV_TSA_CA_CERTS = env("SMGOV_TSA_CA_CERTS", "")
SMGOV_TSA_TIMEOUT = envint("SMGOV_TSA_TIMEOUT", 20)
SMGOV_TSA_MAX_RETRIES = envint("SMGOV_TSA_MAX_RETRIES", 8)
SMGOV_TSA_RETRY_BACKOFF = envint("SMGOV_TSA_RETRY_BACKOFF", 60)
if SMGOV_TSA_URL and not SMGOV_TSA_CA_CERTS:
    raise ImproperlyConfigured(
        "SMGOV_TSA_CA_CERTS must name the TSA's CA certificates when SMGOV_TSA_URL is set"
    )
# PAdES signatures of the PDFs smgov makes (thread snapshots, disclosure files, year reports): the
# municipality's certificate (PEM, with its chain) and private key (PEM); unset, PDFs are not signed.
SMGOV_SIGNING_CERT = env("SMGOV_SIGNING_CERT", "")
SMGOV_SIGNING_KEY = env("SMGOV_SIGNING_KEY", "")
SMGOV_SIGNING_KEY_PASSPHRASE = env("SMGOV_SIGNING_KEY_PASSPHRASE", "")
if bool(SMGOV_SIGNING_CERT) != bool(SMGOV_SIGNING_KEY):
    raise ImproperlyConfigured("SMGOV_SIGNING_CERT and SMGOV_SIGNING_KEY are set together or not at all")

# Celery: see smgov/celery.py for why these values.
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 25 * 60)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 30 * 60)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_MAX_RETRY_DELAY = 60 * 60
# Longer than the longest retry delay and task time limit: a task is redelivered only
# when its worker is really gone.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3 * 60 * 60}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE
CELERY_IMPORTS = ("smgov.lib.mail",)  # tasks outside the apps' tasks modules

# The REST API (api/): read-only, a token per system user or a person's login, throttled per token.
SMGOV_API_RATE = env("SMGOV_API_RATE", "1200/hour")
SMGOV_API_PUBLIC_RATE = env("SMGOV_API_PUBLIC_RATE", "600/hour")
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.PerTokenThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "smgov REST API",
    "DESCRIPTION": "Read-only: the public accounts (open data), the archive's search and records, the diary's "
    "cases and the statistics, each with the same permissions as the web.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# Content Security Policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 8 * 60 * 60)
if PRODUCTION:
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", True)

# Structured logs (smgov/lib/logging.py): JSON lines in production, readable lines in development,
# each with the request id or the Celery task id, redacted after rendering.
LOG_FORMAT = env("LOG_FORMAT", "json" if PRODUCTION else "console")
if LOG_FORMAT not in {"json", "console"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or console, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"structured": smgov_logging.formatter(json=LOG_FORMAT == "json")},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
smgov_logging.configure()
SENTRY_DSN = env("SENTRY_DSN", "")
if SENTRY_DSN:
    smgov_logging.sentry_init(dsn=SENTRY_DSN, environment=SMGOV_ENV)

# Harvest: how often accounts are read and what is kept (see harvest/services.py).
HARVEST_INTERVAL_MINUTES = envint("HARVEST_INTERVAL_MINUTES", 15)  # an account's normal interval
HARVEST_MIN_INTERVAL_MINUTES = envint("HARVEST_MIN_INTERVAL_MINUTES", 5)  # busy accounts, at most this often
HARVEST_MAX_INTERVAL_MINUTES = envint("HARVEST_MAX_INTERVAL_MINUTES", 60)  # quiet accounts, at least
HARVEST_REPOLL_DAYS = envint("HARVEST_REPOLL_DAYS", 30)  # posts this young are read again for new comments
HARVEST_MAX_MEDIA_BYTES = envint("HARVEST_MAX_MEDIA_BYTES", 50 * 1024 * 1024)  # larger files are skipped
HARVEST_DOWNLOAD_MEDIA = envbool("HARVEST_DOWNLOAD_MEDIA", True)
# Media addresses come from platform content; in production never fetch from the internal network.
HARVEST_MEDIA_ALLOW_PRIVATE_HOSTS = envbool("HARVEST_MEDIA_ALLOW_PRIVATE_HOSTS", not PRODUCTION)
HARVEST_HTTP_TIMEOUT = envint("HARVEST_HTTP_TIMEOUT", 20)
HARVEST_HTTP_RETRIES = envint("HARVEST_HTTP_RETRIES", 3)  # within one attempt, for 5xx and broken connections
# N8: monitoring hits are not public records; they are deleted this many days after they were found.
MONITORING_RETENTION_DAYS = envint("MONITORING_RETENTION_DAYS", 90)
# How long the signed address of a post's photo (for a platform that fetches it, Instagram) stays valid.
SMGOV_POST_MEDIA_URL_HOURS = envint("SMGOV_POST_MEDIA_URL_HOURS", 48)
HARVEST_TASK_MAX_RETRIES = envint("HARVEST_TASK_MAX_RETRIES", 5)  # attempts of a run after server errors
HARVEST_RETRY_BACKOFF = envint("HARVEST_RETRY_BACKOFF", 60)  # seconds, doubled per attempt, with jitter
HARVEST_VERIFY_PER_RUN = envint("HARVEST_VERIFY_PER_RUN", 20)  # missing items asked for one by one
# Real-time intake (harvest/webhooks.py, harvest/streams.py); polling stays the safety net.
# Meta's app secret signs every webhook delivery; the verify token is what the app dashboard sends
# when the callback address is registered. Without them the endpoint refuses everything.
META_APP_SECRET = env("META_APP_SECRET", "")
META_WEBHOOK_VERIFY_TOKEN = env("META_WEBHOOK_VERIFY_TOKEN", "")
# Instagram never announces deletions: a comment it announced is asked for again after these delays.
WEBHOOK_RECHECK_MINUTES = [int(m) for m in envlist("WEBHOOK_RECHECK_MINUTES", "1,10,60")]
STREAMS_JETSTREAM_URL = env("STREAMS_JETSTREAM_URL", "wss://jetstream2.us-east.bsky.network/subscribe")
STREAMS_JETSTREAM = envbool("STREAMS_JETSTREAM", True)  # Bluesky accounts, through Jetstream
STREAMS_MASTODON = envbool("STREAMS_MASTODON", True)  # Mastodon accounts with an access token
STREAMS_RECONNECT_MAX_SECONDS = envint("STREAMS_RECONNECT_MAX_SECONDS", 300)  # longest wait between attempts


# Edits of the account's own posts: posts this young are read again one by one at every run; older
# stored posts are checked at night, this many per account and night, the longest unchecked first.
HARVEST_REREAD_DAYS = envint("HARVEST_REREAD_DAYS", 3)
HARVEST_RECONCILE_PER_NIGHT = envint("HARVEST_RECONCILE_PER_NIGHT", 200)
# The first harvest of an account that was in use before: a comment older than the account's promised
# response time times this factor is archived without an inbox case (0: every comment gets a case).
HARVEST_HISTORICAL_FACTOR = envint("HARVEST_HISTORICAL_FACTOR", 3)
# A demo feed per platform under /demo-plattform/, so that the demo has something to harvest.
DEMO_PLATFORM = envbool("DEMO_PLATFORM", DEBUG)

# Sign-in: throttling (django-axes), the second factor (django-otp), single sign-on (OpenID Connect).
# After SMGOV_LOGIN_FAILURE_LIMIT failed logins for one user name, or from one address, within the
# cool-off time, further logins are refused until the cool-off has passed or the information unit lifts it.
AXES_FAILURE_LIMIT = envint("SMGOV_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("SMGOV_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each on its own
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # a locked-out person's tries do not lengthen it
AXES_LOCKOUT_CALLABLE = "accounts.signin_views.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
# Behind the production reverse proxy the client's address is the last one it adds.
AXES_IPWARE_PROXY_COUNT = envint("SMGOV_PROXY_COUNT", 1 if PRODUCTION else 0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)
# The roles whose people must sign in with a second factor (an authenticator app, a passkey, or a
# recovery code); others may add one, and once they have one it is asked for.
SMGOV_MFA_REQUIRED_ROLES = envlist("SMGOV_MFA_REQUIRED_ROLES", "information_unit,registrar")
OTP_TOTP_ISSUER = MUNICIPALITY_NAME
# Passkeys belong to the site's host name and work only over https (and on localhost in development).
if PRODUCTION and not SITE_URL.startswith("https://"):
    _passkey_hosts = [host.lstrip(".") for host in ALLOWED_HOSTS if host != "*"]
    _passkey_origins = ",".join(f"https://{host}" for host in _passkey_hosts)
else:
    _passkey_hosts = [SITE_URL.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]]
    _passkey_origins = SITE_URL
OTP_WEBAUTHN_RP_ID = env("OTP_WEBAUTHN_RP_ID", _passkey_hosts[0] if _passkey_hosts else "localhost")
OTP_WEBAUTHN_RP_NAME = MUNICIPALITY_NAME
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist("OTP_WEBAUTHN_ALLOWED_ORIGINS", _passkey_origins)
if not PRODUCTION:
    # Browsers accept passkeys on http://localhost and 127.0.0.1 during development.
    SILENCED_SYSTEM_CHECKS = ["otp_webauthn.E031"]
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False  # a passkey is the second factor, after the password
# A signed-in person who does nothing for this long is signed out (server-side); SESSION_COOKIE_AGE
# is the longest a sign-in lasts however active.
SMGOV_SESSION_IDLE_MINUTES = envint("SMGOV_SESSION_IDLE_MINUTES", 60)

# OpenID Connect single sign-on (for example Entra ID): off unless a client id is set.
OIDC_RP_CLIENT_ID = env("OIDC_RP_CLIENT_ID", "")
SMGOV_OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env("OIDC_RP_CLIENT_SECRET", "")
# The provider's discovery document names its endpoints; each can also be given on its own.
OIDC_OP_DISCOVERY_URL = env("OIDC_OP_DISCOVERY_URL", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_OP_ISSUER = env("OIDC_OP_ISSUER", "")
OIDC_RP_SIGN_ALGO = env("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_STORE_ID_TOKEN = True  # for the provider's logout
OIDC_TIMEOUT = envint("OIDC_TIMEOUT", 10)
OIDC_CREATE_USER = envbool("OIDC_CREATE_USER", True)
OIDC_AUTHENTICATE_CLASS = "accounts.oidc.AuthenticationRequestView"
OIDC_CALLBACK_CLASS = "accounts.oidc.CallbackView"
OIDC_OP_LOGOUT_URL_METHOD = "accounts.oidc.provider_logout_url"
LOGIN_REDIRECT_URL_FAILURE = "/logga-in/?sso=misslyckades"
# A person is matched by this claim against their e-mail address (Entra ID: "email" or "upn").
SMGOV_OIDC_EMAIL_CLAIM = env("SMGOV_OIDC_EMAIL_CLAIM", "email")
SMGOV_OIDC_GROUPS_CLAIM = env("SMGOV_OIDC_GROUPS_CLAIM", "groups")
# Provider group -> smgov role, and provider group -> department (by diary series code), as
# "group=value" pairs separated by commas. A person's roles follow the provider on every sign-in.
SMGOV_OIDC_ROLE_MAP = dict(pair.split("=", 1) for pair in envlist("SMGOV_OIDC_ROLE_MAP", "") if "=" in pair)
SMGOV_OIDC_DEPARTMENT_MAP = dict(
    pair.split("=", 1) for pair in envlist("SMGOV_OIDC_DEPARTMENT_MAP", "") if "=" in pair
)
# With single sign-on on, only these user names may still log in with a password (break-glass
# accounts); empty means everyone may.
SMGOV_LOCAL_LOGIN_USERS = envlist("SMGOV_LOCAL_LOGIN_USERS", "")
if SMGOV_OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.append("accounts.oidc.MunicipalityOIDCBackend")

from .schedules import BEAT_SCHEDULE as CELERY_BEAT_SCHEDULE  # noqa: E402, F401
