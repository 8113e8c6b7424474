"""The same kit for Django ``TestCase`` users: ``MinioTestCase``."""

from __future__ import annotations

from django.core.files.base import ContentFile
from django.test import TestCase
from gallery.models import ArchivedUpload, Upload

from django_minio_backend.testing import MinioTestCase


class ArchiveTests(MinioTestCase, TestCase):
    minio_profile_names = ("default", "archive")

    def test_archive_copies_to_the_other_profile(self) -> None:
        item = Upload.objects.create(file=ContentFile(b"scan", name="scan.png"))
        response = self.client.post(f"/archive/{item.pk}/")
        self.assertEqual(response.status_code, 200)
        copy = ArchivedUpload.objects.get(original=item)
        self.assertEqual(
            copy.file.storage.bucket_name, self.minio_profiles["archive"]["default_bucket"]
        )
        with copy.file.open("rb") as stored:
            self.assertEqual(stored.read(), b"scan")

    def test_missing_upload_is_404(self) -> None:
        self.assertEqual(self.client.post("/archive/999/").status_code, 404)
