"""A project using Django admin, easy-thumbnails and django-dbbackup on a MinIO default storage.

Run by tests/test_third_party_apps.py with the test server in ``TP_*`` environment variables.
"""

from __future__ import annotations

import os

SECRET_KEY = "third-party-tests-only"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["testserver"]
ROOT_URLCONF = "tests.projects.third_party.urls"
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "easy_thumbnails",
    "dbbackup",
    "django_minio_backend",
    "tests.projects.third_party",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
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
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["TP_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
MEDIA_URL = "/media/"

_PREFIX = os.environ["TP_PREFIX"]
MINIO_PROFILES = {
    "default": {
        "endpoint": os.environ["TP_ENDPOINT"],
        "access_key": os.environ["TP_ACCESS_KEY"],
        "secret_key": os.environ["TP_SECRET_KEY"],
        "use_https": False,
        "private_buckets": [f"{_PREFIX}-media"],
        "default_bucket": f"{_PREFIX}-media",
        "bucket_check_on_save": True,
    }
}
STORAGES = {
    "default": {
        "BACKEND": "django_minio_backend.models.MinioBackend",
        "OPTIONS": {"profile": "default"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "dbbackup": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ["TP_BACKUPS"]},
    },
}
THUMBNAIL_ALIASES = {
    "": {
        "small": {"size": (40, 30), "crop": True},
        "large": {"size": (160, 120), "crop": True},
    }
}
