"""Settings, read from the environment.

Production is the default: DEBUG is off and SECRET_KEY, FIELD_ENCRYPTION_KEY, DATABASE_URL,
REDIS_URL and PORTAL_BASE_URL must be given. `make run` and `make test` set DEBUG=1 and fill in
local defaults (see devtools/launcher.py).
"""

import base64
import hashlib
import importlib.util
import json
import zoneinfo
from datetime import date, timedelta
from pathlib import Path

import csp.constants as csp
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from portal.env import (
    env_bool,
    env_choice,
    env_date,
    env_float,
    env_int,
    env_list,
    env_path,
    env_rate,
    env_str,
    env_subset,
    required,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = required("SECRET_KEY", dev_default="dev-only-insecure-secret-key-do-not-use-in-production")


def _dev_field_key() -> str:
    digest = hashlib.sha256(("field-encryption:" + SECRET_KEY).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


# Comma-separated Fernet keys; the first encrypts, every one decrypts (rotation).
FIELD_ENCRYPTION_KEYS = [
    key.strip() for key in required("FIELD_ENCRYPTION_KEY", dev_default=_dev_field_key()).split(",")
    if key.strip()
]

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off (comma-separated host names).")

PORTAL_BASE_URL = required("PORTAL_BASE_URL", dev_default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS") or [PORTAL_BASE_URL]

SHARED_APPS = [
    "django_tenants",
    "tenants",
    "accounts",
    "django_otp",  # two-factor sign-in (accounts/): the device framework and OTPMiddleware
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",  # API tokens stored hashed, with an expiry (the model is accounts.ApiToken: KNOX_TOKEN_MODEL)
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",  # API list filters (messaging/api/filters.py, tenants/filters.py)
    "django.contrib.postgres",
    "axes",
    "portal",
]
TENANT_APPS = [
    "messaging",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]


def _devtools_in_checkout() -> bool:
    # This checkout's devtools/, not some other package of that name: it is never installed with the
    # portal nor copied into the image, so production finds none.
    spec = importlib.util.find_spec("devtools")
    return bool(spec and spec.origin) and Path(spec.origin).resolve().parent == BASE_DIR / "devtools"


# Development-only commands (seed_demo, bandwidth_simulator, bandwidth_simulator_inject): on in
# development (DEBUG; the make run/make test launcher also sets PORTAL_DEVTOOLS=1) when the checkout has
# devtools/. PORTAL_DEVTOOLS=0 or 1 overrides DEBUG.
PORTAL_DEVTOOLS = env_bool("PORTAL_DEVTOOLS", DEBUG) and _devtools_in_checkout()
if PORTAL_DEVTOOLS:
    INSTALLED_APPS.append("devtools")

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
TENANT_SUBFOLDER_PREFIX = "t"
ROOT_URLCONF = "portal.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "portal.urls_public"
# New tenants are copies of this schema, which migrate_schemas keeps migrated (tenants/schema_template.py);
# not a tenant's name: those all start with "t_".
TENANT_TEMPLATE_SCHEMA = "tenant_template"
# migrate_schemas: the template, then every tenant schema, this many at once (tenants/schema_migrations.py).
GET_EXECUTOR_FUNCTION = "tenants.schema_migrations.get_executor"
TENANT_MULTIPROCESSING_MAX_PROCESSES = env_int("MIGRATE_PARALLEL", 2, minimum=1)

MIDDLEWARE = [
    # Request id of every log line and answer (portal/logs.py); first, so every later line carries it.
    "portal.logs.RequestIdMiddleware",
    # Health and static files answer before tenant routing, which needs the database.
    "portal.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # django-tenants' subfolder routing, keeping the public tenant in memory (tenants/middleware.py).
    "tenants.middleware.TenantSubfolderMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which authenticator app verified this session (request.user.is_verified()): django-otp.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    # A session that still owes its code or its enrolment (accounts/middleware.py) reaches only that page.
    "accounts.middleware.TwoFactorMiddleware",
    "tenants.middleware.TenantAccessMiddleware",
]

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
                "tenants.context_processors.tenant_navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "portal.wsgi.application"

DATABASE_URL = required("DATABASE_URL")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))}
except ValueError as exc:  # the URL holds the password: name the variable, never quote it
    raise ImproperlyConfigured(f"DATABASE_URL must be postgres://user:password@host:port/name ({exc})") from None
DATABASES["default"]["ENGINE"] = "django_tenants.postgresql_backend"
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A connection pool per process, of this many connections (0: none). The web process gets one from the process
# table (portal/processes.py: WEB_THREADS): under ASGI every request runs in a new thread, so without a pool
# each request would open a PostgreSQL connection of its own (about 5 ms of CPU each). Celery's prefork workers
# keep their persistent connections (DB_CONN_MAX_AGE) instead: a pool's threads do not survive a fork.
DB_POOL_SIZE = env_int("DB_POOL_SIZE", 0, minimum=0)
if DB_POOL_SIZE:
    # Django checks each connection as it leaves the pool (CONN_HEALTH_CHECKS): a restarted PostgreSQL's dead
    # connections are replaced, not handed to a request.
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both at once
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1, "max_size": DB_POOL_SIZE,
        # A request waits this long for a connection while PostgreSQL is away, then answers 503.
        "timeout": 3,
    }
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
# django-tenants sends `SET search_path` once per schema switch (set_tenant, and again after a rollback or when
# the connection is closed) instead of before every cursor. A pooled connection handed to the next request
# keeps the previous request's search_path in PostgreSQL, but never in Django's bookkeeping: the tenant
# middleware switches the schema first thing in every request, which makes the next cursor set it again
# (tests/portal/test_pooled_search_path.py alternates two tenants over one pooled connection). Behind PgBouncer
# only session pooling keeps a `SET` with the statements after it (with or without this setting: in autocommit
# each statement is a transaction of its own, which transaction pooling may send to another server connection).
TENANT_LIMIT_SET_CALLS = True

REDIS_URL = required("REDIS_URL")
# Seconds any Redis command may take (cache, broker, rate limiter, /healthz) before it counts as failed.
# A hung Redis (accepting connections, never answering) must cost a request about this long, not minutes:
# the webhook and sends still answer within 2 s, the rows being the record and the sweepers publishing later.
REDIS_TIMEOUT = env_float("REDIS_TIMEOUT", 0.5, above=0)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "portal"),
        # Handed to redis-py's connection pool. No retry: a cache miss is cheaper than waiting again.
        "OPTIONS": {"socket_timeout": REDIS_TIMEOUT, "socket_connect_timeout": REDIS_TIMEOUT,
                    "retry": None, "health_check_interval": 10},
    }
}

# The live channel (messaging/live/, docs/live.md). Redis pub/sub ignores the database index, so two portals
# sharing one Redis keep apart by this namespace (default: the database name).
LIVE_NAMESPACE = env_str("LIVE_NAMESPACE", "")
# A comment line on every open stream this often, so proxies and browsers do not close an idle one; presence
# (is the user connected, for the e-mail notification) lives a little longer than two of them.
LIVE_HEARTBEAT_SECONDS = env_float("LIVE_HEARTBEAT_SECONDS", 20, above=0)
LIVE_PRESENCE_TTL = env_float("LIVE_PRESENCE_TTL", 2 * LIVE_HEARTBEAT_SECONDS + 5, above=0)
# A stream closes after about this long; the browser reconnects, signs in again and catches up, so revoked
# access never outlives it.
LIVE_STREAM_SECONDS = env_float("LIVE_STREAM_SECONDS", 600, above=0)
# Ordinary requests (not live streams) one web worker lets into Django at once (portal/asgi.py). Under ASGI each
# runs in a thread of its own with a database connection of its own: this bounds those connections to
# WEB_CONCURRENCY x WEB_THREADS, as gunicorn's worker count did with sync workers.
WEB_THREADS = env_int("WEB_THREADS", 4, minimum=1)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# How many proxies stand in front: the client's address is then the Nth from the right of X-Forwarded-For
# (portal/client_ip.py, for the lock-out and the Manage audit alike); 0 means REMOTE_ADDR only.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)

# Lock-out (django-axes): five failures lock the username, and separately the address (each parameter is
# counted on its own: either one reaching the limit locks).
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "portal.client_ip.client_ip"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", PORTAL_BASE_URL.startswith("https://"))
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = env_path("MEDIA_ROOT", BASE_DIR / ".data" / "media")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.authentication.TokenAuthentication",  # knox's, with a guard (see there)
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["portal.api.permissions.IsTenantMember"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.api_exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "portal.api.parsers.JSONParser",  # DRF's, refusing lone surrogates (a 400, not a 500)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PBX SMS/MMS portal API",
    "DESCRIPTION": "Tenants, trunks, SMS configurations, rules and messages. "
    "Tenant endpoints live under /t/{tenant}/api/v1/.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_URLCONF": "portal.urls_schema",
    "SCHEMA_PATH_PREFIX": r"/(t/\{tenant\}/)?api/v1",
    # Swagger UI's scripts and styles from the portal's own static files, not from a CDN: /api/docs/ works on a
    # network without internet and loads nothing from a third-party host.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The error body is documented once, as the Error component, on every operation's 4xx answers.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api.schema.attach_error_responses",
    ],
}

# API conventions (issue 13, H3): list filters are django-filter FilterSets (validated, in the schema); the
# schema generator reads SERVE_URLCONF, so `manage.py spectacular` writes exactly what /api/schema/ serves.
REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"] = ["django_filters.rest_framework.DjangoFilterBackend"]
SPECTACULAR_SETTINGS["DEFAULT_GENERATOR_CLASS"] = "portal.api.schema.SchemaGenerator"
# Two sets of statuses share the field name "status": each gets a name of its own in the schema.
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"] = {
    "MessageStatusEnum": "messaging.models.Message.Status",
    "RecipientStatusEnum": "messaging.api.messages.RECIPIENT_STATUSES",
}
# --- API tokens, throttling, CSP, TLS (H2) ---
# API tokens (django-rest-knox, accounts.ApiToken): only a SHA-512 digest is stored; each expires this many days
# after it was made. Clients keep sending `Authorization: Token <key>`.
KNOX_TOKEN_MODEL = "accounts.ApiToken"  # noqa: S105 (a model name, not a secret)
API_TOKEN_TTL_DAYS = env_int("API_TOKEN_TTL_DAYS", 90, minimum=1)
REST_KNOX = {"TOKEN_TTL": timedelta(days=API_TOKEN_TTL_DAYS), "AUTH_HEADER_PREFIX": "Token"}
# Throttling (portal/api/throttling.py, counted in the Redis cache): requests per user (per address when signed
# out) on the whole API, and password attempts on the token endpoint per address and per username. "N/second",
# "N/minute", "N/hour" or "N/day"; over it the API answers 429 with Retry-After.
API_THROTTLE_RATE = env_rate("API_THROTTLE_RATE", "1200/minute")
API_TOKEN_THROTTLE_RATE = env_rate("API_TOKEN_THROTTLE_RATE", "10/minute")
REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] = ["portal.api.throttling.ApiRateThrottle"]
# Content-Security-Policy on every response (django-csp): the portal's own files only, no inline script or
# style without the request's nonce (templates write `nonce="{{ request.csp_nonce }}"`), no framing.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.NONCE],
        "img-src": [csp.SELF, "data:"],  # data: for Swagger UI's icons
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    },
}
# Behind a proxy that terminates TLS and sets X-Forwarded-Proto: plain HTTP is redirected to HTTPS, browsers are
# told to come back only over HTTPS (HSTS) and cookies travel only over HTTPS. /healthz stays plain: the
# container's own health check calls it over HTTP.
BEHIND_TLS_PROXY = env_bool("BEHIND_TLS_PROXY", False)
if BEHIND_TLS_PROXY:
    if not PORTAL_BASE_URL.startswith("https://"):
        # Webhook URLs are built from it: Bandwidth would post over plain HTTP and be redirected.
        raise ImproperlyConfigured("PORTAL_BASE_URL must start with https:// when BEHIND_TLS_PROXY is on.")
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz/?$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
# --- end H2 ---

# Celery. The broker is the Redis of REDIS_URL unless CELERY_BROKER_URL names another: amqp://user:password@host/vhost
# for RabbitMQ (docs/scaling.md says when). The result store, the cache, the rate limiter and the live channel
# stay on Redis whichever broker carries the tasks.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL)
BROKER_IS_RABBITMQ = CELERY_BROKER_URL.partition("://")[0] in {"amqp", "amqps", "pyamqp"}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# One result-backend object per process instead of one per thread. Under ASGI every request runs in a new thread,
# and Celery made each first publish in a thread build a backend again (apply_async always builds an AsyncResult):
# an entry-point scan and a Redis client, about 40 % of the webhook's time in a profile. redis-py's client is
# thread-safe, and no code here waits on a result (the Redis backend's only per-thread part).
CELERY_RESULT_BACKEND_THREAD_SAFE = True
# Nobody reads task results (the rows say what happened); storing them cost a Redis write per task and
# made publishing fail while the result store was down. Tasks that return a value opt back in.
CELERY_TASK_IGNORE_RESULT = True
if BROKER_IS_RABBITMQ:
    # Seconds a connection to RabbitMQ (TCP and AMQP handshake) or the broker's confirmation of a publish may
    # take before the publish counts as failed (messaging.dispatch then leaves the row to the sweepers).
    AMQP_TIMEOUT = env_float("AMQP_TIMEOUT", 0.5, above=0)
    # Quorum queues: replicated (Raft) and durable, and messages published persistent, so a task survives a
    # broker restart or the loss of a node of a cluster; classic queues are deprecated for this use.
    # Celery declares the default queue and every queue named by -Q or a route this way.
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
    # Countdowns (retries, rate-limit waits) through RabbitMQ's native delayed delivery (Celery 5.5+: the
    # message waits in the broker's celery_delayed_* queues, not unacknowledged in a worker's memory, which
    # quorum queues cannot allow for: they have no global QoS, so a worker cannot raise its prefetch for
    # held messages). It works through topic exchanges only: a direct one makes the worker hold the task.
    CELERY_TASK_DEFAULT_EXCHANGE_TYPE = "topic"
    CELERY_TASK_CREATE_MISSING_QUEUE_EXCHANGE_TYPE = "topic"
    CELERY_BROKER_NATIVE_DELAYED_DELIVERY_QUEUE_TYPE = "quorum"
    CELERY_WORKER_DETECT_QUORUM_QUEUES = True  # per-consumer prefetch (quorum queues refuse global QoS)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Publisher confirms: a publish returns once RabbitMQ has the message in the quorum queue (written
        # and replicated), so a 202 answer or a committed row never rests on a message still in a socket.
        "confirm_publish": True,
        # A hung broker (accepting, never answering) fails a publish after this long, not never.
        "read_timeout": AMQP_TIMEOUT,
        "write_timeout": AMQP_TIMEOUT,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = AMQP_TIMEOUT
    # A pooled connection of a web process that a broker restart cut is found dead only at its next publish
    # (publishers send no heartbeats): one retry at once reconnects, where Redis's client reconnects itself.
    CELERY_TASK_PUBLISH_RETRY = True
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0,
                                        "interval_max": 0}
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than any retry delay, so a late-acked task is not handed out twice while it waits.
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 7200, minimum=1),
        # A publish from a request gives up after REDIS_TIMEOUT instead of hanging on a hung Redis.
        "socket_timeout": REDIS_TIMEOUT,
        "socket_connect_timeout": REDIS_TIMEOUT,
        "socket_keepalive": True,
        # The worker's idle connection is probed, so a Redis that restarted or vanished is noticed and
        # reconnected to within seconds rather than at the next kernel timeout.
        "health_check_interval": 10,
    }
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT
    # A publish that fails gives up at once: messaging.dispatch logs it and the sweepers publish the row later.
    # Celery's default (three retries, each reconnecting) made a request wait several timeouts on a hung Redis;
    # a pooled connection broken by a Redis restart is replaced by redis-py itself, without these retries.
    CELERY_TASK_PUBLISH_RETRY = False
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_TIMEOUT  # the result store (tasks that opt in to results)
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT
# The worker survives a broker restart or outage of any length, started however it is (these are the
# app's settings, not command-line flags an operator may leave out): it retries the connection forever
# (Celery's default gives up after 100 attempts and exits), also at start-up, and keeps running its tasks
# meanwhile; they are acknowledged late, so the broker hands out again whatever was not acknowledged.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# tenant-schemas-celery looks up the tenant of every task in the public schema; a worker keeps it this long
# instead (schema names never change; a deleted tenant's tasks fail either way).
CELERY_TASK_TENANT_CACHE_SECONDS = env_int("CELERY_TASK_TENANT_CACHE_SECONDS", 60, minimum=0)
# Tests and benchmarks give each run a queue of its own.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_BEAT_SCHEDULE_FILENAME = str(
    env_path("CELERY_BEAT_SCHEDULE_FILENAME", BASE_DIR / ".data" / "celerybeat-schedule")
)

# Bandwidth
BANDWIDTH_MESSAGING_API_URL = env_str(
    "BANDWIDTH_MESSAGING_API_URL", "https://messaging.bandwidth.com/api/v2"
).rstrip("/")
BANDWIDTH_OAUTH_TOKEN_URL = env_str("BANDWIDTH_OAUTH_TOKEN_URL", "https://api.bandwidth.com/api/v1/oauth2/token")
# Account APIs: the Dashboard (applications, locations, 10DLC) and the JSON account API (toll-free verification).
BANDWIDTH_DASHBOARD_API_URL = env_str("BANDWIDTH_DASHBOARD_API_URL", "https://dashboard.bandwidth.com/api").rstrip("/")
BANDWIDTH_ACCOUNT_API_URL = env_str("BANDWIDTH_ACCOUNT_API_URL", "https://api.bandwidth.com/api/v2").rstrip("/")
BANDWIDTH_LEGACY_CUTOFF = env_date("BANDWIDTH_LEGACY_CUTOFF", date(2026, 12, 2))
BANDWIDTH_CONNECT_TIMEOUT = env_float("BANDWIDTH_CONNECT_TIMEOUT", 5.0, above=0)
BANDWIDTH_READ_TIMEOUT = env_float("BANDWIDTH_READ_TIMEOUT", 15.0, above=0)

# Sending: per-number rate (10DLC long codes get about 1 message/s by default), retries, sweeper.
SMS_RATE_PER_NUMBER = env_float("SMS_RATE_PER_NUMBER", 1.0, above=0)
SMS_SEND_MAX_RETRIES = env_int("SMS_SEND_MAX_RETRIES", 8, minimum=0)
SMS_STUCK_AFTER_SECONDS = env_int("SMS_STUCK_AFTER_SECONDS", 300, minimum=1)
# MMS limits (carrier-dependent; the fact sheet's safe defaults, kept as settings).
MMS_MAX_BYTES = env_int("MMS_MAX_BYTES", 3_500_000, minimum=1)
MMS_MAX_ITEMS = env_int("MMS_MAX_ITEMS", 10, minimum=1)
# Issue 14, MMS types: exactly the types Bandwidth's media upload accepts (its OpenAPI spec, copied with its
# source into messaging/bandwidth/media_types.json); an operator may narrow the list, not widen it, since
# Bandwidth would refuse a file of any other type when the message is sent.
BANDWIDTH_MEDIA_TYPES = json.loads((BASE_DIR / "messaging" / "bandwidth" / "media_types.json").read_text())["types"]
# Not by default, though Bandwidth takes them: types a browser runs when it opens them (the portal serves every
# attachment from its own origin). An operator may still list them in MMS_ALLOWED_TYPES.
MMS_ACTIVE_CONTENT_TYPES = frozenset({"text/html", "application/javascript", "text/javascript", "image/svg+xml",
                                      "application/xml", "text/xml", "text/vnd.wap.wml"})
MMS_ALLOWED_TYPES = env_subset(
    "MMS_ALLOWED_TYPES", [t for t in BANDWIDTH_MEDIA_TYPES if t not in MMS_ACTIVE_CONTENT_TYPES],
    choices=BANDWIDTH_MEDIA_TYPES, choices_are="the media types Bandwidth's media upload accepts",
)
WEBHOOK_MAX_BODY_BYTES = 1024 * 1024
# A stored callback whose processing crashed this many times is marked failed (shown, with Retry).
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", 5, minimum=1)
# The tenant home's alarm: messages Bandwidth accepted this many minutes ago still have no receipt, and no
# callback reached their configuration since (messaging/selectors/callback_silence.py).
CALLBACK_SILENCE_ALARM_MINUTES = env_int("CALLBACK_SILENCE_ALARM_MINUTES", 30, minimum=1)
DATA_UPLOAD_MAX_MEMORY_SIZE = max(WEBHOOK_MAX_BODY_BYTES + 1, 2_621_440)

# E-mail (the Inbox's notification of new inbound messages): Django's e-mail framework, SMTP by default.
# `make run` writes mails into files instead (devtools/launcher.py); tests use Django's locmem outbox.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")  # a secret: never logged, never quoted back
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS (STARTTLS, usually port 587) and EMAIL_USE_SSL (implicit TLS, usually "
                               "port 465) exclude each other: set one of them.")
# The mail is sent while the notification's row is locked: a hung SMTP server must cost seconds, not minutes.
EMAIL_TIMEOUT = env_float("EMAIL_TIMEOUT", 10.0, above=0)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_FILE_PATH = str(env_path("EMAIL_FILE_PATH", BASE_DIR / ".data" / "mail"))  # the file-based backend's folder
# Lost notification tasks are sent by the inbound sweeper for messages up to this old (older ones: too late).
NOTIFY_SWEEP_MINUTES = env_int("NOTIFY_SWEEP_MINUTES", 30, minimum=1)

# --- Logs (issue 13, "Seeing what happens"): every line with its tenant, request id and message id
# (portal/logs.py); LOG_FORMAT=json writes one JSON object per line for a log collector, plain stays text.
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
LOG_FORMAT = env_choice("LOG_FORMAT", "plain", ("plain", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "portal.logs.ContextFilter"}},
    "formatters": {"portal": {"()": "portal.logs.PortalJsonFormatter" if LOG_FORMAT == "json"
                              else "portal.logs.PlainFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "portal", "filters": ["context"]}},
    "root": {"handlers": ["console"], "level": env_choice("LOG_LEVEL", "INFO", LOG_LEVELS)},
    "loggers": {
        "axes": {"level": "WARNING"},
        # Django's own handlers off (its DEBUG console printed request lines raw, webhook tokens included): its
        # lines reach the root handler above, with the context and the redaction.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# Accounts: password change and reset, two-factor sign-in (accounts/, docs/operations.md).
# The password-reset link is valid this long (Django's default is three days; a mailbox read later by
# someone else should find it dead).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_MINUTES", 60, minimum=5) * 60
# The name authenticator apps show beside the account (the account's username follows it).
OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "PBX portal")
# django-otp's own throttle on each device (1 s, 2 s, 4 s ... after each wrong code) on top of django-axes,
# which counts every wrong code like a wrong password (5 per username and per address lock for 15 minutes).
OTP_TOTP_THROTTLE_FACTOR = 1
# Seconds between the right password and the code before the half-finished sign-in is forgotten.
TWO_FACTOR_PENDING_SECONDS = 300
# django-axes copies the form into its failure records: never the code typed (nor the password, by default).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "otp_token"]
# --- Metrics and error reports (issue 13, "Seeing what happens"; docs/operations.md) ---
# GET /metrics answers with this bearer token, or to the loopback address; 404 to anyone else. A secret.
METRICS_TOKEN = env_str("METRICS_TOKEN")
# Errors to Sentry only when SENTRY_DSN is set (portal/sentry.py scrubs secrets and message text first).
SENTRY_DSN = env_str("SENTRY_DSN")
if SENTRY_DSN:
    from portal.sentry import init as _init_sentry

    _init_sentry(SENTRY_DSN, environment=env_str("SENTRY_ENVIRONMENT", "production"),
                 release=env_str("SENTRY_RELEASE") or None)

CELERY_BEAT_SCHEDULE = {
    "refresh-tenant-counts": {"task": "tenants.refresh_all_tenant_counts", "schedule": 300.0},
    "sweep-outbound-messages": {"task": "messaging.sweep_outbound", "schedule": 30.0},
    "sweep-inbound": {"task": "messaging.sweep_inbound", "schedule": 60.0},
}

# --- Data over time (issue 13): retention and time zones -------------------------------------------------------
# TIME_ZONE (above) is the default zone of every tenant and the zone of the API's answers; a tenant and a user may
# each choose their own for screens (tenants/time_zones.py, activated per request by the middleware below, once the
# tenant and the user are known).
if TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(f"TIME_ZONE must be an IANA zone name such as UTC or Europe/Paris, not {TIME_ZONE!r}.")
MIDDLEWARE.append("tenants.middleware.TimeZoneMiddleware")
# Default retention in days, for tenants that set none (messaging/services/retention.py); 0 keeps for ever.
# Handled callbacks: at least 2 days, since Bandwidth retries a callback for 24 h and a purged one would be taken
# for new.
RETENTION_PAYLOAD_DAYS = env_int("RETENTION_PAYLOAD_DAYS", 30, minimum=0)
if RETENTION_PAYLOAD_DAYS == 1:
    raise ImproperlyConfigured("RETENTION_PAYLOAD_DAYS must be 0 (keep) or at least 2: Bandwidth retries for 24 h.")
RETENTION_MEDIA_DAYS = env_int("RETENTION_MEDIA_DAYS", 90, minimum=0)
RETENTION_MESSAGE_DAYS = env_int("RETENTION_MESSAGE_DAYS", 0, minimum=0)
# Rows deleted per transaction, the pause between two batches (other writers get the table), and how long one
# tenant's run may go on before it leaves the rest to the next run.
RETENTION_BATCH_SIZE = env_int("RETENTION_BATCH_SIZE", 1000, minimum=1)
RETENTION_BATCH_PAUSE_SECONDS = env_float("RETENTION_BATCH_PAUSE_SECONDS", 0.2)
if RETENTION_BATCH_PAUSE_SECONDS < 0:
    raise ImproperlyConfigured("RETENTION_BATCH_PAUSE_SECONDS must be 0 or more seconds.")
RETENTION_TIME_BUDGET_SECONDS = env_float("RETENTION_TIME_BUDGET_SECONDS", 120.0, above=0)
CELERY_BEAT_SCHEDULE["purge-expired-data"] = {"task": "messaging.purge_expired_data_everywhere", "schedule": 3600.0}

# --- Issue 14, compliance keywords (messaging/services/inbound/keywords.py) ---
# An automatic keyword reply goes at most once per kind, tenant number and remote number within this window, so a
# sender repeating STOP (or a callback processed twice) does not get a reply each time.
KEYWORD_REPLY_WINDOW_MINUTES = env_int("KEYWORD_REPLY_WINDOW_MINUTES", 60, minimum=0)

# --- Issue 14, Connect to Bandwidth: the drift check (messaging/services/configuration/bandwidth_connect.py) ---
# Every this many minutes each connected SMS configuration's Bandwidth application is compared with what the portal
# expects (docs/operations.md); 0 turns the periodic check off ("Check now" still works).
BANDWIDTH_DRIFT_CHECK_MINUTES = env_int("BANDWIDTH_DRIFT_CHECK_MINUTES", 60, minimum=0)
if BANDWIDTH_DRIFT_CHECK_MINUTES:
    CELERY_BEAT_SCHEDULE["check-bandwidth-connections"] = {
        "task": "messaging.check_bandwidth_connections", "schedule": BANDWIDTH_DRIFT_CHECK_MINUTES * 60.0,
    }

# --- Issue 14, 10DLC and toll-free status from Bandwidth (messaging/services/compliance/registrations.py) ---
# Minutes between two refreshes of every tenant's numbers from Bandwidth; 0 turns the periodic refresh off (the
# Trunks screen's "Refresh from Bandwidth" and the API still work).
BANDWIDTH_REGISTRATION_REFRESH_MINUTES = env_int("BANDWIDTH_REGISTRATION_REFRESH_MINUTES", 360, minimum=0)
# Campaign Management calls per minute and Bandwidth account, across all workers (Bandwidth's and TCR's limit).
BANDWIDTH_CAMPAIGN_API_PER_MINUTE = env_float("BANDWIDTH_CAMPAIGN_API_PER_MINUTE", 30.0, above=0)
if BANDWIDTH_REGISTRATION_REFRESH_MINUTES:
    CELERY_BEAT_SCHEDULE["refresh-number-registrations"] = {
        "task": "messaging.refresh_number_registrations", "schedule": 60.0 * BANDWIDTH_REGISTRATION_REFRESH_MINUTES,
    }
