"""A project configured as upstream django-minio-backend 4.x documents it (its example project):
``MINIO_*`` keys in each storage's OPTIONS, a default bucket listed nowhere, a static bucket.

Run unchanged by tests/test_upstream_projects.py with the test server in ``U4_*`` variables.
"""

from __future__ import annotations

import os
from datetime import timedelta

SECRET_KEY = "upstream4-tests-only"
USE_TZ = True
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "django_minio_backend",
    "tests.projects.upstream4",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["U4_DATABASE"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"
STATICFILES_DIRS = [os.environ["U4_STATIC_SOURCE"]]

_P = os.environ["U4_PREFIX"]
_CONNECTION = {
    "MINIO_ENDPOINT": os.environ["U4_ENDPOINT"],
    "MINIO_EXTERNAL_ENDPOINT": os.environ["U4_ENDPOINT"],
    "MINIO_EXTERNAL_ENDPOINT_USE_HTTPS": False,
    "MINIO_ACCESS_KEY": os.environ["U4_ACCESS_KEY"],
    "MINIO_SECRET_KEY": os.environ["U4_SECRET_KEY"],
    "MINIO_USE_HTTPS": False,
    "MINIO_REGION": "us-east-1",
}
STORAGES = {
    "staticfiles": {
        "BACKEND": "django_minio_backend.models.MinioBackendStatic",
        "OPTIONS": {
            **_CONNECTION,
            "MINIO_URL_EXPIRY_HOURS": timedelta(days=1),
            "MINIO_CONSISTENCY_CHECK_ON_START": False,
            "MINIO_STATIC_FILES_BUCKET": f"{_P}-static",
        },
    },
    "default": {
        "BACKEND": "django_minio_backend.models.MinioBackend",
        "OPTIONS": {
            **_CONNECTION,
            "MINIO_DEFAULT_BUCKET": f"{_P}-default",  # listed nowhere: private, with a warning
            "MINIO_PRIVATE_BUCKETS": [f"{_P}-private", f"{_P}-images"],
            "MINIO_PUBLIC_BUCKETS": [f"{_P}-public"],
            "MINIO_URL_EXPIRY_HOURS": timedelta(days=1),
            "MINIO_CONSISTENCY_CHECK_ON_START": False,
            "MINIO_BUCKET_CHECK_ON_SAVE": False,
            "MINIO_POLICY_HOOKS": [],
            "MINIO_MULTIPART_UPLOAD": True,
            "MINIO_MULTIPART_THRESHOLD": 10 * 1024 * 1024,
            "MINIO_MULTIPART_PART_SIZE": 10 * 1024 * 1024,
            "MINIO_URL_CACHING_ENABLED": True,
            "MINIO_URL_CACHE_TIMEOUT": 3600,
            "MINIO_URL_CACHE_PREFIX": "minio_url_",
        },
    },
}
