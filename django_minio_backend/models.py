"""The seed's import path: ``django_minio_backend.models.MinioBackend`` keeps working, and so do
the other names 3.x/4.x code imports from here."""

from django_minio_backend.errors import ConfigurationError, PrivatePublicMixedError
from django_minio_backend.profiles.sources import get_setting
from django_minio_backend.s3.health import MinioServerStatus
from django_minio_backend.storage.backend import MinioBackend, MinioBackendStatic
from django_minio_backend.storage.backend import MinioObjectFile as S3File
from django_minio_backend.storage.static import MinioManifestStaticStorage
from django_minio_backend.storage.upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "ConfigurationError",
    "MinioBackend",
    "MinioBackendStatic",
    "MinioManifestStaticStorage",
    "MinioServerStatus",
    "PrivatePublicMixedError",
    "S3File",
    "get_iso_date",
    "get_setting",
    "iso_date_prefix",
]
