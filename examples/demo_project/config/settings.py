"""Settings of the demo project: files on two MinIO clusters, described by typed profiles.

Endpoints and keys come from the environment (``make demo`` sets them for two local servers);
see "Running against a real MinIO" in the README to point the project at your own.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from django_minio_backend import MinioProfile, MinioProfileDict, load_profiles

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "demo-only-not-a-secret"
DEBUG = os.environ.get("DEMO_DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_minio_backend",  # system checks and the management commands
    "library",
]
MIDDLEWARE = ["django.middleware.csrf.CsrfViewMiddleware"]
ROOT_URLCONF = "config.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
TIME_ZONE = "UTC"
STATIC_URL = "/static/"  # Django requires it; static URLs come from the storage below

# --- MinIO -----------------------------------------------------------------------------------

# Every bucket name starts with this prefix (the test suite runs the project on shared servers).
BUCKET_PREFIX = os.environ.setdefault("DEMO_BUCKET_PREFIX", "demo")
PRIVATE_BUCKET = f"{BUCKET_PREFIX}-private"  # documents: presigned URLs
PUBLIC_BUCKET = f"{BUCKET_PREFIX}-public"  # photos: plain URLs anyone can open
STATIC_BUCKET = f"{BUCKET_PREFIX}-static"  # collectstatic's target, public
ARCHIVE_BUCKET = f"{BUCKET_PREFIX}-archive"  # reports, on the second cluster

# Two clusters. mypy checks every key and value of these dicts against MinioProfileDict.
MINIO_PROFILES: dict[str, MinioProfile | MinioProfileDict] = {
    "default": {
        "endpoint": os.environ.get("DEMO_DEFAULT_ENDPOINT", "127.0.0.1:9000"),
        "access_key": os.environ.get("DEMO_DEFAULT_ACCESS_KEY", ""),
        "secret_key": os.environ.get("DEMO_DEFAULT_SECRET_KEY", ""),
        "use_https": False,
        "private_buckets": [PRIVATE_BUCKET],
        "public_buckets": [PUBLIC_BUCKET, STATIC_BUCKET],
        "default_bucket": PRIVATE_BUCKET,
        "static_bucket": STATIC_BUCKET,
        "url_expiry": timedelta(hours=1),
    },
    "archive": {
        "endpoint": os.environ.get("DEMO_ARCHIVE_ENDPOINT", "127.0.0.1:9100"),
        "access_key": os.environ.get("DEMO_ARCHIVE_ACCESS_KEY", ""),
        "secret_key": os.environ.get("DEMO_ARCHIVE_SECRET_KEY", ""),
        "use_https": False,
        "private_buckets": [ARCHIVE_BUCKET],
        "default_bucket": ARCHIVE_BUCKET,
        "url_expiry": 600,  # seconds
        "read_timeout": 300,  # a slow, far-away cluster
    },
}

if os.environ.get("DEMO_PROFILES") == "toml":
    # The same two profiles from a TOML file, as in the repository's profiles/ directory;
    # ${VARIABLES} in it are read from the environment, so secrets stay out of the file.
    MINIO_PROFILES = {**load_profiles(BASE_DIR / "config" / "profiles.toml")}

STORAGES = {
    # FileFields without a storage of their own: the default cluster's default (private) bucket.
    "default": {
        "BACKEND": "django_minio_backend.models.MinioBackend",
        "OPTIONS": {"profile": "default"},
    },
    "public": {
        "BACKEND": "django_minio_backend.models.MinioBackend",
        "OPTIONS": {"profile": "default", "bucket_name": PUBLIC_BUCKET},
    },
    # collectstatic uploads to the profile's static_bucket, under content-hashed names that
    # browsers may cache for a year; {% static %} reads the names from the manifest.
    "staticfiles": {
        "BACKEND": "django_minio_backend.models.MinioManifestStaticStorage",
        "OPTIONS": {"profile": "default", "cache_control": "public, max-age=31536000, immutable"},
    },
}
