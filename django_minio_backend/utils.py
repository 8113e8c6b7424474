"""The 3.x/4.x import path ``django_minio_backend.utils``: re-exports only, nothing lives here."""

from django_minio_backend.errors import ConfigurationError, PrivatePublicMixedError
from django_minio_backend.profiles.sources import get_setting, get_storages_setting
from django_minio_backend.s3.health import MinioServerStatus

__all__ = [
    "ConfigurationError",
    "MinioServerStatus",
    "PrivatePublicMixedError",
    "get_setting",
    "get_storages_setting",
]
