"""The seed's import path: ``django_minio_backend.models.MinioBackend`` keeps working."""

from django_minio_backend.s3.health import MinioServerStatus
from django_minio_backend.storage.backend import MinioBackend, MinioBackendStatic
from django_minio_backend.storage.static import MinioManifestStaticStorage
from django_minio_backend.storage.upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "MinioBackend",
    "MinioBackendStatic",
    "MinioManifestStaticStorage",
    "MinioServerStatus",
    "get_iso_date",
    "iso_date_prefix",
]
