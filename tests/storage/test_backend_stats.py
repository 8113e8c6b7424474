"""exists() followed by size()/get_modified_time() of the same name shares one HEAD request."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile

from django_minio_backend import MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, server_profile


def test_exists_then_metadata_costs_one_head(settings: Any, s3_server: S3Server) -> None:
    bucket = f"r-{uuid.uuid4().hex[:16]}"
    s3_server.client().make_bucket(bucket_name=bucket)
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server, private_buckets=[bucket], default_bucket=bucket, http_client=pool
        )
    }
    storage = MinioBackend()
    storage.save("a.txt", ContentFile(b"12345"))
    storage.save("b.txt", ContentFile(b"123"))

    pool.requests.clear()
    assert storage.exists("a.txt")
    assert storage.get_modified_time("a.txt") is not None
    assert pool.methods() == ["HEAD"]  # the second call reused the first answer

    pool.requests.clear()
    assert storage.size("a.txt") == 5
    assert pool.methods() == ["HEAD"]  # reused once only: this one asked again

    pool.requests.clear()
    assert storage.exists("a.txt")
    assert storage.size("b.txt") == 3  # another name: its own request
    assert pool.methods() == ["HEAD", "HEAD"]

    storage.exists("a.txt")
    storage.delete("a.txt")
    pool.requests.clear()
    assert not storage.exists("a.txt")  # a delete in between: nothing stale is reused
    assert pool.methods() == ["HEAD"]
