"""Settings for OpenSelf, read from the environment.

With no environment at all, the *embedded default* runs: SQLite, Celery tasks
executed eagerly, emails printed on the console, the demo payment provider and
DEBUG on. Production sets every value below through the environment.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.lib.release import release_id

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


DEBUG = envbool("DEBUG", True)

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "embedded-default-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = [h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in env("CSRF_TRUSTED_ORIGINS").split(",") if o.strip()]
# Behind exactly one load balancer that appends the client's address to X-Forwarded-For.
TRUST_X_FORWARDED_FOR = envbool("TRUST_X_FORWARDED_FOR", False)
# The public address of the portal, used in emails sent from Celery tasks (no request there); on the
# embedded default it follows the port `make run` serves (PORT), unless SITE_URL says otherwise.
SITE_URL = env("SITE_URL", f"http://127.0.0.1:{env('PORT', '8000')}").rstrip("/")

# The project's layers, lowest first: portal.lib (the shared floor), canteen, accounts and billing, the
# parent-facing app (portal.family), then the project's own files (portal). .importlinter checks the arrows.
INSTALLED_APPS = [
    "portal.lib.apps.AdminConfig",  # Django's admin with the project's French admin site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "portal.lib",
    "canteen",
    "accounts",
    "billing",
    "portal.family",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.headers.StaffSessionMiddleware",
    "portal.headers.SecurityHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a lockout into the lockout page
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.family.context_processors.establishment",
                "portal.family.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "portal.lib.postgresql"  # health checks spared on busy connections
    # Safe behind PgBouncer in transaction pooling: no server-side cursor (``iterator()`` declares one WITH
    # HOLD, which outlives its transaction and so its server connection). ``DB_SERVER_SIDE_CURSORS=1`` when
    # connecting straight to PostgreSQL or through session pooling, to stream the largest exports.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = not envbool("DB_SERVER_SIDE_CURSORS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent clicks: WAL lets readers run beside the writer, a writer
    # takes the lock when its transaction begins (IMMEDIATE, so no deadlock on lock upgrade) and
    # waits up to 20 s for another instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
        **DATABASES["default"].get("OPTIONS", {}),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The release this process runs (portal.lib.release): ``RELEASE`` (a tag or commit id) or a digest of the
# code, templates and catalogues. Every cache key starts with it: nothing kept outlives an upgrade.
RELEASE = env("RELEASE") or release_id(BASE_DIR, ("portal", "accounts", "billing", "canteen", "templates", "locale"))
CACHE_URL = env("CACHE_URL")
CACHES = {
    "default": {
        **(
            {"BACKEND": "portal.lib.cache.SharedClientRedisCache", "LOCATION": CACHE_URL}
            if CACHE_URL
            else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        ),
        "KEY_PREFIX": RELEASE,
    }
}

# With a shared cache (Redis), sessions are read from it and written through to the database: a page
# costs no session query. Never on the per-process local-memory cache: a logout seen by one worker only
# would leave the session alive in the others.
if CACHE_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# The family's pages are kept as rendered until anything the family sees changes (portal.lib.cached_pages):
# only in a cache every web process shares, where a change seen by one process is seen by all.
KEEP_FAMILY_PAGES = bool(CACHE_URL)

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked login or address before the password is even checked; then
# Django's own, which loads the user of each request with its unread notification count (portal.auth).
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "portal.auth.PortalBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "portal:root"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:root"
# Password setup and reset links are valid for 3 days.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

# Login throttling (django-axes, attempts kept in the database): LOGIN_FAILURE_LIMIT failures for one
# login, or from one address, lock it for LOGIN_LOCKOUT_MINUTES on the school login page and the admin
# alike; a failure while locked starts the wait again. A superuser unlocks in the admin ("Tentatives
# d'accès": delete the attempt) or with ``manage.py axes_reset_username <email>``.
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = envint("LOGIN_LOCKOUT_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "accounts.throttling.login_identifier"
AXES_CLIENT_IP_CALLABLE = "accounts.throttling.client_address"
AXES_LOCKOUT_CALLABLE = "accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("Anglais"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Families' proofs (quotient familial attestations): outside MEDIA_ROOT and STATIC_ROOT, served by no URL but
# a view that checks who asks (canteen.quotient.PrivateStorage).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "OpenSelf <ne-pas-repondre@openself.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: a real broker when CELERY_BROKER_URL is set, tasks run eagerly otherwise.
CELERY_BROKER_URL = env("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# The email tasks live beside the outbox, the retention task beside the register, not in a tasks module.
CELERY_IMPORTS = ["portal.lib.emails", "portal.lib.personal_data"]
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    # Each morning, each school hears how many account requests wait for it.
    "account-requests-digest": {
        "task": "accounts.tasks.email_pending_requests_digest",
        "schedule": crontab(hour=7, minute=30),
    },
    # Each Monday morning, parents hear of every child whose balance is below zero.
    # Every quarter of an hour: meal-booking cut-offs (the kitchen's counts frozen, booked meals not taken
    # charged the day after); safe to run again.
    "booking-cutoffs": {
        "task": "billing.tasks.apply_booking_cutoffs",
        "schedule": crontab(minute="*/15"),
    },
    # Each evening, the guardians of children who usually eat and booked nothing for the days closing tomorrow.
    "booking-reminders": {
        "task": "portal.family.tasks.remind_unbooked_meals",
        "schedule": crontab(hour=18, minute=0),
    },
    "negative-balance-reminder": {
        "task": "portal.family.tasks.remind_negative_balances",
        "schedule": crontab(day_of_week="mon", hour=8, minute=0),
    },
}

# Each morning, families whose quotient familial expires within a month are reminded, once.
CELERY_BEAT_SCHEDULE["quotient-expiry-reminder"] = {
    "task": "portal.family.tasks.remind_expiring_quotients",
    "schedule": crontab(hour=8, minute=15),
}

# Nothing lost when a part is down (issue 15): the email outbox, task limits, the broker's timeouts.
# Every minute, the outbox's pending emails that are due are queued again (lost queueing, retries);
# each night, sent emails older than 90 days are forgotten.
CELERY_BEAT_SCHEDULE["outbox-requeue"] = {"task": "portal.lib.emails.requeue_pending_emails", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["outbox-purge"] = {
    "task": "portal.lib.emails.purge_sent_emails",
    "schedule": crontab(hour=3, minute=15),
}
# Personal data is kept no longer than needed (issue 26): each night, every app's retention rule runs
# (portal.lib.personal_data). The durations, stated in the notice "Données personnelles":
CELERY_BEAT_SCHEDULE["privacy-retention"] = {
    "task": "portal.lib.personal_data.apply_retention_task",
    "schedule": crontab(hour=3, minute=45),
}
PRIVACY_ACCOUNT_REQUEST_MONTHS = envint("PRIVACY_ACCOUNT_REQUEST_MONTHS", 6)  # refused or never validated
PRIVACY_UNUSED_LOGIN_MONTHS = envint("PRIVACY_UNUSED_LOGIN_MONTHS", 6)  # a login whose password was never set
PRIVACY_MESSAGE_YEARS = envint("PRIVACY_MESSAGE_YEARS", 2)  # after a conversation's last message
PRIVACY_NOTIFICATION_MONTHS = envint("PRIVACY_NOTIFICATION_MONTHS", 12)
PRIVACY_LOGIN_TRACE_DAYS = envint("PRIVACY_LOGIN_TRACE_DAYS", 30)  # failed logins and their addresses
# A pupil who left is anonymised after the accounting period (Code de commerce, L123-22: ten years).
PRIVACY_PUPIL_YEARS = envint("PRIVACY_PUPIL_YEARS", 10)
# A QF attestation's file is deleted this long after the QF expired or was refused (its value and dates stay, they
# justify the prices billed and the State's claim).
PRIVACY_ATTESTATION_MONTHS = envint("PRIVACY_ATTESTATION_MONTHS", 12)
# An ended direct-debit mandate's holder and account are forgotten this long after it ended (13 months of refund
# right for an unauthorised debit, and one to answer the bank); its RUM, dates and amounts stay with the accounts.
PRIVACY_MANDATE_MONTHS = envint("PRIVACY_MANDATE_MONTHS", 14)
# A child's meal bookings are deleted this long after their day (meals and charges stay in the ledger).
PRIVACY_BOOKING_MONTHS = envint("PRIVACY_BOOKING_MONTHS", 12)

# No task may hang a worker for ever; each task that must finish sooner says so itself.
CELERY_TASK_SOFT_TIME_LIMIT = envint("CELERY_TASK_SOFT_TIME_LIMIT", 300)
CELERY_TASK_TIME_LIMIT = envint("CELERY_TASK_TIME_LIMIT", 360)
# A broker that is down answers quickly: a request that queues a task must not wait for it.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 10}
# The worker keeps trying to reach a broker that went away, instead of exiting.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# A database outage met by a view answers a French 503 (JSON for machines); last, so asked first.
MIDDLEWARE.append("portal.middleware.DatabaseUnavailableMiddleware")

# SEPA direct debits: the Fernet key(s) that encrypt debtors' IBANs at rest (comma-separated, the first one
# encrypts); unset, a key derived from SECRET_KEY (the embedded default). Generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
SEPA_ENCRYPTION_KEY = env("SEPA_ENCRYPTION_KEY", "")
# Each morning the direct-debit calendar moves on: lapsed mandates end, families are pre-notified at the
# establishment's delay, debits sent to the bank are credited on their collection date.
CELERY_BEAT_SCHEDULE["direct-debits-daily"] = {
    "task": "billing.tasks.run_direct_debit_calendar",
    "schedule": crontab(hour=6, minute=30),
}

# Payments: Stripe Checkout when a key is set, the demo provider otherwise.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env("STRIPE_API_BASE")
PAYMENT_PROVIDER = env("PAYMENT_PROVIDER", "stripe" if STRIPE_SECRET_KEY else "demo")
# The demo provider takes no money: refused with DEBUG off unless explicitly enabled.
DEMO_PAYMENTS_ENABLED = envbool("DEMO_PAYMENTS_ENABLED", DEBUG)
# A typing-error guard for online top-ups.
MAX_CREDIT_AMOUNT = Decimal(env("MAX_CREDIT_AMOUNT", "500.00"))

# Sessions: a parent's ends with the browser (and at the latest SESSION_HOURS after login) unless
# "Rester connecté" was ticked at login (then REMEMBER_ME_DAYS); a staff session ends after an hour
# without activity (portal.headers).
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = envint("SESSION_HOURS", 12) * 3600
REMEMBER_ME_DAYS = envint("REMEMBER_ME_DAYS", 30)
STAFF_SESSION_IDLE_SECONDS = envint("STAFF_SESSION_IDLE_SECONDS", 3600)

# Security: production values whenever DEBUG is off (manage.py check --deploy passes).
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Load balancers probe over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
