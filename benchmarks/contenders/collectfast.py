"""Contender: collectfasta's ``collectstatic`` over django-storages ``S3StaticStorage``.

collectfasta is the maintained fork of collectfast (whose last release, 2.2.0 of 2020,
predates Django's STORAGES setting); it runs in the django-storages environment. Only the
static storage and the command differ from the ``storages`` contender: the app is listed before
``django.contrib.staticfiles``, with its boto3 strategy, 8 upload threads (its default is none;
8 is what this package uses) and a local-memory cache for its hashes, which lives as long as
the worker process: the second run finds every hash there.
"""

from __future__ import annotations

import sys
from typing import Any

from common import serve
from django_storages_s3 import DjangoStorages


class Collectfast(DjangoStorages):
    packages = ("collectfasta", "django-storages", "boto3", "botocore")
    counts_unmodified = False  # its summary is only "N static files copied."

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        return {
            **super().settings(config),
            "INSTALLED_APPS": ["collectfasta", "django.contrib.staticfiles"],
            "COLLECTFASTA_STRATEGY": "collectfasta.strategies.boto3.Boto3Strategy",
            "COLLECTFASTA_THREADS": 8,
            # Its hash cache, as its README asks: room for every file (the default holds 300).
            "CACHES": {
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "OPTIONS": {"MAX_ENTRIES": 10_000},
                }
            },
        }

    def bench_collectstatic(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from django.core.cache import cache

        # Each round starts from an empty bucket, as a fresh deploy process would with an
        # empty cache; a hash cached in an earlier round would skip the upload of a file the
        # harness has removed since.
        cache.clear()
        return super().bench_collectstatic(p)


if __name__ == "__main__":
    sys.exit(serve(Collectfast()))
