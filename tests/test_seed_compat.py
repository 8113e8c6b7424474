"""A project written for the seed's README (3.8.1) works unchanged."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

import urllib3
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.db import migrations, models
from django.db.migrations.writer import MigrationWriter
from django.test.utils import isolate_apps

from django_minio_backend import MinioBackend, MinioBackendStatic, iso_date_prefix
from django_minio_backend.models import MinioBackend as SeedPathBackend
from django_minio_backend.models import iso_date_prefix as seed_iso_date_prefix
from django_minio_backend.testing.s3server import S3Server


def seed_settings(settings: Any, server: S3Server, private: str, public: str) -> None:
    """Step 3 of the seed README, pointed at the test server."""
    settings.STORAGES = {
        "default": {"BACKEND": "django_minio_backend.models.MinioBackend"},
        "staticfiles": {"BACKEND": "django_minio_backend.models.MinioBackendStatic"},
    }
    settings.MINIO_ENDPOINT = server.endpoint
    settings.MINIO_EXTERNAL_ENDPOINT = server.endpoint.replace("127.0.0.1", "localhost")
    settings.MINIO_EXTERNAL_ENDPOINT_USE_HTTPS = False
    settings.MINIO_REGION = "us-east-1"
    settings.MINIO_ACCESS_KEY = server.access_key
    settings.MINIO_SECRET_KEY = server.secret_key
    settings.MINIO_USE_HTTPS = False
    settings.MINIO_URL_EXPIRY_HOURS = timedelta(days=1)
    settings.MINIO_CONSISTENCY_CHECK_ON_START = False
    settings.MINIO_PRIVATE_BUCKETS = [private]
    settings.MINIO_PUBLIC_BUCKETS = [public]
    settings.MINIO_POLICY_HOOKS = []
    settings.MINIO_MEDIA_FILES_BUCKET = private
    settings.MINIO_STATIC_FILES_BUCKET = public
    settings.MINIO_BUCKET_CHECK_ON_SAVE = True


@isolate_apps("tests.testapp")  # the model below stays out of the project's registry
def test_seed_project_works_unchanged(settings: Any, s3_server: S3Server) -> None:
    suffix = uuid.uuid4().hex[:12]
    private, public = f"django-backend-dev-private-{suffix}", f"django-backend-dev-public-{suffix}"
    seed_settings(settings, s3_server, private, public)

    class PrivateAttachment(models.Model):
        file = models.FileField(
            verbose_name="Object Upload",
            storage=MinioBackend(bucket_name=private),
            upload_to=iso_date_prefix,
        )

        class Meta:
            app_label = "testapp"
            managed = False

    field = PrivateAttachment._meta.get_field("file")
    name = field.generate_filename(PrivateAttachment(), "report.pdf")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}/report\.pdf", name)
    stored = field.storage.save(name, ContentFile(b"%PDF-1.4"))
    url = field.storage.url(stored)
    assert url.startswith(f"http://{settings.MINIO_EXTERNAL_ENDPOINT}/{private}/")
    assert urllib3.PoolManager().request("GET", url).data == b"%PDF-1.4"

    # STORAGES["default"] with no OPTIONS: the media bucket of the flat settings.
    assert isinstance(storages["default"], SeedPathBackend)
    assert isinstance(storages["staticfiles"], MinioBackendStatic)
    assert storages["staticfiles"].bucket_name == public
    saved = default_storage.save("seed/default.txt", ContentFile(b"default"))
    assert s3_server.client().stat_object(bucket_name=private, object_name=saved).size == 7

    # The seed's health check, with no argument.
    minio_available = MinioBackend().is_minio_available()
    assert minio_available
    assert SeedPathBackend is MinioBackend and seed_iso_date_prefix is iso_date_prefix


def test_migrations_record_the_seed_paths_of_upload_to_and_storages(settings: Any) -> None:
    # A migration written now must load under 3.8.1 too (a downgrade) and after any later move
    # of our modules: it names the seed's import paths, django_minio_backend.models.*.
    settings.MINIO_PROFILES = {
        "default": {"endpoint": "m:9000", "access_key": "a", "secret_key": "s"}
    }
    field = models.FileField(storage=MinioBackend(bucket_name="media"), upload_to=iso_date_prefix)
    writer = MigrationWriter(
        type(
            "Migration",
            (migrations.Migration,),
            {"operations": [migrations.AddField("document", "scan", field)]},
        )("0002_scan", "testapp")
    )
    text = writer.as_string()
    assert "upload_to=django_minio_backend.models.iso_date_prefix" in text
    assert "storage=django_minio_backend.models.MinioBackend(" in text
    assert "import django_minio_backend.models" in text
    assert "storage.backend" not in text and "upload_paths" not in text
