"""One environment-driven settings module.

Every value a deployment changes comes from an environment variable. The defaults suit a
newcomer running the demo on one machine; ``TRUSTBRIDGE_ENV=production`` switches on the
hardened defaults and refuses to start without a secret key.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent

env = environ.Env()

PRODUCTION = env.str("TRUSTBRIDGE_ENV", default="development") == "production"
VAR_DIR = Path(env.str("TRUSTBRIDGE_VAR_DIR", default=str(Path.cwd() / "var"))).resolve()


def _demo_secret_key() -> str:
    """Generate a secret once under ``var/`` so a newcomer never has to invent one."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set when TRUSTBRIDGE_ENV=production.")
    SECRET_KEY = _demo_secret_key()

DEBUG = env.bool("TRUSTBRIDGE_DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_ID = 1

INSTALLED_APPS = [
    "trustbridge.accounts",
    "trustbridge.core",
    "trustbridge.transparency",
    "trustbridge.feedback",
    "trustbridge.events",
    "trustbridge.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "template_partials",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "trustbridge.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "trustbridge.core.middleware.RequestContextMiddleware",
    "trustbridge.core.middleware.ApiErrorFormatMiddleware",
]

ROOT_URLCONF = "trustbridge.urls"
WSGI_APPLICATION = "trustbridge.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "trustbridge.core.context_processors.trustbridge",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'trustbridge.sqlite3'}")
}
DATABASES["default"].setdefault("ATOMIC_REQUESTS", False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and the worker share the file.
    DATABASES["default"].setdefault(
        "OPTIONS",
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("TRUSTBRIDGE_CONN_MAX_AGE", 60))
    # Off by default, as in Django: a check costs a round trip at the start of every request
    # (about a tenth of a feedback submission's time); without it, the first request on a
    # connection the database dropped fails once and the connection is replaced.
    DATABASES["default"].setdefault(
        "CONN_HEALTH_CHECKS", env.bool("TRUSTBRIDGE_CONN_HEALTH_CHECKS", False)
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://trustbridge")}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"

# django-allauth: e-mail only, verified, rate limited, never revealing whether an
# address has an account.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip",
    "reset_password": "10/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}
ACCOUNT_ADAPTER = "trustbridge.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Trustbridge] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_ADAPTER = "trustbridge.accounts.adapter.MFAAdapter"
TRUSTBRIDGE_SECRETS_KEY = env.str("TRUSTBRIDGE_SECRETS_KEY", default="")
MFA_TOTP_ISSUER = "Trustbridge"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("TRUSTBRIDGE_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Request bodies: Django's own limits plus our middleware's hard cap on any body.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
TRUSTBRIDGE_MAX_REQUEST_BYTES = env.int("TRUSTBRIDGE_MAX_REQUEST_BYTES", 32 * 1024 * 1024)
TRUSTBRIDGE_OPEN311_POSTS_PER_MINUTE = env.int("TRUSTBRIDGE_OPEN311_POSTS_PER_MINUTE", default=60)

# E-mail: console in the demo, SMTP (or anything else) by EMAIL_URL.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Trustbridge <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env.str("TRUSTBRIDGE_TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}

# Security headers. The policy allows no inline script or style anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("TRUSTBRIDGE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("TRUSTBRIDGE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# Behind N reverse proxies, the client's address is the Nth from the right in
# X-Forwarded-For (audit log, rate limits). 0: use the connection's address.
TRUSTBRIDGE_TRUSTED_PROXY_COUNT = env.int("TRUSTBRIDGE_TRUSTED_PROXY_COUNT", default=0)
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTBRIDGE_TRUSTED_PROXY_COUNT
NINJA_NUM_PROXIES = TRUSTBRIDGE_TRUSTED_PROXY_COUNT

# Trustbridge's own settings.
TRUSTBRIDGE_API_RATE_LIMIT = env.str("TRUSTBRIDGE_API_RATE_LIMIT", default="600/m")
TRUSTBRIDGE_API_ANON_RATE_LIMIT = env.str("TRUSTBRIDGE_API_ANON_RATE_LIMIT", default="300/m")
TRUSTBRIDGE_INVITATION_DAYS = env.int("TRUSTBRIDGE_INVITATION_DAYS", default=7)
TRUSTBRIDGE_PUBLIC_CACHE_SECONDS = env.int("TRUSTBRIDGE_PUBLIC_CACHE_SECONDS", default=60)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("TRUSTBRIDGE_LOG_LEVEL", "INFO")},
}

# Absolute links in e-mails.
TRUSTBRIDGE_BASE_URL = env.str("TRUSTBRIDGE_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# The feedback inbox's covering index carries extra columns on PostgreSQL only; on SQLite
# the same index simply has none, which is what we want.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
