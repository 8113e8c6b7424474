"""The Django storages: files on one bucket of a profile, static files, their options."""

from __future__ import annotations

from django_minio_backend.storage.backend import MinioBackend, MinioBackendStatic, MinioObjectFile
from django_minio_backend.storage.static import MinioManifestStaticStorage

__all__ = ["MinioBackend", "MinioBackendStatic", "MinioManifestStaticStorage", "MinioObjectFile"]
