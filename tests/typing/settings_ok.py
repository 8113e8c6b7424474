"""Correct settings: mypy must accept this file as it is. It is type-checked, never run."""

from __future__ import annotations

import os
from datetime import timedelta

import urllib3

from django_minio_backend import MinioProfile, MinioProfileDict

MINIO_PROFILES: dict[str, MinioProfile | MinioProfileDict] = {
    "default": {
        "endpoint": "minio:9000",
        "access_key": "app",
        "secret_key": os.environ.get("MINIO_SECRET_KEY", ""),
        "use_https": False,
        "external_endpoint": "files.example.com",
        "external_use_https": True,
        "region": "us-east-1",
        "url_expiry": timedelta(hours=2),
        "private_buckets": ["media-private"],
        "public_buckets": ("media-public",),
        "default_bucket": "media-private",
        "static_bucket": "media-public",
        "policy_hooks": [("media-public", {"Version": "2012-10-17", "Statement": []})],
        "http_client": urllib3.PoolManager(),
        "connect_timeout": 2.5,
        "max_retries": 0,
    },
    "seconds": {"endpoint": "a:1", "access_key": "a", "secret_key": "s", "url_expiry": 3600},
    "follows": {
        "endpoint": "a:1",
        "access_key": "a",
        "secret_key": "s",
        "external_endpoint": None,
        "external_use_https": None,
    },
    "archive": MinioProfile(
        endpoint="archive.internal:9000",
        access_key="a",
        secret_key="s",
        use_https=True,
        private_buckets=("cold",),
        default_bucket="cold",
        url_expiry=600,
    ),
}

profile: MinioProfile = MinioProfile(endpoint="h", access_key="a", secret_key="s")
expiry: timedelta = profile.url_expiry
buckets: tuple[str, ...] = profile.private_buckets
external_host: str = profile.external_endpoint  # never None once built
external_https: bool = profile.external_use_https
