"""Orphan search in a bucket shared by storages with a ``location``."""

from __future__ import annotations

import pytest

from django_minio_backend.administration.orphans import find_orphans
from django_minio_backend.administration.storage_usage import StorageUse
from django_minio_backend.testing.s3server import S3Server
from tests.administration.test_orphans import put
from tests.administration.test_orphans import testapp_buckets as testapp_buckets
from tests.testapp.models import Document


@pytest.mark.django_db
def test_only_the_fields_prefixes_are_searched_and_names_are_relative(
    s3_server: S3Server, request: pytest.FixtureRequest
) -> None:
    media, _static = request.getfixturevalue("testapp_buckets")
    put(s3_server, media, "media/docs/kept.txt", "media/docs/orphan.txt", "docs/kept.txt")
    put(s3_server, media, "static/app.css", "static/docs/kept.txt")
    Document.objects.create(file="docs/kept.txt")
    field = Document._meta.get_field("file")
    use = StorageUse("Document.file", "testapp", media, field=field, location="media")
    search = find_orphans("testapp", media, uses=[use])
    assert list(search) == ["media/docs/orphan.txt"]
    report = search.report()
    assert (report.objects, report.referenced, report.missing) == (2, 1, 0)
    at_root = StorageUse("Document.file", "testapp", media, field=field)
    everything = find_orphans("testapp", media, uses=[use, at_root])
    assert sorted(everything) == ["media/docs/orphan.txt", "static/app.css", "static/docs/kept.txt"]
