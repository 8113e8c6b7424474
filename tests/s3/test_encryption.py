"""Server-side encryption measured on the server: SSE-S3 and SSE-C headers read back, every read
of an SSE-C object carries the key, and the server refuses such a read without it."""

from __future__ import annotations

import base64
import secrets
from typing import Any

import pytest
import urllib3
from django.core.files.base import ContentFile
from minio import Minio
from minio.error import S3Error
from minio.sse import SseCustomerKey, SseKMS, SseS3

from django_minio_backend import MinioBackend
from django_minio_backend.errors import ConfigurationError, ServerResponseError
from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import send
from tests.helpers import RecordingPool, new_bucket_name, server_profile

MiB = 1024 * 1024
CUSTOMER = "X-Amz-Server-Side-Encryption-Customer-Key"


def headers_of(
    client: Minio, bucket: str, key: str, ssec: SseCustomerKey | None = None
) -> dict[str, str]:
    stat = client.stat_object(bucket_name=bucket, object_name=key, ssec=ssec)
    return {name.lower(): value for name, value in stat.metadata.items()}


@pytest.fixture
def encrypted(settings: Any, s3_server: S3Server) -> dict[str, Any]:
    """A bucket and profiles on it: ``sse-s3``, ``sse-c`` (key in the environment), ``plain``."""
    bucket = new_bucket_name()
    s3_server.client().make_bucket(bucket_name=bucket)
    key = secrets.token_bytes(32)
    buckets = {"private_buckets": [bucket], "default_bucket": bucket}
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "sse-s3": server_profile(s3_server, encryption="SSE-S3", **buckets),
        "sse-c": server_profile(
            s3_server,
            encryption={"customer_key": key},
            multipart_threshold=5 * MiB,
            multipart_part_size=5 * MiB,
            http_client=pool,
            **buckets,
        ),
        "plain": server_profile(s3_server, **buckets),
    }
    return {"bucket": bucket, "key": key, "pool": pool, "client": s3_server.client()}


def test_sse_s3_objects_are_stored_encrypted(encrypted: dict[str, Any]) -> None:
    storage = MinioBackend(profile="sse-s3")
    name = storage.save("s3/a.txt", ContentFile(b"at rest"))
    big = storage.save("s3/big.bin", ContentFile(b"b" * (17 * MiB)))  # multipart (16 MiB parts)
    for key in (name, big):
        assert (
            headers_of(encrypted["client"], encrypted["bucket"], key)[
                "x-amz-server-side-encryption"
            ]
            == "AES256"
        )
    plain = MinioBackend(profile="plain").save("s3/plain.txt", ContentFile(b"p"))
    assert "x-amz-server-side-encryption" not in headers_of(
        encrypted["client"], encrypted["bucket"], plain
    )
    # SSE-S3 needs nothing to read: a presigned URL works in a browser.
    assert urllib3.request("GET", storage.url(name)).data == b"at rest"


def test_sse_c_key_goes_with_every_write_read_stat_and_ranged_read(
    encrypted: dict[str, Any],
) -> None:
    storage = MinioBackend(profile="sse-c")
    client, bucket, key = encrypted["client"], encrypted["bucket"], encrypted["key"]
    pool: RecordingPool = encrypted["pool"]
    small = storage.save("c/a.txt", ContentFile(b"customer keyed"))
    data = secrets.token_bytes(6 * MiB + 123)
    big = storage.save("c/big.bin", ContentFile(data))  # two parts
    assert storage.exists(small) and storage.size(big) == len(data)
    with storage.open(small) as handle:
        assert handle.read() == b"customer keyed"
    with storage.open(big) as handle:  # streamed: a second GET after the seek (the spool's)
        handle.seek(6 * MiB)
        assert handle.read() == data[6 * MiB :]
    assert storage.get_modified_time(small) is not None
    # Every request on an object carried the key (the bucket listing/creation needs none).
    object_requests = [r for r in pool.requests if "/c/" in r.url]
    assert {r.method for r in object_requests} >= {"PUT", "POST", "GET", "HEAD"}
    expected = base64.b64encode(key).decode()
    for request in object_requests:
        if request.method == "POST" and "uploadId=" in request.url:
            continue  # CompleteMultipartUpload takes no encryption headers
        assert request.headers.get(CUSTOMER) == expected, (request.method, request.url)
    assert sum(r.method == "GET" and "/c/big.bin" in r.url for r in object_requests) >= 2
    # The server answers with the SSE-C headers, and refuses every read without the key.
    stored = headers_of(client, bucket, small, SseCustomerKey(key))
    assert stored["x-amz-server-side-encryption-customer-algorithm"] == "AES256"
    for refused in (
        lambda: client.stat_object(bucket_name=bucket, object_name=small),
        lambda: client.get_object(bucket_name=bucket, object_name=small),
        lambda: client.get_object(bucket_name=bucket, object_name=big, offset=10, length=5),
        lambda: MinioBackend(profile="plain").open(small),
    ):
        with pytest.raises((S3Error, ServerResponseError)) as caught:
            refused()
        status = getattr(caught.value, "status", None) or caught.value.response.status  # type: ignore[union-attr]
        assert status == 400
    wrong = SseCustomerKey(secrets.token_bytes(32))
    with pytest.raises(S3Error) as wrong_key:
        client.get_object(bucket_name=bucket, object_name=small, ssec=wrong)
    assert wrong_key.value.response.status == 403
    # A presigned GET cannot carry the key: browsers get 400 (the README says so).
    assert urllib3.request("GET", storage.url(small)).status == 400


def test_sse_c_copy_on_the_server(encrypted: dict[str, Any]) -> None:
    storage = MinioBackend(profile="sse-c")
    name = storage.save("copy/source.txt", ContentFile(b"copied with the key"))
    target = profile_clients("sse-c")
    encryption = storage._resolve().encryption
    headers = {**encryption.write, **encryption.copy_source}
    etag = sdk_requests.copy_object(
        target.internal, encrypted["bucket"], "copy/target.txt", encrypted["bucket"], name, headers
    )
    assert etag
    with storage.open("copy/target.txt") as handle:
        assert handle.read() == b"copied with the key"
    with pytest.raises(S3Error):  # the source cannot be copied without its key
        sdk_requests.copy_object(
            target.internal, encrypted["bucket"], "copy/other.txt", encrypted["bucket"], name, {}
        )


def test_storage_option_and_env_key_override_the_profile(
    encrypted: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = secrets.token_bytes(32)
    monkeypatch.setenv("TEST_SSE_KEY", base64.b64encode(key).decode())
    storage = MinioBackend(profile="plain", encryption={"customer_key": "env:TEST_SSE_KEY"})
    name = storage.save("env/a.txt", ContentFile(b"env key"))
    assert storage.open(name).read() == b"env key"
    stored = headers_of(encrypted["client"], encrypted["bucket"], name, SseCustomerKey(key))
    assert "x-amz-server-side-encryption-customer-key-md5" in stored
    s3 = MinioBackend(profile="sse-c", encryption="SSE-S3")  # replaces the profile's SSE-C
    other = s3.save("env/s3.txt", ContentFile(b"s3"))
    assert (
        headers_of(encrypted["client"], encrypted["bucket"], other)["x-amz-server-side-encryption"]
        == "AES256"
    )
    assert storage.deconstruct()[2]["encryption"] == {"customer_key": "env:TEST_SSE_KEY"}
    monkeypatch.setenv("TEST_SSE_KEY", "not base64!")
    with pytest.raises(ConfigurationError, match=r"TEST_SSE_KEY does not hold 32 bytes"):
        MinioBackend(profile="plain", encryption={"customer_key": "env:TEST_SSE_KEY"}).exists("a")


def test_upstream_sse_argument_maps_onto_encryption(encrypted: dict[str, Any]) -> None:
    key = secrets.token_bytes(32)
    storage = MinioBackend(profile="plain", sse=SseCustomerKey(key))
    name = storage.save("sse/a.txt", ContentFile(b"4.x"))
    assert storage.open(name).read() == b"4.x"
    assert headers_of(encrypted["client"], encrypted["bucket"], name, SseCustomerKey(key))
    assert "encryption" not in storage.deconstruct()[2]  # a raw key is never recorded
    assert repr(MinioBackend(sse=SseS3()).object_options.encryption) == "Encryption('SSE-S3')"
    kms = MinioBackend(sse=SseKMS("app-key", None)).object_options.encryption
    assert kms is not None and kms.kms_key_id == "app-key"
    with pytest.raises(ConfigurationError, match="encryption context"):
        MinioBackend(sse=SseKMS("app-key", {"a": "b"}))
    with pytest.raises(ConfigurationError, match="sse and encryption given together"):
        MinioBackend(sse=SseS3(), encryption="SSE-S3")


def test_sse_kms_headers_are_sent_and_the_servers_refusal_raised(
    settings: Any, s3_server: S3Server
) -> None:
    # SeaweedFS has no KMS configured: it answers 500, which must surface as an error.
    bucket = new_bucket_name()
    s3_server.client().make_bucket(bucket_name=bucket)
    pool = RecordingPool(retries=False)
    settings.MINIO_PROFILES = {
        "kms": server_profile(
            s3_server,
            encryption={"kms_key_id": "app-key"},
            http_client=pool,
            private_buckets=[bucket],
            default_bucket=bucket,
        )
    }
    with pytest.raises((S3Error, ServerResponseError)):
        MinioBackend(profile="kms").save("kms/a.txt", ContentFile(b"k"))
    put = next(r for r in pool.requests if r.method == "PUT")
    assert put.headers["X-Amz-Server-Side-Encryption"] == "aws:kms"
    assert put.headers["X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"] == "app-key"


def test_invalid_encryption_settings_are_named_without_the_key() -> None:
    key = secrets.token_bytes(31)
    with pytest.raises(ConfigurationError) as caught:
        MinioBackend(encryption={"customer_key": key})
    assert "expected 32 bytes, got 31 bytes" in str(caught.value)
    assert key.hex() not in str(caught.value) and repr(key) not in str(caught.value)
    for wrong, message in (
        ("AES", "expected 'SSE-S3' or a dict"),
        ({"customer_key": "plain text"}, "must be an 'env:VARIABLE' reference"),
        ({"kms_key_id": ""}, "kms_key_id: expected a non-empty string"),
        ({"kms": "x"}, "expected one key"),
    ):
        with pytest.raises(ConfigurationError, match=message):
            MinioBackend(encryption=wrong)


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_direct_uploads_carry_the_storages_encryption(
    encrypted: dict[str, Any], method: str
) -> None:
    storage = MinioBackend(profile="sse-s3")
    signed = storage.presigned_upload("direct/a.txt", max_size=100, method=method)
    body = b"from the browser"
    response = send(signed, body, "application/octet-stream")
    assert response.status in (200, 204), response.data
    stored = headers_of(encrypted["client"], encrypted["bucket"], signed.name)
    assert stored["x-amz-server-side-encryption"] == "AES256"


def test_direct_uploads_refuse_sse_c(encrypted: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="SSE-C"):
        MinioBackend(profile="sse-c").presigned_upload("direct/a.txt", max_size=100)
