"""Small helpers shared by server tests."""

from __future__ import annotations

import json
import uuid
from typing import Any, NamedTuple

import urllib3
from minio import Minio

from django_minio_backend.s3.bucket_policies import public_read_policy
from django_minio_backend.testing.s3server import S3Server


def new_bucket_name() -> str:
    """A fresh, valid bucket name such as ``t-1f3a...``; the bucket is not created."""
    return f"t-{uuid.uuid4().hex[:20]}"


def bucket_names(count: int) -> list[str]:
    """``count`` fresh bucket names (not created)."""
    return [new_bucket_name() for _ in range(count)]


def unique_key(prefix: str) -> str:
    """A fresh object name: ``prefix`` and 12 random hex digits."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def make_public_bucket(client: Minio, bucket: str) -> None:
    """Create ``bucket`` with the package's public-read policy (anonymous GET of objects)."""
    client.make_bucket(bucket_name=bucket)
    client.set_bucket_policy(bucket_name=bucket, policy=json.dumps(public_read_policy(bucket)))


def private_and_public_buckets(server: S3Server, prefix: str = "") -> tuple[str, str]:
    """A fresh private bucket (``{prefix}p-...``) and a fresh public one (``{prefix}q-...``)."""
    client = server.client()
    private, public = f"{prefix}p-{uuid.uuid4().hex[:16]}", f"{prefix}q-{uuid.uuid4().hex[:16]}"
    client.make_bucket(bucket_name=private)
    make_public_bucket(client, public)
    return private, public


def read_object(client: Minio, bucket: str, key: str) -> bytes:
    """The whole content of a (small) object, read with the SDK; the connection is released."""
    response = client.get_object(bucket_name=bucket, object_name=key)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def open_upload_ids(client: Minio, bucket: str, key: str) -> list[str]:
    """The ids of the multipart uploads still open for exactly ``key``."""
    # minio 7.2 has no public call for ListMultipartUploads; fine in a test.
    result = client._list_multipart_uploads(bucket_name=bucket, prefix=key)
    return [str(upload.upload_id) for upload in result.uploads if upload.object_name == key]


def minio_storages(profile: str, **extra: dict[str, Any]) -> dict[str, Any]:
    """``STORAGES`` with MinioBackend as default and MinioBackendStatic as staticfiles storage,
    both on ``profile``, plus the ``extra`` aliases."""
    return {
        "default": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {"profile": profile},
        },
        "staticfiles": {
            "BACKEND": "django_minio_backend.models.MinioBackendStatic",
            "OPTIONS": {"profile": profile},
        },
        **extra,
    }


def server_profile(server: S3Server, **fields: Any) -> dict[str, Any]:
    """The dict form of a profile pointing at ``server`` over plain HTTP, plus ``fields``."""
    return {
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "use_https": False,
        "connect_timeout": 5.0,
        "read_timeout": 30.0,
        **fields,
    }


class RecordedRequest(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]


class RecordingPool(urllib3.PoolManager):
    """A connection pool that records every request sent through it.

    ``fail_deletes`` refuses DELETE requests (to test aborts that fail);
    ``enforce_content_length=False`` turns urllib3's own length check off.
    """

    def __init__(
        self, *, fail_deletes: bool = False, enforce_content_length: bool = True, **pool_kw: Any
    ) -> None:
        pool_kw.setdefault("timeout", urllib3.Timeout(connect=5, read=30))
        super().__init__(**pool_kw)
        self.requests: list[RecordedRequest] = []
        self.fail_deletes = fail_deletes
        self.enforce_content_length = enforce_content_length

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        self.requests.append(RecordedRequest(method, url, dict(kw.get("headers") or {})))
        if method == "DELETE" and self.fail_deletes:
            raise urllib3.exceptions.NewConnectionError(None, "injected: DELETE refused")  # type: ignore[arg-type]
        if not self.enforce_content_length:
            kw["enforce_content_length"] = False
        return super().urlopen(method, url, redirect=redirect, **kw)

    def methods(self) -> list[str]:
        """The HTTP methods sent so far, in order."""
        return [request.method for request in self.requests]

    def listings(self) -> list[str]:
        """The URLs of the bucket listings sent so far."""
        return [r.url for r in self.requests if r.method == "GET" and "list-type=" in r.url]


def anonymous_list_policy(bucket: str) -> dict[str, Any]:
    """The seed-era public policy: anonymous listing included."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "*"},
                "Action": ["s3:GetBucketLocation", "s3:ListBucket"],
                "Resource": f"arn:aws:s3:::{bucket}",
            },
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            },
        ],
    }


_ANONYMOUS = urllib3.PoolManager(retries=False, timeout=10.0)


def anonymous_get(server: S3Server, path: str) -> int:
    """The status of an unsigned GET of ``bucket/key`` on ``server``."""
    return int(_ANONYMOUS.request("GET", f"http://{server.endpoint}/{path}").status)
