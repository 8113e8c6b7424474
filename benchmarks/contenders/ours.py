"""Contender: this package (``django_minio_backend``), configured with one named profile."""

from __future__ import annotations

import sys
from typing import Any

from common import download_name, serve
from django_driver import DjangoContender


def _storage_module() -> str:
    """Where the storage classes live (``storage`` now; the package root once re-exported)."""
    import django_minio_backend

    return (
        "django_minio_backend"
        if hasattr(django_minio_backend, "MinioBackend")
        else ("django_minio_backend.storage.backend")
    )


class Ours(DjangoContender):
    packages = ("django-minio-backend", "minio")

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        module = _storage_module()
        return {
            # Listed before staticfiles: this package's collectstatic command replaces Django's.
            "INSTALLED_APPS": ["django_minio_backend", "django.contrib.staticfiles"],
            "MINIO_PROFILES": {
                "default": {
                    "endpoint": config["endpoint"],
                    "access_key": config["access_key"],
                    "secret_key": config["secret_key"],
                    "use_https": False,
                    "region": config["region"],
                    "private_buckets": [config["private_bucket"]],
                    "public_buckets": [config["public_bucket"], config["static_bucket"]],
                    "default_bucket": config["private_bucket"],
                    "static_bucket": config["static_bucket"],
                }
            },
            "STORAGES": {
                "default": {
                    "BACKEND": f"{module}.MinioBackend",
                    "OPTIONS": {"profile": "default"},
                },
                "staticfiles": {
                    "BACKEND": f"{module}.MinioBackendStatic",
                    "OPTIONS": {"profile": "default"},
                },
            },
        }

    def download_url(self, storage: Any, name: str, index: int) -> str | None:
        return str(storage.url(name, download_name=download_name(index)))

    def media_storages(self, config: dict[str, Any]) -> tuple[Any, Any]:
        import importlib

        module = importlib.import_module(_storage_module())
        backend = module.MinioBackend
        return (
            backend(bucket_name=config["private_bucket"], profile="default"),
            backend(bucket_name=config["public_bucket"], profile="default"),
        )


if __name__ == "__main__":
    sys.exit(serve(Ours()))
