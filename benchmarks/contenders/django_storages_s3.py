"""Contender: django-storages ``S3Storage`` (boto3), pointed at the same server.

Its defaults are kept (``file_overwrite=True``: a save is one PUT that overwrites, no existence
check); only what is needed to reach a local S3 server is set.
"""

from __future__ import annotations

import sys
from typing import Any

from common import download_disposition, serve
from django_driver import DjangoContender


def _options(config: dict[str, Any], bucket: str) -> dict[str, Any]:
    return {
        "bucket_name": bucket,
        "access_key": config["access_key"],
        "secret_key": config["secret_key"],
        "endpoint_url": f"http://{config['endpoint']}",
        "region_name": config["region"],
        "signature_version": "s3v4",
        "addressing_style": "path",
    }


class DjangoStorages(DjangoContender):
    packages = ("django-storages", "boto3", "botocore", "s3transfer")

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        return {
            "STORAGES": {
                "default": {
                    "BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": _options(config, config["private_bucket"]),
                },
                "staticfiles": {
                    "BACKEND": "storages.backends.s3.S3StaticStorage",
                    "OPTIONS": _options(config, config["static_bucket"]),
                },
            }
        }

    def download_url(self, storage: Any, name: str, index: int) -> str | None:
        disposition = {"ResponseContentDisposition": download_disposition(index)}
        return str(storage.url(name, parameters=disposition))

    def media_storages(self, config: dict[str, Any]) -> tuple[Any, Any]:
        from storages.backends.s3 import S3Storage

        return (
            S3Storage(**_options(config, config["private_bucket"])),
            S3Storage(querystring_auth=False, **_options(config, config["public_bucket"])),
        )


if __name__ == "__main__":
    sys.exit(serve(DjangoStorages()))
