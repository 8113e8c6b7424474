"""Uploading streams: single PUT or multipart, conditional writes, cleanup on failure."""

from __future__ import annotations

import io
import logging
import os
from typing import IO, Any

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.clients import OneAttemptPool, cleanup_timeout
from django_minio_backend.s3.uploads import IncompleteStreamError, ObjectExistsError, upload
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, open_upload_ids, read_object, unique_key

MiB = 1024 * 1024
PART = 5 * MiB
THRESHOLD = 5 * MiB
NO_HEADERS: dict[str, str] = {}


class FailingStream(io.RawIOBase):
    """Gives ``good`` bytes, then raises ``error`` on the next read."""

    def __init__(self, good: int, error: BaseException) -> None:
        self.left = good
        self.error = error

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.left == 0:
            raise self.error
        count = min(len(buffer), self.left)
        buffer[:count] = b"z" * count
        self.left -= count
        return count


def key() -> str:
    return unique_key("up-")


def send(
    s3_client: Minio,
    bucket: str,
    name: str,
    stream: IO[bytes],
    size: int | None,
    *,
    if_none_match: bool = True,
    headers: dict[str, str] = NO_HEADERS,
    threshold: int = THRESHOLD,
    abort_client: Minio | None = None,
) -> str:
    return upload(
        s3_client,
        bucket,
        name,
        stream,
        size,
        headers=headers,
        if_none_match=if_none_match,
        multipart_threshold=threshold,
        part_size=PART,
        abort_client=abort_client,
    )


def assert_missing(s3_client: Minio, bucket: str, name: str) -> None:
    with pytest.raises(S3Error) as caught:
        s3_client.stat_object(bucket_name=bucket, object_name=name)
    assert caught.value.code in {"NoSuchKey", "NoSuchObject"}


# ----------------------------------------------------------------------------- single PUT


def test_small_upload_is_one_put(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    s3_client = s3_server.client(http_client=pool)
    name, data = key(), os.urandom(1000)
    send(s3_client, bucket, name, io.BytesIO(data), len(data))
    assert pool.methods() == ["PUT"]
    assert read_object(s3_client, bucket, name) == data


def test_a_stream_longer_than_its_declared_size_is_stored_whole(
    s3_client: Minio, bucket: str
) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"0123456789"), 4)
    assert read_object(s3_client, bucket, name) == b"0123456789"


@pytest.mark.parametrize("declared", [1, THRESHOLD, THRESHOLD + 1])
def test_a_wrong_small_size_never_truncates_a_multipart_stream(
    s3_client: Minio, bucket: str, declared: int
) -> None:
    name = key()
    data = os.urandom(2 * PART + 123)
    send(s3_client, bucket, name, io.BytesIO(data), declared)
    assert read_object(s3_client, bucket, name) == data


def test_conditional_upload_refuses_an_existing_key(s3_client: Minio, bucket: str) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"original"), 8)
    with pytest.raises(ObjectExistsError) as caught:
        send(s3_client, bucket, name, io.BytesIO(b"intruder"), 8)
    assert caught.value.key == name
    assert read_object(s3_client, bucket, name) == b"original"


def test_unconditional_upload_overwrites(s3_client: Minio, bucket: str) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"old"), 3, if_none_match=False)
    send(s3_client, bucket, name, io.BytesIO(b"newer"), 5, if_none_match=False)
    assert read_object(s3_client, bucket, name) == b"newer"


def test_empty_upload(s3_client: Minio, bucket: str) -> None:
    known, unknown = key(), key()
    send(s3_client, bucket, known, io.BytesIO(b""), 0)
    send(s3_client, bucket, unknown, io.BytesIO(b""), None)
    assert s3_client.stat_object(bucket_name=bucket, object_name=known).size == 0
    assert s3_client.stat_object(bucket_name=bucket, object_name=unknown).size == 0


def test_short_stream_stores_nothing(s3_client: Minio, bucket: str) -> None:
    name = key()
    with pytest.raises(IncompleteStreamError) as caught:
        send(s3_client, bucket, name, io.BytesIO(b"only ten b"), 100)
    assert (caught.value.expected, caught.value.got) == (100, 10)
    assert repr(name) in str(caught.value)
    assert_missing(s3_client, bucket, name)


# ----------------------------------------------------------------------------- multipart


def test_large_upload_is_multipart_and_byte_exact(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    s3_client = s3_server.client(http_client=pool)
    name, data = key(), os.urandom(12 * MiB)
    etag = send(s3_client, bucket, name, io.BytesIO(data), len(data))
    assert etag.endswith("-3")  # 5 + 5 + 2 MiB
    assert pool.methods() == ["POST", "PUT", "PUT", "PUT", "POST"]
    assert read_object(s3_client, bucket, name) == data
    assert open_upload_ids(s3_client, bucket, name) == []


def test_multipart_clash_keeps_the_original_and_aborts(s3_client: Minio, bucket: str) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"original"), 8)
    data = os.urandom(12 * MiB)
    with pytest.raises(ObjectExistsError):
        send(s3_client, bucket, name, io.BytesIO(data), len(data))
    assert read_object(s3_client, bucket, name) == b"original"
    assert open_upload_ids(s3_client, bucket, name) == []


def test_unconditional_multipart_overwrites(s3_client: Minio, bucket: str) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"original"), 8)
    data = os.urandom(6 * MiB)
    send(s3_client, bucket, name, io.BytesIO(data), len(data), if_none_match=False)
    assert read_object(s3_client, bucket, name) == data


def test_short_stream_in_multipart_stores_nothing(s3_client: Minio, bucket: str) -> None:
    name = key()
    with pytest.raises(IncompleteStreamError) as caught:
        send(s3_client, bucket, name, io.BytesIO(os.urandom(7 * MiB)), 12 * MiB)
    assert caught.value.got == 7 * MiB
    assert_missing(s3_client, bucket, name)
    assert open_upload_ids(s3_client, bucket, name) == []


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failing_stream_aborts_the_upload(
    s3_client: Minio, bucket: str, error: BaseException
) -> None:
    name = key()
    with pytest.raises(type(error)) as caught:
        send(s3_client, bucket, name, io.BufferedReader(FailingStream(PART + 1, error)), 12 * MiB)
    assert caught.value is error
    assert_missing(s3_client, bucket, name)
    assert open_upload_ids(s3_client, bucket, name) == []


def test_failed_abort_does_not_hide_the_original_error(
    s3_server: S3Server, s3_client: Minio, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = RecordingPool(fail_deletes=True)
    name = key()
    error = RuntimeError("disk on fire")
    stream = io.BufferedReader(FailingStream(PART + 1, error))
    with (
        caplog.at_level(logging.WARNING, logger="django_minio_backend.s3.uploads"),
        pytest.raises(RuntimeError) as caught,
    ):
        send(s3_server.client(http_client=pool), bucket, name, stream, 12 * MiB)
    assert caught.value is error
    assert pool.methods()[-1] == "DELETE"
    assert "could not abort multipart upload" in caplog.text
    assert repr(name) in caplog.text
    # The upload really was left open; clean it up for the next tests.
    (upload_id,) = open_upload_ids(s3_client, bucket, name)
    assert upload_id in caplog.text
    sdk_requests.abort_multipart_upload(s3_client, bucket, name, upload_id)


def test_abort_goes_through_the_abort_client(s3_server: S3Server, bucket: str) -> None:
    # The storages give the profile's cleanup client (one attempt, short timeout) for the abort.
    requests, aborts = RecordingPool(), RecordingPool()
    s3_client = s3_server.client(http_client=requests)
    name = key()
    stream = io.BufferedReader(FailingStream(PART + 1, RuntimeError("disk on fire")))
    with pytest.raises(RuntimeError):
        send(
            s3_client,
            bucket,
            name,
            stream,
            12 * MiB,
            abort_client=s3_server.client(http_client=aborts),
        )
    assert "DELETE" not in requests.methods()
    assert aborts.methods() == ["DELETE"]
    assert open_upload_ids(s3_client, bucket, name) == []


class KeywordsPool(urllib3.PoolManager):
    """Records what each request would be sent with, and sends nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        self.calls.append((method, url, kw))
        raise LookupError("not sent")


@pytest.mark.parametrize(
    ("connect", "read", "expected"),
    [(10.0, 60.0, (5.0, 5.0)), (0.5, 1.0, (0.5, 1.0)), (2.0, 30.0, (2.0, 5.0))],
)
def test_cleanup_requests_are_short_and_sent_once(
    connect: float, read: float, expected: tuple[float, float]
) -> None:
    profile = MinioProfile(
        endpoint="127.0.0.1:9",
        access_key="a",
        secret_key="s",
        connect_timeout=connect,
        read_timeout=read,
        max_retries=7,
    )
    timeout = cleanup_timeout(profile)
    assert (timeout.connect_timeout, timeout.read_timeout) == expected
    inner = KeywordsPool()
    url = "http://127.0.0.1:9/b/k?uploadId=1"
    with pytest.raises(LookupError):
        OneAttemptPool(inner, timeout).urlopen("DELETE", url, retries=9, timeout=99.0)
    ((method, sent, keywords),) = inner.calls
    assert (method, sent) == ("DELETE", url)
    assert keywords["timeout"] is timeout  # whatever the caller or the pool would use
    assert keywords["retries"].total == 0  # one attempt, never repeated


# ----------------------------------------------------------------------------- unknown size


def test_unknown_small_size_is_one_put(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    s3_client = s3_server.client(http_client=pool)
    name, data = key(), os.urandom(THRESHOLD)  # exactly the threshold: still one PUT
    send(s3_client, bucket, name, io.BytesIO(data), None)
    assert pool.methods() == ["PUT"]
    assert read_object(s3_client, bucket, name) == data


@pytest.mark.parametrize(
    ("threshold", "size", "parts"),
    [
        # The first part is what was read to decide (threshold + 1 bytes), the rest PART each.
        (THRESHOLD, THRESHOLD + 1, 1),
        (THRESHOLD, 2 * PART, 2),
        (THRESHOLD, 12 * MiB + 3, 3),
        # A threshold below the part size: the first part is filled up to PART.
        (1 * MiB, 7 * MiB, 2),
    ],
)
def test_unknown_large_size_is_multipart(
    s3_server: S3Server, bucket: str, threshold: int, size: int, parts: int
) -> None:
    pool = RecordingPool()
    s3_client = s3_server.client(http_client=pool)
    name, data = key(), os.urandom(size)
    etag = send(s3_client, bucket, name, io.BytesIO(data), None, threshold=threshold)
    assert etag.endswith(f"-{parts}")
    assert pool.methods() == ["POST", *["PUT"] * parts, "POST"]
    assert read_object(s3_client, bucket, name) == data


def test_unknown_size_clash_aborts(s3_client: Minio, bucket: str) -> None:
    name = key()
    send(s3_client, bucket, name, io.BytesIO(b"original"), None)
    with pytest.raises(ObjectExistsError):
        send(s3_client, bucket, name, io.BytesIO(os.urandom(6 * MiB)), None)
    assert read_object(s3_client, bucket, name) == b"original"
    assert open_upload_ids(s3_client, bucket, name) == []


def test_stream_of_small_reads(s3_client: Minio, bucket: str) -> None:
    class Trickle(io.BytesIO):
        """Returns at most 1000 bytes per read, like a socket."""

        def read(self, size: int | None = -1, /) -> bytes:
            return super().read(1000 if size is None or size < 0 else min(size, 1000))

    name, data = key(), os.urandom(PART + 5000)
    send(s3_client, bucket, name, Trickle(data), len(data))
    assert read_object(s3_client, bucket, name) == data


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize("size", [100, 6 * MiB], ids=["single", "multipart"])
def test_headers_are_stored(s3_client: Minio, bucket: str, size: int) -> None:
    name = key()
    headers = {
        "Content-Type": "application/pdf",
        "Cache-Control": "public, max-age=3600",
        "Content-Disposition": 'attachment; filename="report.pdf"',
        "x-amz-meta-owner": "alice",
    }
    send(s3_client, bucket, name, io.BytesIO(os.urandom(size)), size, headers=headers)
    stat = s3_client.stat_object(bucket_name=bucket, object_name=name)
    assert stat.metadata is not None
    assert stat.content_type == "application/pdf"
    assert stat.metadata["Cache-Control"] == "public, max-age=3600"
    assert stat.metadata["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert stat.metadata["X-Amz-Meta-owner"] == "alice"


# ----------------------------------------------------------------------------- bad arguments


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"part_size": 4 * MiB}, "part_size must be between 5 MiB and 5 GiB"),
        ({"multipart_threshold": -1}, "multipart_threshold must be between"),
        ({"size": -5}, "size must be None or >= 0"),
        ({"size": 10_001 * PART}, "more than 10000 parts"),
    ],
)
def test_bad_arguments_fail_before_any_request(
    s3_server: S3Server, arguments: dict[str, Any], message: str
) -> None:
    pool = RecordingPool()
    call: dict[str, Any] = {
        "size": 10,
        "headers": {},
        "if_none_match": True,
        "multipart_threshold": THRESHOLD,
        "part_size": PART,
        **arguments,
    }
    size = call.pop("size")
    name = key()
    with pytest.raises(ValueError, match=message) as caught:
        upload(s3_server.client(http_client=pool), "t-any", name, io.BytesIO(b"x"), size, **call)
    assert repr(name) in str(caught.value)
    assert pool.requests == []


def test_text_stream_is_refused(s3_server: S3Server) -> None:
    pool = RecordingPool()
    text: Any = io.StringIO("hello")
    with pytest.raises(TypeError, match="must be binary"):
        send(s3_server.client(http_client=pool), "t-any", key(), text, 5)
    assert pool.requests == []
