"""Settings for the campaign tracker: one file, driven by the environment.

Every variable is listed in the README. Development defaults: SQLite, debug on.
"""

import datetime as dt
import hashlib
import ipaddress
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from campaign.cache import local_caches, redis_caches
from campaign.csp import content_security_policy

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {raw!r}") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items")
    return items


DEBUG = env_bool("DJANGO_DEBUG", True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tables2",
    "django_filters",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks_db",
    "auditlog",
    "campaign",
    "campaign.notifications",
    "campaign.audit",
    "campaign.offline",
    "campaign.pwa",
    "inspections",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # First, so every answer carries the policy: the maintenance page, the error pages, admin.
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: the static files stay cacheable; every other response is private.
    "campaign.nostore.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After WhiteNoise (the 503 page's styles are still served) and the locale (it is in the
    # reader's language); before anything that reads the database.
    "campaign.maintenance.MaintenanceModeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session passed the second step (a one-time code).
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # A signed-in person who owes the second step (a code, or setting up an app) reaches nothing
    # else until it is done (campaign.twofactor.middleware). Before anything else reads
    # request.user: it must see whether the session named a device before django-otp drops one
    # that is gone.
    "campaign.twofactor.middleware.SecondFactorMiddleware",
    # The audit trail: who is acting (with the address campaign.clientip vouches for) for the
    # changes recorded, and refused object pages as security events.
    "campaign.audit.middleware.ChangeContextMiddleware",
    "campaign.audit.middleware.RefusalMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After the user and the messages: an expired session is logged out with a message.
    "campaign.accounts.timeouts.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "campaign.urls"
WSGI_APPLICATION = "campaign.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "campaign.notifications.context.unread_notifications",
                "campaign.twofactor.context.second_step",
                "campaign.accounts.timeouts.session_clock",
            ],
        },
    },
]

# Database: SQLite by default; DATABASE_URL (postgres://…) switches to PostgreSQL.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Seconds a connection is kept for the next request. 0 (close after each request)
            # suits the dev server, which runs each request in a new thread: a kept connection
            # would stay open, idle, after its thread ends. deploy/serve sets 60: gunicorn's
            # sync workers each hold one.
            conn_max_age=env_int("DJANGO_CONN_MAX_AGE", 0),
            conn_health_checks=True,
        )
    }
    # An unreachable database host (packets dropped) fails a request in seconds, as a 503
    # maintenance page, rather than holding the worker until gunicorn kills it. The URL may
    # override it (?connect_timeout=…).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("DJANGO_SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN,
            # so concurrent writers wait (up to `timeout`) instead of failing "database is locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }

# An optional read replica of the PostgreSQL primary (streaming replication): the read-only report
# pages read from it (campaign.routers); everything else reads and writes the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# Seconds after a POST during which that browser reads only from the primary (replicas lag).
REPLICA_PIN_SECONDS = env_int("DJANGO_REPLICA_PIN_SECONDS", 10)
# A replica further behind than this (or not streaming) is not read (campaign.routers).
REPLICA_MAX_LAG = env_int("DJANGO_REPLICA_MAX_LAG_SECONDS", 30)
if DATABASE_REPLICA_URL:
    if not DATABASE_URL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs DATABASE_URL: a replica of a "
                                   "PostgreSQL primary")
    _primary, _replica = DATABASES["default"], dj_database_url.parse(DATABASE_REPLICA_URL)
    DATABASES["replica"] = {
        **_primary,   # the same connection lifetime, health checks and options
        "ENGINE": _replica["ENGINE"], "NAME": _replica["NAME"], "USER": _replica["USER"],
        "PASSWORD": _replica["PASSWORD"], "HOST": _replica["HOST"], "PORT": _replica["PORT"],
        "OPTIONS": {**_primary.get("OPTIONS", {}), **_replica.get("OPTIONS", {})},
        # Tests read the test database through it.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["campaign.routers.ReplicaRouter"]
# A POST marks its browser for REPLICA_PIN_SECONDS: it then reads the primary (with a replica) and
# live figures computed afresh (inspections.live.LagMiddleware), so a person sees their own change.
MIDDLEWARE += ["campaign.routers.PinPrimaryMiddleware", "inspections.live.LagMiddleware"]
# Seconds the live figures (draft rankings, unit figures, the home page's charts) shown to others
# may be behind the data; 0: always exact (each change makes the next view compute them again).
LIVE_FIGURES_LAG = env_int("CAMPAIGN_LIVE_FIGURES_LAG", 60)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "campaign.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling (django-axes, campaign.accounts.throttle): failed log-ins within the cool-off
# are counted for the account at one address, for the account and for the address, each with its
# own limit. An office shares one NAT address: a colleague's typos lock only the colleague; the
# address alone is locked only by many failures. A lockout ends one cool-off after the failure that
# reached the limit (failures while locked do not prolong it), so nobody is locked out for good.
if "DJANGO_LOGIN_FAILURE_LIMIT" in os.environ:
    raise ImproperlyConfigured("DJANGO_LOGIN_FAILURE_LIMIT is now DJANGO_LOGIN_PAIR_LIMIT (with "
                               "DJANGO_LOGIN_ACCOUNT_LIMIT and DJANGO_LOGIN_ADDRESS_LIMIT)")
LOGIN_PAIR_LIMIT = env_int("DJANGO_LOGIN_PAIR_LIMIT", 5)
LOGIN_ACCOUNT_LIMIT = env_int("DJANGO_LOGIN_ACCOUNT_LIMIT", 10)
LOGIN_ADDRESS_LIMIT = env_int("DJANGO_LOGIN_ADDRESS_LIMIT", 30)
LOGIN_COOLOFF = dt.timedelta(minutes=env_int("DJANGO_LOGIN_COOLOFF_MINUTES", 15))
if min(LOGIN_PAIR_LIMIT, LOGIN_ACCOUNT_LIMIT, LOGIN_ADDRESS_LIMIT) < 1 or LOGIN_COOLOFF <= dt.timedelta(0):
    raise ImproperlyConfigured("DJANGO_LOGIN_PAIR_LIMIT, DJANGO_LOGIN_ACCOUNT_LIMIT, "
                               "DJANGO_LOGIN_ADDRESS_LIMIT and DJANGO_LOGIN_COOLOFF_MINUTES must be "
                               "positive")
AXES_HANDLER = "campaign.accounts.throttle.LoginThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], ["username"], ["ip_address"]]
AXES_FAILURE_LIMIT = "campaign.accounts.throttle.failure_limit"
AXES_COOLOFF_TIME = LOGIN_COOLOFF
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "campaign.accounts.throttle.lockout_response"
# A good log-in resets the count for that account at that address (the handler); every failure
# stays in AccessFailureLog (at most AXES_ACCESS_FAILURE_LOG_PER_USER_LIMIT, 1,000, per username).
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# Axes keeps the fields of a failed form (AccessAttempt.post_data): never the passwords of the
# account page's form, where a wrong current password counts as a failed log-in.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "old_password", "new_password1",
                             "new_password2"]
# Reverse proxies (addresses or networks) whose X-Forwarded-For names the client: nginx on the
# same machine is 127.0.0.1. Empty: the app is reached directly and REMOTE_ADDR is the client.
# The audit records campaign.clientip.client_ip; the login throttle and the report rate limit
# count campaign.clientip.throttle_address (the same, but an IPv6 client's /64 network).
TRUSTED_PROXIES = env_list("DJANGO_TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"DJANGO_TRUSTED_PROXIES must list addresses or networks, not {_proxy!r}") from None
AXES_CLIENT_IP_CALLABLE = "campaign.clientip.throttle_address"

# Two-step verification (campaign.twofactor): a one-time code from an authenticator app (TOTP)
# after the password. Whoever has set one up is always asked for it; with this on, coordinators
# and administrators must set one up before they reach anything else.
TWO_FACTOR_REQUIRED = env_bool("CAMPAIGN_TWO_FACTOR_REQUIRED", True)
# Wrong codes in one sign-in before the session is ended (the password must be entered again).
# Each wrong code also makes the next try wait longer: 1, 2, 4, 8... seconds (django-otp's
# throttle, kept on the device, so a new sign-in does not reset it).
TWO_FACTOR_FAILURE_LIMIT = env_int("CAMPAIGN_TWO_FACTOR_FAILURE_LIMIT", 5)
if TWO_FACTOR_FAILURE_LIMIT < 1:
    raise ImproperlyConfigured("CAMPAIGN_TWO_FACTOR_FAILURE_LIMIT must be at least 1")
# The name an authenticator app shows next to the account.
OTP_TOTP_ISSUER = os.environ.get("CAMPAIGN_TWO_FACTOR_ISSUER", "").strip() or "创城工作平台"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
# The admin's device pages show neither the secret key nor its QR code.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# ---- the audit trail (issue 14, campaign.audit) ----------------------------------------------
# django-auditlog records every change to the models campaign.audit.tracking lists (who, when, the
# values before and after) in campaign.audit's ChangeEntry.
AUDITLOG_LOGENTRY_MODEL = "audit.ChangeEntry"
# auditlog's own migration creates its LogEntry table even when the model is swapped for ours: an
# unused table whose foreign key to the users stops PostgreSQL's test flush (TRUNCATE). Without
# migrations the app is synced, and a swapped model gets no table.
MIGRATION_MODULES = {"auditlog": None}
# auditlog would store the client's X-Correlation-ID header with each change: the client's to
# write (and too long a one would fail the change on PostgreSQL). Nothing upstream sets one.
AUDITLOG_CID_HEADER = None
AUDITLOG_MASK_CALLABLE = "campaign.audit.recorders.mask"
# Rows of a security event anyone can cause at will (failed login, lockout, refused page) kept
# per person, or per address, per minute; past it the event is not stored.
AUDIT_EVENTS_PER_MINUTE = env_int("CAMPAIGN_AUDIT_EVENTS_PER_MINUTE", 20)
# Requests one integration token may make to the JSON API a minute (a fixed window in the
# "counters" cache); past it, 429 with Retry-After.
API_REQUESTS_PER_MINUTE = env_int("CAMPAIGN_API_REQUESTS_PER_MINUTE", 120)
# Rows one export of the audit page holds at most (the newest of the filtered ones).
AUDIT_EXPORT_MAX_ROWS = env_int("CAMPAIGN_AUDIT_EXPORT_MAX_ROWS", 50_000)

# Official documents as PDF: LibreOffice converts the .docx (campaign/documents/pdf.py), one
# conversion at a time per process, given up after this many seconds (the page then offers the .docx).
DOCUMENT_PDF_TIMEOUT = env_int("CAMPAIGN_DOCUMENT_PDF_TIMEOUT", 60)
# The soffice binary; empty: looked up on PATH.
DOCUMENT_PDF_SOFFICE = os.environ.get("CAMPAIGN_DOCUMENT_PDF_SOFFICE", "")

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [Path(os.environ.get("DJANGO_LOCALE_DIR", BASE_DIR / "locale"))]
FORMAT_MODULE_PATH = ["campaign.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
# Front-end packages come from npm at build time (`make assets`); nothing is fetched at run time.
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", BASE_DIR / "node_modules" / "bootstrap-icons" / "font"),
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/leaflet.markercluster", BASE_DIR / "node_modules" / "leaflet.markercluster" / "dist"),
]


def s3_photo_storage(*, bucket: str, endpoint_url: str, access_key: str, secret_key: str,
                     region: str) -> dict:
    """STORAGES["default"] for photos in a private bucket of an S3-compatible object store."""
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config

    if endpoint_url and not endpoint_url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"DJANGO_S3_ENDPOINT_URL must start with http:// or https://, not {endpoint_url!r}")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "DJANGO_S3_ACCESS_KEY_ID and DJANGO_S3_SECRET_ACCESS_KEY go together (or both empty: "
            "boto3 finds credentials itself)")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url or None,
            "access_key": access_key or None,
            "secret_key": secret_key or None,
            "region_name": region,
            # Objects are private; the app never asks the store for a URL (photos are streamed by
            # the permission-checked views), and were one made it would be signed, short-lived.
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
            "file_overwrite": False,
            "client_config": Config(
                # A store that is down or black-holed fails an upload within ~10 s (3 attempts),
                # well inside the web worker's timeout, rather than hanging the request.
                connect_timeout=3,
                read_timeout=15,
                retries={"max_attempts": 3, "mode": "standard"},
                signature_version="s3v4",
                # A local server (MinIO, Ceph, moto) answers at one host: the bucket goes in the
                # path. AWS itself (no endpoint) picks virtual-hosted names.
                s3={"addressing_style": "path" if endpoint_url else "auto"},
                # botocore >= 1.36 adds CRC checksums to every request, which older MinIO and
                # Ceph refuse: send and check them only where the S3 API requires them.
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
            # Photos are a few MB at most: no thread pool spun up per upload or view.
            "transfer_config": TransferConfig(use_threads=False),
        },
    }


# Photos (the only uploaded files): local disk under MEDIA_ROOT by default; with DJANGO_S3_BUCKET,
# a private bucket of an S3-compatible store, so that every app server sees every photo.
S3_BUCKET = os.environ.get("DJANGO_S3_BUCKET", "").strip()
STORAGES = {
    "default": (
        s3_photo_storage(
            bucket=S3_BUCKET,
            endpoint_url=os.environ.get("DJANGO_S3_ENDPOINT_URL", "").strip(),
            access_key=os.environ.get("DJANGO_S3_ACCESS_KEY_ID", "").strip(),
            secret_key=os.environ.get("DJANGO_S3_SECRET_ACCESS_KEY", "").strip(),
            region=os.environ.get("DJANGO_S3_REGION", "").strip() or "us-east-1",
        )
        if S3_BUCKET
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Uploaded photos are private: never under STATIC or a public MEDIA_URL; views serve them
# after a permission check.
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
PHOTO_MAX_BYTES = env_int("DJANGO_PHOTO_MAX_MB", 15) * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The cache: per process (local memory) on one server; with REDIS_URL, one Redis that every app
# server shares (campaign.cache), and the sessions with it.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Installs sharing a Redis server never read each other's entries: the prefix names the database
# (DJANGO_CACHE_PREFIX overrides).
CACHE_PREFIX = os.environ.get("DJANGO_CACHE_PREFIX") or hashlib.sha256(
    str(DATABASES["default"]["NAME"]).encode()).hexdigest()[:12]
CACHES = redis_caches(REDIS_URL, CACHE_PREFIX) if REDIS_URL else local_caches()
if REDIS_URL:
    # Any app server serves any request: the session is read from Redis and kept in the
    # database, so a Redis restart, an eviction or an outage logs nobody out (a failed cache
    # read falls back to the database).
    SESSION_ENGINE = "campaign.sessions"

# Maintenance mode (for upgrades): while this file exists, every page but /healthz is the 503
# page. A relative path is taken from the project directory; empty: no maintenance mode.
MAINTENANCE_FILE = (
    BASE_DIR / os.environ["DJANGO_MAINTENANCE_FILE"]
    if os.environ.get("DJANGO_MAINTENANCE_FILE") else None
)

# A refused form (expired or missing CSRF cookie) gets the site's 403 page, in the reader's
# language, rather than Django's bare one.
CSRF_FAILURE_VIEW = "campaign.errors.csrf_failure"

# A session ends after SESSION_IDLE without a request, and SESSION_ABSOLUTE after its log-in
# (campaign.accounts.timeouts); the cookie and the stored session live no longer.
SESSION_IDLE = dt.timedelta(minutes=env_int("DJANGO_SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE = dt.timedelta(hours=env_int("DJANGO_SESSION_ABSOLUTE_HOURS", 12))
if SESSION_IDLE <= dt.timedelta(0) or SESSION_ABSOLUTE <= dt.timedelta(0):
    raise ImproperlyConfigured(
        "DJANGO_SESSION_IDLE_MINUTES and DJANGO_SESSION_ABSOLUTE_HOURS must be positive")
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE.total_seconds())
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# A trial of the production settings on plain http (the development server after `make run`,
# no TLS proxy): no redirect to https, no HSTS, cookies not marked Secure (a browser would not
# send them back over http, and nobody could log in). Never on a real server.
PLAIN_HTTP = env_bool("DJANGO_PLAIN_HTTP", False)
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not PLAIN_HTTP)
    SESSION_COOKIE_SECURE = not PLAIN_HTTP
    CSRF_COOKIE_SECURE = not PLAIN_HTTP
    SECURE_HSTS_SECONDS = 0 if PLAIN_HTTP else env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---- background work and notifications (issue 11) -------------------------------------------
# Django's tasks framework with the database backend: `manage.py db_worker` runs what is
# enqueued; `manage.py supervise` (every few minutes) works out which reminders are due.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("DJANGO_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# The health check (/healthz, campaign.health) judges the background work by these: the worker
# fails when a task has waited TASK_MAX_WAIT to be run, the supervision loop when a campaign's
# newest run is three periods old. deploy/with-background runs `supervise` every
# CAMPAIGN_SUPERVISE_EVERY seconds; where a systemd timer runs it, set this to the timer's period.
TASK_MAX_WAIT = dt.timedelta(minutes=env_int("CAMPAIGN_TASK_MAX_WAIT_MINUTES", 5))
SUPERVISE_EVERY = dt.timedelta(seconds=env_int("CAMPAIGN_SUPERVISE_EVERY", 300))
if TASK_MAX_WAIT <= dt.timedelta(0) or SUPERVISE_EVERY <= dt.timedelta(0):
    raise ImproperlyConfigured(
        "CAMPAIGN_TASK_MAX_WAIT_MINUTES and CAMPAIGN_SUPERVISE_EVERY must be positive")
HEALTH_CHECKS = [
    "campaign.health.checks.Database",
    "campaign.health.checks.Cache",
    "campaign.health.checks.Storage",
    "campaign.health.checks.TaskWorker",
    "inspections.health.SupervisionLoop",
]
# A load balancer calls /healthz over plain http on the app's port.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Links in email and group-robot messages are absolute: the address people open the app at.
SITE_URL = os.environ.get("DJANGO_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# The map (/map/): an intranet's own tile server, e.g. "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
# (Leaflet's URL template). Empty: the markers on a plain background with a scale bar, so the
# map works with no tile server and no internet.
MAP_TILE_URL = os.environ.get("CAMPAIGN_MAP_TILES", "").strip()
MAP_TILE_ATTRIBUTION = os.environ.get("CAMPAIGN_MAP_ATTRIBUTION", "").strip()

# Content-Security-Policy (campaign.csp): the site's own scripts, styles, fonts and images only
# (plus the tile server's images), nothing inline, never framed.
SECURE_CSP = content_security_policy(MAP_TILE_URL)

# Email: Django's mailers (SMTP), configured by environment. No DJANGO_EMAIL_HOST: nobody is
# emailed (campaign.notifications.channels.email_enabled); the mailer, never used then, points
# at localhost.
EMAIL_HOST_NAME = os.environ.get("DJANGO_EMAIL_HOST", "")
NOTIFY_BY_EMAIL = bool(EMAIL_HOST_NAME)
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": EMAIL_HOST_NAME or "localhost",
            "port": env_int("DJANGO_EMAIL_PORT", 25),
            "username": os.environ.get("DJANGO_EMAIL_USER", ""),
            "password": os.environ.get("DJANGO_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("DJANGO_EMAIL_USE_TLS", False),
            "use_ssl": env_bool("DJANGO_EMAIL_USE_SSL", False),
            "timeout": env_int("DJANGO_EMAIL_TIMEOUT", 10),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "campaign@localhost")

# Group robots (WeCom, DingTalk): the server calls only these hosts, over https, so nobody can
# make it call an arbitrary intranet address. Plain http only where allowed (tests).
NOTIFY_WEBHOOK_HOSTS = env_list(
    "DJANGO_NOTIFY_WEBHOOK_HOSTS", ["qyapi.weixin.qq.com", "oapi.dingtalk.com"]
)
NOTIFY_WEBHOOK_ALLOW_HTTP = env_bool("DJANGO_NOTIFY_WEBHOOK_ALLOW_HTTP", False)

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
}

# Seed fixtures built from the source documents.
SEEDS_DIR = BASE_DIR / "seeds"

# Names for the UI chrome, translatable.
SITE_TITLE = _("Civilized City Campaign Tracker")
