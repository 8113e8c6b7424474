"""Uploading streams: single PUT or multipart, conditional writes, cleanup on failure."""

from __future__ import annotations

import io
import logging
import os
import uuid
from typing import IO, Any

import pytest
from minio import Minio
from minio.error import S3Error

from django_minio_backend.transfers import IncompleteStreamError, ObjectExistsError, upload
from tests.helpers import RecordingPool
from tests.s3server import REGION, S3Server

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


@pytest.fixture(scope="module")
def client(s3_server: S3Server) -> Minio:
    return s3_server.client()


@pytest.fixture(scope="module")
def bucket(client: Minio) -> str:
    """One bucket for this module (a new bucket's first large write costs about a second);
    every test uses its own object names."""
    name = f"t-{uuid.uuid4().hex[:20]}"
    client.make_bucket(name)
    return name


def recording_client(server: S3Server, pool: RecordingPool) -> Minio:
    return Minio(
        server.endpoint,
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region=REGION,
        http_client=pool,
    )


def key() -> str:
    return f"up-{uuid.uuid4().hex[:12]}"


def send(
    client: Minio,
    bucket: str,
    name: str,
    stream: IO[bytes],
    size: int | None,
    *,
    if_none_match: bool = True,
    headers: dict[str, str] = NO_HEADERS,
    threshold: int = THRESHOLD,
) -> str:
    return upload(
        client,
        bucket,
        name,
        stream,
        size,
        headers=headers,
        if_none_match=if_none_match,
        multipart_threshold=threshold,
        part_size=PART,
    )


def read_back(client: Minio, bucket: str, name: str) -> bytes:
    response = client.get_object(bucket, name)
    try:
        return response.read()
    finally:
        response.close()
        response.release_conn()


def assert_missing(client: Minio, bucket: str, name: str) -> None:
    with pytest.raises(S3Error) as caught:
        client.stat_object(bucket, name)
    assert caught.value.code in {"NoSuchKey", "NoSuchObject"}


def open_uploads(client: Minio, bucket: str, name: str) -> list[str]:
    result = client._list_multipart_uploads(bucket, prefix=name)
    return [str(upload.upload_id) for upload in result.uploads if upload.object_name == name]


# ----------------------------------------------------------------------------- single PUT


def test_small_upload_is_one_put(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    client = recording_client(s3_server, pool)
    name, data = key(), os.urandom(1000)
    send(client, bucket, name, io.BytesIO(data), len(data))
    assert pool.methods() == ["PUT"]
    assert read_back(client, bucket, name) == data


def test_only_size_bytes_are_sent(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"0123456789"), 4)
    assert read_back(client, bucket, name) == b"0123"


def test_conditional_upload_refuses_an_existing_key(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"original"), 8)
    with pytest.raises(ObjectExistsError) as caught:
        send(client, bucket, name, io.BytesIO(b"intruder"), 8)
    assert caught.value.key == name
    assert read_back(client, bucket, name) == b"original"


def test_unconditional_upload_overwrites(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"old"), 3, if_none_match=False)
    send(client, bucket, name, io.BytesIO(b"newer"), 5, if_none_match=False)
    assert read_back(client, bucket, name) == b"newer"


def test_empty_upload(client: Minio, bucket: str) -> None:
    known, unknown = key(), key()
    send(client, bucket, known, io.BytesIO(b""), 0)
    send(client, bucket, unknown, io.BytesIO(b""), None)
    assert client.stat_object(bucket, known).size == 0
    assert client.stat_object(bucket, unknown).size == 0


def test_short_stream_stores_nothing(client: Minio, bucket: str) -> None:
    name = key()
    with pytest.raises(IncompleteStreamError) as caught:
        send(client, bucket, name, io.BytesIO(b"only ten b"), 100)
    assert (caught.value.expected, caught.value.got) == (100, 10)
    assert repr(name) in str(caught.value)
    assert_missing(client, bucket, name)


# ----------------------------------------------------------------------------- multipart


def test_large_upload_is_multipart_and_byte_exact(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    client = recording_client(s3_server, pool)
    name, data = key(), os.urandom(12 * MiB)
    etag = send(client, bucket, name, io.BytesIO(data), len(data))
    assert etag.endswith("-3")  # 5 + 5 + 2 MiB
    assert pool.methods() == ["POST", "PUT", "PUT", "PUT", "POST"]
    assert read_back(client, bucket, name) == data
    assert open_uploads(client, bucket, name) == []


def test_multipart_clash_keeps_the_original_and_aborts(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"original"), 8)
    data = os.urandom(12 * MiB)
    with pytest.raises(ObjectExistsError):
        send(client, bucket, name, io.BytesIO(data), len(data))
    assert read_back(client, bucket, name) == b"original"
    assert open_uploads(client, bucket, name) == []


def test_unconditional_multipart_overwrites(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"original"), 8)
    data = os.urandom(6 * MiB)
    send(client, bucket, name, io.BytesIO(data), len(data), if_none_match=False)
    assert read_back(client, bucket, name) == data


def test_short_stream_in_multipart_stores_nothing(client: Minio, bucket: str) -> None:
    name = key()
    with pytest.raises(IncompleteStreamError) as caught:
        send(client, bucket, name, io.BytesIO(os.urandom(7 * MiB)), 12 * MiB)
    assert caught.value.got == 7 * MiB
    assert_missing(client, bucket, name)
    assert open_uploads(client, bucket, name) == []


@pytest.mark.parametrize("error", [RuntimeError("disk on fire"), KeyboardInterrupt()])
def test_failing_stream_aborts_the_upload(client: Minio, bucket: str, error: BaseException) -> None:
    name = key()
    with pytest.raises(type(error)) as caught:
        send(client, bucket, name, io.BufferedReader(FailingStream(PART + 1, error)), 12 * MiB)
    assert caught.value is error
    assert_missing(client, bucket, name)
    assert open_uploads(client, bucket, name) == []


def test_failed_abort_does_not_hide_the_original_error(
    s3_server: S3Server, client: Minio, bucket: str, caplog: pytest.LogCaptureFixture
) -> None:
    pool = RecordingPool(fail_deletes=True)
    name = key()
    error = RuntimeError("disk on fire")
    stream = io.BufferedReader(FailingStream(PART + 1, error))
    with (
        caplog.at_level(logging.WARNING, logger="django_minio_backend.transfers"),
        pytest.raises(RuntimeError) as caught,
    ):
        send(recording_client(s3_server, pool), bucket, name, stream, 12 * MiB)
    assert caught.value is error
    assert pool.methods()[-1] == "DELETE"
    assert "could not abort multipart upload" in caplog.text
    assert repr(name) in caplog.text
    # The upload really was left open; clean it up for the next tests.
    (upload_id,) = open_uploads(client, bucket, name)
    assert upload_id in caplog.text
    client._abort_multipart_upload(bucket, name, upload_id)


# ----------------------------------------------------------------------------- unknown size


def test_unknown_small_size_is_one_put(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool()
    client = recording_client(s3_server, pool)
    name, data = key(), os.urandom(THRESHOLD)  # exactly the threshold: still one PUT
    send(client, bucket, name, io.BytesIO(data), None)
    assert pool.methods() == ["PUT"]
    assert read_back(client, bucket, name) == data


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
    client = recording_client(s3_server, pool)
    name, data = key(), os.urandom(size)
    etag = send(client, bucket, name, io.BytesIO(data), None, threshold=threshold)
    assert etag.endswith(f"-{parts}")
    assert pool.methods() == ["POST", *["PUT"] * parts, "POST"]
    assert read_back(client, bucket, name) == data


def test_unknown_size_clash_aborts(client: Minio, bucket: str) -> None:
    name = key()
    send(client, bucket, name, io.BytesIO(b"original"), None)
    with pytest.raises(ObjectExistsError):
        send(client, bucket, name, io.BytesIO(os.urandom(6 * MiB)), None)
    assert read_back(client, bucket, name) == b"original"
    assert open_uploads(client, bucket, name) == []


def test_stream_of_small_reads(client: Minio, bucket: str) -> None:
    class Trickle(io.BytesIO):
        """Returns at most 1000 bytes per read, like a socket."""

        def read(self, size: int | None = -1, /) -> bytes:
            return super().read(1000 if size is None or size < 0 else min(size, 1000))

    name, data = key(), os.urandom(PART + 5000)
    send(client, bucket, name, Trickle(data), len(data))
    assert read_back(client, bucket, name) == data


# ----------------------------------------------------------------------------- headers


@pytest.mark.parametrize("size", [100, 6 * MiB], ids=["single", "multipart"])
def test_headers_are_stored(client: Minio, bucket: str, size: int) -> None:
    name = key()
    headers = {
        "Content-Type": "application/pdf",
        "Cache-Control": "public, max-age=3600",
        "Content-Disposition": 'attachment; filename="report.pdf"',
        "x-amz-meta-owner": "alice",
    }
    send(client, bucket, name, io.BytesIO(os.urandom(size)), size, headers=headers)
    stat = client.stat_object(bucket, name)
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
        upload(recording_client(s3_server, pool), "t-any", name, io.BytesIO(b"x"), size, **call)
    assert repr(name) in str(caught.value)
    assert pool.requests == []


def test_text_stream_is_refused(s3_server: S3Server) -> None:
    pool = RecordingPool()
    text: Any = io.StringIO("hello")
    with pytest.raises(TypeError, match="must be binary"):
        send(recording_client(s3_server, pool), "t-any", key(), text, 5)
    assert pool.requests == []
