"""The testing kit: a real local S3 server for your project's tests (extra ``testing``).

``LocalS3Server`` runs SeaweedFS (from PyPI, no Docker) on free loopback ports. The pytest plugin
(loaded by its entry point) offers the fixtures ``minio_server``, ``minio_profile`` and
``minio_profiles``; ``MinioTestCase`` does the same for unittest and Django ``TestCase``.
"""

from django_minio_backend.testing.buckets import (
    FreshBuckets,
    fresh_buckets,
    installed_profiles,
    new_bucket_name,
    profiles_on_fresh_buckets,
)
from django_minio_backend.testing.cases import MinioTestCase
from django_minio_backend.testing.s3server import LocalS3Server, S3ServerError

__all__ = [
    "FreshBuckets",
    "LocalS3Server",
    "MinioTestCase",
    "S3ServerError",
    "fresh_buckets",
    "installed_profiles",
    "new_bucket_name",
    "profiles_on_fresh_buckets",
]

try:
    import pytest  # noqa: F401  # the plugin needs it; unittest users may not have it
except ImportError:
    pass
else:
    from django_minio_backend.testing.pytest_plugin import (  # noqa: F401  # pytest finds them here
        minio_profile,
        minio_profiles,
        minio_server,
        pytest_configure,
    )
