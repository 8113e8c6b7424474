"""The seed's import path: ``django_minio_backend.models.MinioBackend`` keeps working."""

from .health import MinioServerStatus
from .storage import MinioBackend, MinioBackendStatic
from .upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "MinioBackend",
    "MinioBackendStatic",
    "MinioServerStatus",
    "get_iso_date",
    "iso_date_prefix",
]
