"""Contender: django-minio-storage (``minio_storage``), configured through its settings.

Defaults are kept (reads are buffered in a ``SpooledTemporaryFile``); the region is set, as for
every contender, so that signing a URL needs no request, and the buckets are assumed to exist.
"""

from __future__ import annotations

import sys
from typing import Any

from common import serve
from django_driver import DjangoContender


class DjangoMinioStorage(DjangoContender):
    packages = ("django-minio-storage", "minio")

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "MINIO_STORAGE_ENDPOINT": config["endpoint"],
            "MINIO_STORAGE_ACCESS_KEY": config["access_key"],
            "MINIO_STORAGE_SECRET_KEY": config["secret_key"],
            "MINIO_STORAGE_USE_HTTPS": False,
            "MINIO_STORAGE_REGION": config["region"],
            "MINIO_STORAGE_MEDIA_BUCKET_NAME": config["private_bucket"],
            "MINIO_STORAGE_MEDIA_USE_PRESIGNED": True,
            "MINIO_STORAGE_ASSUME_MEDIA_BUCKET_EXISTS": True,
            "MINIO_STORAGE_STATIC_BUCKET_NAME": config["static_bucket"],
            "MINIO_STORAGE_ASSUME_STATIC_BUCKET_EXISTS": True,
            "STORAGES": {
                "default": {"BACKEND": "minio_storage.storage.MinioMediaStorage"},
                "staticfiles": {"BACKEND": "minio_storage.storage.MinioStaticStorage"},
            },
        }

    def media_storages(self, config: dict[str, Any]) -> tuple[Any, Any]:
        from minio_storage.storage import MinioMediaStorage

        return (
            MinioMediaStorage(),
            MinioMediaStorage(bucket_name=config["public_bucket"], presign_urls=False),
        )


if __name__ == "__main__":
    sys.exit(serve(DjangoMinioStorage()))
