"""A user's project: uploads on one MinIO deployment, archived copies on another.

Its tests (``tests/``) replace both profiles with fresh buckets on a local S3 server through
the testing kit; nothing here knows about tests.
"""

from __future__ import annotations

import os

from django_minio_backend import MinioProfile, MinioProfileDict

SECRET_KEY = "sample-project-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django_minio_backend",
    "gallery",
]
ROOT_URLCONF = "shop.urls"
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "shop.sqlite3"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True

MINIO_PROFILES: dict[str, MinioProfile | MinioProfileDict] = {
    "default": {
        "endpoint": os.environ.get("MINIO_ENDPOINT", "minio:9000"),
        "access_key": os.environ.get("MINIO_ACCESS_KEY", ""),
        "secret_key": os.environ.get("MINIO_SECRET_KEY", ""),
        "private_buckets": ["uploads"],
        "public_buckets": ["public"],
        "default_bucket": "uploads",
        "static_bucket": "public",
    },
    "archive": {
        "endpoint": os.environ.get("ARCHIVE_ENDPOINT", "archive:9000"),
        "access_key": os.environ.get("ARCHIVE_ACCESS_KEY", ""),
        "secret_key": os.environ.get("ARCHIVE_SECRET_KEY", ""),
        "private_buckets": ["cold"],
        "default_bucket": "cold",
    },
}
STORAGES = {
    "default": {
        "BACKEND": "django_minio_backend.models.MinioBackend",
        "OPTIONS": {"profile": "default"},
    },
    "staticfiles": {
        "BACKEND": "django_minio_backend.models.MinioBackendStatic",
        "OPTIONS": {"profile": "default"},
    },
}
