"""The upload view, tested with the kit's pytest fixtures against a real local S3 server."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from gallery.models import Upload


def download(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (a test server URL)
        return bytes(response.read())


@pytest.mark.minio_profiles("default", "archive")
def test_upload_then_archive(minio_profiles: dict[str, Any], minio_server: Any) -> None:
    client = Client()
    sent = SimpleUploadedFile("report.pdf", b"%PDF-1.7 ...", content_type="application/pdf")
    response = client.post("/upload/", {"file": sent})
    assert response.status_code == 201, response.content
    uploaded = response.json()

    # The object is in the fresh private bucket of "default", and its presigned URL works.
    s3 = minio_server.client()
    bucket = minio_profiles["default"]["default_bucket"]
    stat = s3.stat_object(bucket_name=bucket, object_name=uploaded["name"])
    assert stat.content_type == "application/pdf"
    assert "X-Amz-Signature=" in uploaded["url"]
    assert download(uploaded["url"]) == b"%PDF-1.7 ..."

    archived = client.post(f"/archive/{uploaded['id']}/").json()
    archive_bucket = minio_profiles["archive"]["default_bucket"]
    assert archived["name"] == "archive/report.pdf"
    assert download(archived["url"]) == b"%PDF-1.7 ..."
    assert s3.stat_object(bucket_name=archive_bucket, object_name=archived["name"]).size == 12


def test_each_test_starts_with_empty_buckets(minio_profiles: dict[str, Any]) -> None:
    client = Client()
    for _ in range(2):
        sent = SimpleUploadedFile("same.txt", b"x")
        assert client.post("/upload/", {"file": sent}).status_code == 201
    names = sorted(upload.file.name.rsplit("/", 1)[-1] for upload in Upload.objects.all())
    assert names[0] == "same.txt"  # no leftover from another test took the name
    assert names[1] != "same.txt"  # the second one was renamed, not overwritten


def test_upload_without_a_file_is_refused(minio_profiles: dict[str, Any]) -> None:
    assert Client().post("/upload/").status_code == 400
