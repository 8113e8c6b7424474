"""Models as upstream 4.x's example application writes them (storage_name=, bucket_name=)."""

from __future__ import annotations

import os

from django.db import models

from django_minio_backend import MinioBackend, iso_date_prefix

_P = os.environ["U4_PREFIX"]


class Image(models.Model):
    image = models.ImageField(
        upload_to=iso_date_prefix,
        storage=MinioBackend(bucket_name=f"{_P}-images", storage_name="default"),
    )


class PublicAttachment(models.Model):
    file = models.FileField(
        upload_to=iso_date_prefix,
        storage=MinioBackend(bucket_name=f"{_P}-public", storage_name="default"),
    )

    @property
    def file_name(self) -> str:
        return self.file.name.split("/")[-1]

    @property
    def file_size(self) -> int:
        return int(self.file.size)


class PrivateAttachment(models.Model):
    file = models.FileField(
        upload_to=iso_date_prefix,
        storage=MinioBackend(bucket_name=f"{_P}-private", storage_name="default"),
    )

    @property
    def file_name(self) -> str:
        return self.file.name.split("/")[-1]

    @property
    def file_size(self) -> int:
        return int(self.file.size)


class DefaultBucketAttachment(models.Model):
    file = models.FileField(upload_to="docs/")  # STORAGES["default"]: MINIO_DEFAULT_BUCKET
