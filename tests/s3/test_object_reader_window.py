"""ObjectReader: seeks inside data already read cost no request; the window stays bounded;
FileResponse of a large object sends one GET."""

from __future__ import annotations

import io
import os
import tracemalloc
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.http import FileResponse

from django_minio_backend import MinioBackend
from django_minio_backend.s3.object_reader import DEFAULT_SPOOL_LIMIT, READ_AHEAD, open_object
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, new_bucket_name, server_profile, unique_key

MiB = 1024 * 1024


def recorded(server: S3Server, bucket: str, data: bytes) -> tuple[RecordingPool, Any, str]:
    pool = RecordingPool()
    client = server.client(http_client=pool)
    name = unique_key("win-")
    client.put_object(bucket_name=bucket, object_name=name, data=io.BytesIO(data), length=len(data))
    pool.requests.clear()
    return pool, client, name


def test_rereading_what_was_read_sends_no_request(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(300 * 1024)
    pool, client, name = recorded(s3_server, bucket, data)
    with open_object(client, bucket, name, profile="p") as reader:
        assert reader.read(1000) == data[:1000]  # a format's header
        reader.seek(0)
        assert reader.read(10) == data[:10]
        reader.seek(0, io.SEEK_END)  # a size probe
        reader.seek(500)
        assert reader.read() == data[500:]
        reader.seek(100)
        assert reader.read(50) == data[100:150]
    assert pool.methods() == ["GET"]


def test_the_window_is_bounded(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(3 * MiB)
    pool, client, name = recorded(s3_server, bucket, data)
    with open_object(client, bucket, name, profile="p", window=MiB, spool_limit=0) as reader:
        assert reader.read() == data
        assert len(reader._window) == MiB  # only the last MiB is kept
        reader.seek(2 * MiB + 10)
        assert reader.read(100) == data[2 * MiB + 10 : 2 * MiB + 110]
        assert pool.methods() == ["GET"]
        reader.seek(10)  # dropped from the window: fetched again
        assert reader.read(100) == data[10:110]
    assert pool.methods() == ["GET", "GET"]
    assert pool.requests[1].headers["Range"] == "bytes=10-"


def test_file_response_of_a_large_object_is_one_get(settings: Any, s3_server: S3Server) -> None:
    bucket, pool = new_bucket_name(), RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[bucket],
            default_bucket=bucket,
            bucket_check_on_save=True,
            http_client=pool,
        )
    }
    storage = MinioBackend()
    data = os.urandom(3 * MiB)
    name = storage.save(unique_key("big/") + ".bin", ContentFile(data))
    pool.requests.clear()
    with storage.open(name) as opened:
        response = FileResponse(opened)
        assert response["Content-Length"] == str(len(data))
        assert b"".join(response.streaming_content) == data  # type: ignore[arg-type]
    assert pool.methods() == ["GET"]


def test_small_reads_read_ahead_and_reads_are_whole(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(3 * MiB + 17)
    pool, client, name = recorded(s3_server, bucket, data)
    with open_object(client, bucket, name, profile="p", chunk=1 * MiB) as reader:
        assert reader.read(10) == data[:10]
        # The first small read took READ_AHEAD bytes: what follows inside them is no request.
        reader.seek(READ_AHEAD - 100)
        assert reader.read(100) == data[READ_AHEAD - 100 : READ_AHEAD]
        assert reader.peek(5)[:5] == data[READ_AHEAD : READ_AHEAD + 5]
        assert reader.tell() == READ_AHEAD  # peek does not move
        assert len(pool.requests) == 1
        # A read larger than a chunk and across the window's end is whole, in one piece.
        assert reader.read(2 * MiB + 3) == data[READ_AHEAD : READ_AHEAD + 2 * MiB + 3]
        assert reader.read1(10**9) == data[READ_AHEAD + 2 * MiB + 3 :][: 1 * MiB]
        assert reader.read() == data[READ_AHEAD + 3 * MiB + 3 :]
        assert reader.read(1) == b""
        assert reader.peek() == b""
    assert len(pool.requests) == 1


def test_lines_of_a_large_text_file_cost_one_get(settings: Any, s3_server: S3Server) -> None:
    lines = [f"line {index} " + "x" * (index % 300) + "\n" for index in range(20_000)]
    text = "".join(lines)
    assert len(text) > 2 * MiB  # larger than what open() reads at once
    bucket, pool = new_bucket_name(), RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[bucket],
            default_bucket=bucket,
            bucket_check_on_save=True,
            http_client=pool,
        )
    }
    storage = MinioBackend()
    name = storage.save(unique_key("text/") + ".txt", ContentFile(text.encode()))
    pool.requests.clear()
    with storage.open(name, "r") as handle:
        assert list(handle) == lines
    with storage.open(name, "rb") as handle:
        assert handle.readline() == lines[0].encode()
        assert handle.readline() == lines[1].encode()
    assert pool.methods() == ["GET", "GET"]


def workbook_bytes(rows: int) -> bytes:
    """An xlsx of several MiB: two sheets of numbers and text (openpyxl writes it)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook(write_only=True)
    for title in ("first", "second"):
        sheet = book.create_sheet(title)
        for row in range(rows):
            sheet.append([row, row * 1.5, f"text {row} {os.urandom(6).hex()}", title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# django-storages 1.14 needs 3 requests per workbook under 8 MiB (HEAD at open, HEAD and GET by
# boto3's download_fileobj); counted in benchmarks' xlsx_read row.
DJANGO_STORAGES_REQUESTS = 3


def test_an_xlsx_read_through_openpyxl_costs_two_requests(
    settings: Any, s3_server: S3Server
) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    data = workbook_bytes(60_000)
    assert 2 * MiB < len(data) < DEFAULT_SPOOL_LIMIT  # streamed at open, then spooled
    bucket, pool = new_bucket_name(), RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[bucket],
            default_bucket=bucket,
            bucket_check_on_save=True,
            http_client=pool,
        )
    }
    storage = MinioBackend()
    name = storage.save(unique_key("books/") + ".xlsx", ContentFile(data))
    pool.requests.clear()
    with storage.open(name) as handle:
        book = openpyxl.load_workbook(handle, read_only=True)
        counted = [sum(1 for row in sheet.iter_rows(values_only=True)) for sheet in book]
        book.close()
    assert counted == [60_000, 60_000]
    assert pool.methods() == ["GET", "GET"]  # the open, then the whole object into the spool
    assert "Range" not in pool.requests[1].headers
    assert pool.requests[1].headers["If-Match"]
    assert len(pool.requests) <= DJANGO_STORAGES_REQUESTS


def test_the_spool_keeps_memory_bounded(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(12 * MiB)
    pool, client, name = recorded(s3_server, bucket, data)
    tracemalloc.start()
    try:
        with open_object(client, bucket, name, profile="p") as reader:
            reader.seek(-100, io.SEEK_END)
            assert reader.read() == data[-100:]
            reader.seek(5 * MiB)
            assert reader.read(MiB) == data[5 * MiB : 6 * MiB]
            reader.seek(0)
            assert reader.read(10) == data[:10]
            _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5 * MiB  # the spool holds 1 MiB in memory; 12 MiB went to a temporary file
    assert pool.methods() == ["GET", "GET"]


def test_a_larger_object_is_read_in_ranges(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(3 * MiB)
    pool, client, name = recorded(s3_server, bucket, data)
    with open_object(client, bucket, name, profile="p", spool_limit=2 * MiB) as reader:
        reader.seek(-100, io.SEEK_END)
        assert reader.read() == data[-100:]
        reader.seek(10)
        assert reader.read(10) == data[10:20]
    assert [request.headers.get("Range") for request in pool.requests] == [
        None,
        f"bytes={3 * MiB - 100}-",
        "bytes=10-",
    ]
