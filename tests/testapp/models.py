"""Models used by tests that need ``FileField``s on MinIO storages.

Their storages use the profile ``"testapp"``, which the tests that use these models define:
``Document.file`` goes to its ``default_bucket``, ``Document.asset`` to its ``static_bucket``.
"""

from __future__ import annotations

from django.db import models

from django_minio_backend.models import MinioBackend, MinioBackendStatic


class Document(models.Model):
    file = models.FileField(storage=MinioBackend(profile="testapp"), upload_to="docs/", blank=True)
    asset = models.FileField(
        storage=MinioBackendStatic(profile="testapp"), upload_to="assets/", blank=True
    )

    def __str__(self) -> str:
        return self.file.name or self.asset.name or f"document {self.pk}"
