"""The seed's import path: ``django_minio_backend.models.MinioBackend`` keeps working."""

from .health import MinioServerStatus
from .static_storage import MinioManifestStaticStorage
from .storage import MinioBackend, MinioBackendStatic
from .upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "MinioBackend",
    "MinioBackendStatic",
    "MinioManifestStaticStorage",
    "MinioServerStatus",
    "get_iso_date",
    "iso_date_prefix",
]
