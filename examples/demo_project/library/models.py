"""Files on two MinIO clusters: a private and a public bucket here, a private one far away."""

from __future__ import annotations

from django.core.files.storage import Storage, storages
from django.db import models

from django_minio_backend import MinioBackend, iso_date_prefix


def public_storage() -> Storage:
    """``STORAGES["public"]``: the public bucket of the default cluster."""
    return storages["public"]


def archive_storage() -> MinioBackend:
    """The default bucket of the archive cluster (a second server).

    A callable rather than a storage object: migrations record this function's name, so moving
    the files to another profile or bucket later needs no new migration.
    """
    return MinioBackend(profile="archive")


class Document(models.Model):
    """A private file on the default storage: its URL is presigned and expires."""

    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=iso_date_prefix)
    uploaded = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class Photo(models.Model):
    """A file in a public bucket: a plain URL that anyone can open."""

    caption = models.CharField(max_length=200)
    image = models.FileField(storage=public_storage, upload_to="photos/")
    uploaded = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.caption


class ArchivedReport(models.Model):
    """A file on the archive cluster."""

    title = models.CharField(max_length=200)
    scan = models.FileField(storage=archive_storage, upload_to=iso_date_prefix)
    uploaded = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title
