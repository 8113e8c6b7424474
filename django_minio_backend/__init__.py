"""Django storage backend for MinIO and S3-compatible stores, configured by named profiles."""

from django_minio_backend.apps import DjangoMinioBackendConfig
from django_minio_backend.errors import (
    ConfigurationError,
    MinioBackendError,
    PrivatePublicMixedError,
    ServerResponseError,
    ServerUnavailableError,
)
from django_minio_backend.profiles.files import load_profiles
from django_minio_backend.profiles.model import MinioProfile, MinioProfileDict
from django_minio_backend.profiles.sources import get_profile, get_profiles
from django_minio_backend.s3.health import MinioServerStatus
from django_minio_backend.s3.object_reader import (
    ObjectChangedError,
    ObjectReadError,
    TruncatedObjectError,
)
from django_minio_backend.storage.backend import MinioBackend, MinioBackendStatic
from django_minio_backend.storage.static import MinioManifestStaticStorage
from django_minio_backend.storage.upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "ConfigurationError",
    "DjangoMinioBackendConfig",
    "MinioBackend",
    "MinioBackendError",
    "MinioBackendStatic",
    "MinioManifestStaticStorage",
    "MinioProfile",
    "MinioProfileDict",
    "MinioServerStatus",
    "ObjectChangedError",
    "ObjectReadError",
    "PrivatePublicMixedError",
    "ServerResponseError",
    "ServerUnavailableError",
    "TruncatedObjectError",
    "get_iso_date",
    "get_profile",
    "get_profiles",
    "iso_date_prefix",
    "load_profiles",
]
