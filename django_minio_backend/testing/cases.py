"""``MinioTestCase``: the testing kit for unittest and Django ``TestCase`` users."""

from __future__ import annotations

import unittest
from typing import ClassVar

from django_minio_backend.profiles.model import MinioProfileDict
from django_minio_backend.testing.buckets import profiles_on_fresh_buckets, shared_server
from django_minio_backend.testing.s3server import LocalS3Server

__all__ = ["MinioTestCase"]


class MinioTestCase(unittest.TestCase):
    """Each test runs with ``settings.MINIO_PROFILES`` pointing at fresh buckets on a local S3
    server (one per process, stopped at exit); settings are restored and the buckets removed
    after the test. Combine with Django's test cases::

        class UploadTests(MinioTestCase, django.test.TestCase): ...

    ``minio_profile_names`` lists the profiles to install; ``self.minio_profiles`` holds them by
    name and ``self.minio_profile`` is the first.
    """

    minio_profile_names: ClassVar[tuple[str, ...]] = ("default",)
    minio_server: ClassVar[LocalS3Server]
    minio_profiles: dict[str, MinioProfileDict]
    minio_profile: MinioProfileDict

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.minio_server = shared_server()

    def setUp(self) -> None:
        super().setUp()
        names = self.minio_profile_names
        if not names:
            raise TypeError(f"{type(self).__name__}.minio_profile_names names no profile")
        self.minio_profiles = self.enterContext(profiles_on_fresh_buckets(self.minio_server, names))
        self.minio_profile = self.minio_profiles[names[0]]
