# Settings of the minimal Django project around django-helpdesk that helpdesk-up.sh runs for
# riskpane's end-to-end tests: SQLite in the state directory, django-helpdesk's REST API on
# (session cookie + CSRF for the widget, basic auth for the tests' assertions), per-queue staff
# permissions, no mail sent, and the riskpane app (page extension and server-side four eyes)
# before helpdesk so its template override of the ticket page wins.
import os
from pathlib import Path

STATE = Path(os.environ["RISKPANE_HELPDESK_STATE"])
# Where the four-eye check finds the `riskpane` binary, the care pack and this CRM's profile.
RISKPANE_DIR = Path(os.environ.get("RISKPANE_DIR", "/usr/local/lib/riskpane"))

SECRET_KEY = (STATE / "secret_key").read_text().strip()
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "riskpane_helpdesk",
    "helpdesk",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "riskpane_helpdesk.four_eyes.RequestUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "riskpane_site.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": STATE / "db.sqlite3",
        # One transaction per request: a follow-up or field the four-eye check refuses leaves
        # nothing behind (the ticket's `modified`, status changes of the same request).
        "ATOMIC_REQUESTS": True,
        "OPTIONS": {"timeout": 20},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SITE_ID = 1
LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = True

STATIC_URL = "/static/"
# helpdesk-up.sh copies the built widget package (cargo xtask dist) to static/riskpane here.
STATICFILES_DIRS = [STATE / "static"]

LOGIN_URL = "helpdesk:login"
LOGIN_REDIRECT_URL = "helpdesk:home"

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@localhost"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # The widget: the page's session cookie, with the CSRF token from the csrftoken cookie.
        "rest_framework.authentication.SessionAuthentication",
        # The tests' assertions (as the admin) and scripts; also makes a missing login a 401.
        "rest_framework.authentication.BasicAuthentication",
    ],
}

HELPDESK_API_ENABLED = True
HELPDESK_ENABLE_PER_QUEUE_STAFF_PERMISSION = True
# The knowledge base stays on: django-helpdesk 2.6.1 cannot load its URLs with it off.
HELPDESK_KB_ENABLED = True
HELPDESK_USE_CDN = False
# No teams (they need the pinax-teams package).
HELPDESK_TEAMS_MODE_ENABLED = False

LOGGING = {
    "version": 1,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"riskpane_helpdesk": {"handlers": ["console"], "level": "INFO"}},
}
