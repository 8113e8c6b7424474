"""Files opened for writing (``storage.open(name, "wb" | "w")``), against the real server."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from django_minio_backend import MinioBackend
from django_minio_backend.storage.writable import WRITE_SPOOL_MEMORY, MinioWriteFile
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, new_bucket_name, read_object, server_profile

MiB = 1024 * 1024


@pytest.fixture
def bucket_name(s3_server: S3Server) -> str:
    name = new_bucket_name()
    s3_server.client().make_bucket(bucket_name=name)
    return name


@pytest.fixture
def pool() -> RecordingPool:
    return RecordingPool()


@pytest.fixture
def storage(
    settings: Any, s3_server: S3Server, bucket_name: str, pool: RecordingPool
) -> MinioBackend:
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[bucket_name],
            default_bucket=bucket_name,
            http_client=pool,
            multipart_threshold=5 * MiB,
            multipart_part_size=5 * MiB,
        )
    }
    return MinioBackend()


def name_for(suffix: str) -> str:
    return f"written/{uuid.uuid4().hex[:10]}-{suffix}"


def test_binary_write_round_trip_in_one_put(
    storage: MinioBackend, s3_server: S3Server, bucket_name: str, pool: RecordingPool
) -> None:
    name = name_for("report.csv")
    with storage.open(name, "wb") as handle:
        assert isinstance(handle, MinioWriteFile)
        handle.write(b"a,b\n")
        handle.write(b"1,2\n")
        assert handle.size == 8
        assert pool.methods() == []  # nothing is sent before close
    assert pool.methods() == ["PUT"]
    assert read_object(s3_server.client(), bucket_name, name) == b"a,b\n1,2\n"
    stat = s3_server.client().stat_object(bucket_name=bucket_name, object_name=name)
    assert stat.content_type == "text/csv"
    with storage.open(name, "rb") as back:
        assert back.read() == b"a,b\n1,2\n"


def test_text_write_is_utf8(storage: MinioBackend, s3_server: S3Server, bucket_name: str) -> None:
    name = name_for("notes.txt")
    with storage.open(name, "w") as handle:
        handle.write("Grüße, ")
        handle.write("世界\n")
    assert read_object(s3_server.client(), bucket_name, name) == "Grüße, 世界\n".encode()
    with storage.open(name, "r") as back:
        assert back.read() == "Grüße, 世界\n"


def test_writing_replaces_the_object_under_the_same_name(
    storage: MinioBackend, s3_server: S3Server, bucket_name: str
) -> None:
    name = storage.save(name_for("same.bin"), ContentFile(b"old content"))
    with storage.open(name, "wb") as handle:
        handle.write(b"new")
    assert read_object(s3_server.client(), bucket_name, name) == b"new"
    assert storage.listdir("written")[1].count(name.split("/")[1]) == 1  # no renamed copy


def test_nothing_is_uploaded_when_the_block_raises(
    storage: MinioBackend, s3_server: S3Server, bucket_name: str, pool: RecordingPool
) -> None:
    kept = storage.save(name_for("kept.txt"), ContentFile(b"untouched"))
    fresh = name_for("never.txt")
    pool.requests.clear()
    with pytest.raises(RuntimeError, match="boom"), storage.open(kept, "wb") as handle:
        handle.write(b"half written")
        raise RuntimeError("boom")
    with pytest.raises(RuntimeError, match="boom"), storage.open(fresh, "w") as text:
        text.write("half written")
        raise RuntimeError("boom")
    assert pool.methods() == []
    assert read_object(s3_server.client(), bucket_name, kept) == b"untouched"
    assert not storage.exists(fresh)


def test_close_uploads_once_and_discard_uploads_nothing(
    storage: MinioBackend, pool: RecordingPool
) -> None:
    name = name_for("explicit.bin")
    handle = storage.open(name, "wb")
    handle.write(b"closed explicitly")
    handle.close()
    handle.close()
    assert pool.methods() == ["PUT"]
    assert storage.size(name) == len(b"closed explicitly")
    with pytest.raises(ValueError, match="closed"):
        handle.open("wb")

    dropped = storage.open(name_for("dropped.bin"), "wb")
    assert isinstance(dropped, MinioWriteFile)
    dropped.write(b"x")
    pool.requests.clear()
    dropped.discard()
    assert pool.methods() == []


def test_large_write_spools_to_disk_and_goes_multipart(
    storage: MinioBackend, s3_server: S3Server, bucket_name: str, pool: RecordingPool
) -> None:
    name = name_for("big.bin")
    block = bytes(range(256)) * 4096  # 1 MiB
    with storage.open(name, "wb") as handle:
        for _ in range(12):
            handle.write(block)
        spool = handle._spool
        assert getattr(spool, "_rolled", True), "past the memory limit the spool is on disk"
        assert handle.size == 12 * MiB > WRITE_SPOOL_MEMORY
    methods = pool.methods()
    assert methods[0] == "POST" and methods[-1] == "POST"  # create ... complete
    assert methods.count("PUT") == 3  # 12 MiB in 5 MiB parts
    stat = s3_server.client().stat_object(bucket_name=bucket_name, object_name=name)
    assert stat.size == 12 * MiB
    assert read_object(s3_server.client(), bucket_name, name) == block * 12


@pytest.mark.parametrize("mode", ["ab", "a", "r+b", "w+", "wb+", "xb", "x"])
def test_append_update_and_exclusive_modes_are_refused(storage: MinioBackend, mode: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"mode {mode!r}") + ".*open it with 'wb'"):
        storage.open("x.txt", mode)


def test_bad_names_are_refused_before_writing(storage: MinioBackend, pool: RecordingPool) -> None:
    with pytest.raises(SuspiciousFileOperation):
        storage.open("../escape.txt", "wb")
    assert pool.methods() == []
