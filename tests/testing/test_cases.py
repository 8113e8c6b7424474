"""MinioTestCase, for unittest and Django TestCase users: run here as unittest runs it."""

from __future__ import annotations

import unittest
from typing import Any, ClassVar

import django.test
from django.conf import settings
from django.core.files.base import ContentFile

from django_minio_backend import MinioBackend
from django_minio_backend.testing import LocalS3Server, MinioTestCase
from tests.testapp.models import Document


def run_case(case_class: type[unittest.TestCase]) -> unittest.TestResult:
    """Run every test of ``case_class`` with unittest's own machinery."""
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case_class).run(result)
    return result


def test_each_test_gets_fresh_buckets_restored_after(minio_server: LocalS3Server) -> None:
    seen: list[dict[str, Any]] = []

    class UploadTests(MinioTestCase):
        minio_profile_names: ClassVar[tuple[str, ...]] = ("default", "archive")

        def test_one(self) -> None:
            self.assertEqual(settings.MINIO_PROFILES, self.minio_profiles)
            self.assertIs(self.minio_profile, self.minio_profiles["default"])
            name = MinioBackend(profile="archive").save("a.txt", ContentFile(b"a"))
            archive_bucket = self.minio_profiles["archive"]["default_bucket"]
            stat = self.minio_server.client().stat_object(
                bucket_name=archive_bucket, object_name=name
            )
            self.assertEqual(stat.size, 1)
            seen.append(dict(self.minio_profiles))

        def test_two(self) -> None:
            self.assertEqual(MinioBackend().save("a.txt", ContentFile(b"b")), "a.txt")
            seen.append(dict(self.minio_profiles))

    had_profiles = hasattr(settings, "MINIO_PROFILES")
    result = run_case(UploadTests)
    assert result.wasSuccessful(), result.errors + result.failures
    assert result.testsRun == 2
    assert hasattr(settings, "MINIO_PROFILES") == had_profiles
    assert UploadTests.minio_server is minio_server  # one server per process
    first, second = seen
    used = {p["default_bucket"] for p in first.values()} | {
        p["default_bucket"] for p in second.values()
    }
    assert len(used) == 4
    existing = {bucket.name for bucket in minio_server.client().list_buckets()}
    assert used.isdisjoint(existing)  # removed after each test


class TestWithDjangoTestCase(MinioTestCase, django.test.TestCase):
    """Collected by pytest (and pytest-django) like any Django test case of a user."""

    minio_profile_names: ClassVar[tuple[str, ...]] = ("testapp",)

    def test_file_field(self) -> None:
        document = Document.objects.create(file=ContentFile(b"scan", name="scan.pdf"))
        document.refresh_from_db()
        self.assertEqual(document.file.read(), b"scan")
        self.assertIn(self.minio_profile["default_bucket"], document.file.url)


def test_no_profile_names_is_an_error() -> None:
    class Nothing(MinioTestCase):
        minio_profile_names: ClassVar[tuple[str, ...]] = ()

        def test_nothing(self) -> None:
            raise AssertionError("not reached")

    result = run_case(Nothing)
    assert len(result.errors) == 1
    assert "minio_profile_names names no profile" in result.errors[0][1]
