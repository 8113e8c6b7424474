"""Helpers of the direct upload tests: what a browser sends to the bucket, over plain HTTP."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import urllib3

from django_minio_backend.s3.upload_signing import PresignedUpload
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import server_profile

HTTP = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=60))


def send(
    signed: PresignedUpload | dict[str, Any], data: bytes, content_type: str
) -> urllib3.BaseHTTPResponse:
    """Upload ``data`` as a browser would: the POST form (file last) or the PUT."""
    if isinstance(signed, PresignedUpload):
        method, url = signed.method, signed.url
        fields, headers = dict(signed.fields), dict(signed.headers)
    else:
        method, url = signed["method"], signed["url"]
        fields, headers = dict(signed["fields"]), dict(signed["headers"])
    if method == "PUT":
        return HTTP.request("PUT", url, body=data, headers=headers)
    fields.setdefault("Content-Type", content_type)
    return HTTP.request(
        "POST", url, fields=[*fields.items(), ("file", ("upload.bin", data, content_type))]
    )


def use_upload_profile(settings: Any, server: S3Server, **fields: Any) -> tuple[str, str]:
    """The profiles "default" and "testapp" on ``server``, each with a fresh private bucket."""
    client = server.client()
    buckets = (f"u-{uuid.uuid4().hex[:16]}", f"v-{uuid.uuid4().hex[:16]}")
    for bucket in buckets:
        client.make_bucket(bucket_name=bucket)
    settings.MINIO_PROFILES = {
        "default": server_profile(
            server, private_buckets=[buckets[0]], default_bucket=buckets[0], **fields
        ),
        "testapp": server_profile(
            server,
            private_buckets=[buckets[1]],
            default_bucket=buckets[1],
            static_bucket=buckets[1],
            **fields,
        ),
    }
    return buckets


@pytest.fixture
def upload_buckets(settings: Any, s3_server: S3Server) -> tuple[str, str]:
    """Fresh private buckets of the profiles "default" and "testapp"."""
    return use_upload_profile(settings, s3_server)
