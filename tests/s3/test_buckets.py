"""Making one bucket exist with its policy (ensure_bucket), against the real server."""

from __future__ import annotations

import io
from typing import Any

import pytest

from django_minio_backend.errors import ServerUnavailableError
from django_minio_backend.s3.buckets import ensure_bucket
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import anonymous_get, bucket_names, server_profile
from tests.s3.test_health import down_profile


def put(server: S3Server, bucket: str, key: str = "file.txt") -> str:
    server.client().put_object(
        bucket_name=bucket, object_name=key, data=io.BytesIO(b"content"), length=7
    )
    return key


def test_ensure_bucket_creates_once_per_process(settings: Any, s3_server: S3Server) -> None:
    public, private = bucket_names(2)
    settings.MINIO_PROFILES = {
        "p": server_profile(s3_server, public_buckets=[public], private_buckets=[private])
    }
    client = s3_server.client()
    ensure_bucket("p", public)
    ensure_bucket("p", private)
    assert client.bucket_exists(bucket_name=public) and client.bucket_exists(bucket_name=private)
    put(s3_server, public)
    assert anonymous_get(s3_server, f"{public}/file.txt") == 200
    client.remove_bucket(bucket_name=private)
    ensure_bucket("p", private)  # already checked in this process: no request
    assert not client.bucket_exists(bucket_name=private)


def test_ensure_bucket_unreachable_raises_server_unavailable(settings: Any) -> None:
    down = down_profile()
    settings.MINIO_PROFILES = {"down": down}
    with pytest.raises(ServerUnavailableError, match=r"profile 'down'.*127\.0\.0\.1"):
        ensure_bucket("down", bucket_names(1)[0])
