"""Upstream 4.x's example tests (DjangoExampleApplication/tests.py), kept as they are written
there apart from the test image, plus the 4.x calls user code makes."""

from __future__ import annotations

import io
import time

import urllib3
from django.core import checks
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.validators import URLValidator
from django.test import TestCase
from PIL import Image as PILImage

from django_minio_backend.utils import MinioServerStatus, get_storages_setting
from tests.projects.upstream4.models import (
    DefaultBucketAttachment,
    Image,
    PrivateAttachment,
    PublicAttachment,
)


def image_file() -> io.BytesIO:
    buffer = io.BytesIO()
    PILImage.new("RGB", (64, 48), (10, 20, 30)).save(buffer, "JPEG")
    buffer.seek(0)
    return buffer


test_file_size = len(image_file().getvalue())


class ImageTestCase(TestCase):
    obj: Image

    def setUp(self) -> None:
        call_command("initialize_buckets", silenced=True)
        f = image_file()
        self.obj = Image.objects.create()
        self.obj.image.save(name="audience-868074_1920.jpg", content=File(f))

    def tearDown(self) -> None:
        self.obj.delete()

    def test_url_generation_works(self) -> None:
        val = URLValidator()
        val(self.obj.image.url)
        self.assertTrue("audience-868074_1920" in self.obj.image.url)

    def test_read_image_size(self) -> None:
        self.assertEqual(self.obj.image.size, test_file_size)
        self.assertEqual((self.obj.image.width, self.obj.image.height), (64, 48))


class PublicAttachmentTestCase(TestCase):
    filename = f"public_audience-868074_1920_{int(time.time())}.jpg"

    def setUp(self) -> None:
        call_command("initialize_buckets", silenced=True)
        self.obj = PublicAttachment.objects.create()
        self.obj.file.save(name=self.filename, content=File(image_file()), save=True)

    def test_url_generation_works(self) -> None:
        URLValidator()(self.obj.file.url)
        self.assertTrue("public_audience-868074_1920" in self.obj.file.url)
        response = urllib3.PoolManager().request("GET", self.obj.file.url)
        self.assertEqual(response.status, 200)  # public: a plain URL anyone can read

    def test_read_file_size(self) -> None:
        self.assertEqual(self.obj.file_size, test_file_size)

    def test_read_file_name(self) -> None:
        self.assertEqual(self.obj.file_name, self.filename)


class PrivateAttachmentTestCase(TestCase):
    filename = f"private_audience-868074_1920_{int(time.time())}.jpg"

    def setUp(self) -> None:
        call_command("initialize_buckets", silenced=True)
        self.obj = PrivateAttachment.objects.create()
        self.obj.file.save(name=self.filename, content=File(image_file()), save=True)

    def test_url_generation_works(self) -> None:
        URLValidator()(self.obj.file.url)
        self.assertTrue("private_audience-868074_1920" in self.obj.file.url)
        self.assertIn("X-Amz-Signature=", self.obj.file.url)

    def test_read_file_size(self) -> None:
        self.assertEqual(self.obj.file_size, test_file_size)

    def test_read_file_name(self) -> None:
        self.assertEqual(self.obj.file_name, self.filename)


class UpstreamApiTestCase(TestCase):
    def test_default_and_static_buckets_and_the_names_user_code_calls(self) -> None:
        call_command("initialize_buckets", silenced=True)
        prefix = get_storages_setting("MINIO_STATIC_FILES_BUCKET", "staticfiles")[: -len("-static")]
        default = storages["default"]
        self.assertEqual(default.bucket, f"{prefix}-default")
        self.assertFalse(default.is_bucket_public)
        self.assertIn(f"{prefix}-default", default.PRIVATE_BUCKETS)
        saved = DefaultBucketAttachment.objects.create(file=ContentFile(b"doc", name="a.txt"))
        self.assertEqual(default.stat(saved.file.name).size, 3)

        static = storages["staticfiles"]
        self.assertEqual(static.bucket, f"{prefix}-static")
        self.assertTrue(static.is_bucket_public)
        call_command("collectstatic", interactive=False, verbosity=0)
        response = urllib3.PoolManager().request("GET", static.url("site.css"))
        self.assertEqual((response.status, response.data), (200, b"body { color: red }"))

        status = default.is_minio_available()
        self.assertTrue(status)
        self.assertEqual(repr(status), "MinIO is available")
        missing = MinioServerStatus(None)
        missing.add_message("MINIO_ENDPOINT is not configured")
        self.assertFalse(missing)
        self.assertIn("MINIO_ENDPOINT is not configured", missing.details)

        ids = {message.id for message in checks.run_checks()}
        self.assertIn("django_minio_backend.W006", ids)
        self.assertFalse({i for i in ids if i and i.startswith("django_minio_backend.E")})

    def test_url_caching_keys_give_stable_urls(self) -> None:
        # 4.x caches a URL for MINIO_URL_CACHE_TIMEOUT seconds; here it is signed per window.
        storage = storages["default"]
        self.assertTrue(storage.url_caching_enabled)
        self.assertEqual(storage.url_cache_timeout, 3600)
        saved = DefaultBucketAttachment.objects.create(file=ContentFile(b"doc", name="c.txt"))
        first = saved.file.url
        self.assertIn("X-Amz-Signature=", first)
        self.assertEqual(storages["default"].url(saved.file.name), first)
        response = urllib3.PoolManager().request("GET", first)
        self.assertEqual((response.status, response.data), (200, b"doc"))
