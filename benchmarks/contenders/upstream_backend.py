"""Contender: upstream django-minio-backend 4.5 from PyPI (same import name as this package,
so it runs in its own virtual environment, on Python 3.12 which it requires).

Configured the upstream 4.x way: ``MINIO_*`` keys in ``STORAGES[alias]["OPTIONS"]``; defaults
kept (no multipart upload: a save reads the whole file into memory; reads are buffered too).
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

from common import serve
from django_driver import DjangoContender


def _options(config: dict[str, Any]) -> dict[str, Any]:
    return {
        "MINIO_ENDPOINT": config["endpoint"],
        "MINIO_ACCESS_KEY": config["access_key"],
        "MINIO_SECRET_KEY": config["secret_key"],
        "MINIO_USE_HTTPS": False,
        "MINIO_REGION": config["region"],
        "MINIO_URL_EXPIRY_HOURS": datetime.timedelta(days=7),
        "MINIO_PRIVATE_BUCKETS": [config["private_bucket"]],
        "MINIO_PUBLIC_BUCKETS": [config["public_bucket"]],
        "MINIO_DEFAULT_BUCKET": config["private_bucket"],
        "MINIO_STATIC_FILES_BUCKET": config["static_bucket"],
    }


class Upstream(DjangoContender):
    packages = ("django-minio-backend", "minio")

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "STORAGES": {
                "default": {
                    "BACKEND": "django_minio_backend.models.MinioBackend",
                    "OPTIONS": _options(config),
                },
                "staticfiles": {
                    "BACKEND": "django_minio_backend.models.MinioBackendStatic",
                    "OPTIONS": _options(config),
                },
            }
        }

    def media_storages(self, config: dict[str, Any]) -> tuple[Any, Any]:
        import django_minio_backend
        from django_minio_backend.models import MinioBackend

        # Same import name as this repository's package: make sure we measure upstream.
        version = self.versions()["django-minio-backend"]
        if not version.startswith("4.5"):
            raise RuntimeError(
                f"expected upstream 4.5, imported {version} from {django_minio_backend.__file__}"
            )
        return (
            MinioBackend(bucket_name=config["private_bucket"]),
            MinioBackend(bucket_name=config["public_bucket"]),
        )


if __name__ == "__main__":
    sys.exit(serve(Upstream()))
