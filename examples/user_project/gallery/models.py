"""Uploads on the default profile; archived copies on the "archive" profile."""

from __future__ import annotations

from django.db import models

from django_minio_backend import MinioBackend, iso_date_prefix


def archive_storage() -> MinioBackend:
    return MinioBackend(profile="archive")


class Upload(models.Model):
    file = models.FileField(upload_to=iso_date_prefix)  # STORAGES["default"]: profile "default"
    uploaded = models.DateTimeField(auto_now_add=True)


class ArchivedUpload(models.Model):
    original = models.OneToOneField(Upload, on_delete=models.CASCADE, related_name="archived")
    file = models.FileField(storage=archive_storage, upload_to="archive/")
