"""Reading objects as streamed, seekable files, against the real server."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import os
import socket
import threading
import tracemalloc
import uuid
from typing import Any

import pytest
import urllib3
from minio import Minio
from minio.error import S3Error

from django_minio_backend.errors import MinioBackendError, missing_object
from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.object_reader import (
    DEFAULT_SPOOL_LIMIT,
    ObjectChangedError,
    ObjectReader,
    ObjectReadError,
    TruncatedObjectError,
    open_object,
)
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, unique_key

KiB = 1024
MiB = 1024 * KiB
PROFILE = "reader"  # the profile name errors mention


def key() -> str:
    return unique_key("rd-")


def put(s3_client: Minio, bucket: str, data: bytes, **kw: Any) -> str:
    name = key()
    s3_client.put_object(
        bucket_name=bucket, object_name=name, data=io.BytesIO(data), length=len(data), **kw
    )
    return name


def recorded_object(server: S3Server, bucket: str, data: bytes) -> tuple[RecordingPool, Minio, str]:
    """A client that records its requests and an object of ``data`` written through it; the
    recording starts empty after the write."""
    pool = RecordingPool()
    s3_client = server.client(http_client=pool)
    name = put(s3_client, bucket, data)
    pool.requests.clear()
    return pool, s3_client, name


# ----------------------------------------------------------------------------- reading


def test_full_read_and_properties(s3_client: Minio, bucket: str) -> None:
    data = os.urandom(300 * KiB)
    name = put(s3_client, bucket, data, content_type="image/png")
    stat = s3_client.stat_object(bucket_name=bucket, object_name=name)
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.size == len(data)
        assert reader.etag == stat.etag == hashlib.md5(data, usedforsecurity=False).hexdigest()
        assert reader.last_modified == stat.last_modified
        assert reader.content_type == "image/png"
        assert (reader.bucket, reader.key, reader.name) == (bucket, name, name)
        assert reader.read() == data
        assert reader.read() == b""
        assert reader.tell() == len(data)


def test_chunked_reads(s3_client: Minio, bucket: str) -> None:
    data = os.urandom(200 * KiB + 7)
    name = put(s3_client, bucket, data)
    pieces = []
    with open_object(s3_client, bucket, name, chunk=10 * KiB, profile=PROFILE) as reader:
        while piece := reader.read(7777):
            assert len(piece) <= 7777
            pieces.append(piece)
    assert b"".join(pieces) == data


def test_seek_and_read(s3_client: Minio, bucket: str) -> None:
    data = os.urandom(100 * KiB)
    name = put(s3_client, bucket, data)
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.seek(5000) == 5000
        assert reader.read(100) == data[5000:5100]
        assert reader.seek(-10, io.SEEK_END) == len(data) - 10
        assert reader.read() == data[-10:]
        assert reader.seek(0) == 0
        assert reader.read(10) == data[:10]
        assert reader.seek(20, io.SEEK_CUR) == 30
        assert reader.read(5) == data[30:35]
        with pytest.raises(ValueError, match="negative seek position"):
            reader.seek(-1)


def test_read_past_the_end_sends_no_request(s3_server: S3Server, bucket: str) -> None:
    pool, s3_client, name = recorded_object(s3_server, bucket, b"0123456789")
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.read() == b"0123456789"
        assert reader.read(5) == b""
        assert reader.seek(50) == 50
        assert reader.read() == b""
        assert reader.seek(10) == 10
        assert reader.read(1) == b""
    assert len(pool.requests) == 1


def test_open_and_full_read_is_one_request(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(10 * KiB)
    pool, s3_client, name = recorded_object(s3_server, bucket, data)
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.seek(0) == 0  # Django's File.open() does this: it must cost nothing
        assert reader.size == len(data)
        assert reader.read() == data
    assert pool.methods() == ["GET"]


def test_read_after_seek_sends_a_ranged_conditional_get(s3_server: S3Server, bucket: str) -> None:
    pool, s3_client, name = recorded_object(s3_server, bucket, b"abcdefghij")
    with open_object(s3_client, bucket, name, profile=PROFILE, spool_limit=0) as reader:
        reader.seek(4)
        assert reader.read(3) == b"efg"
    assert len(pool.requests) == 2
    headers = pool.requests[1].headers
    assert headers["Range"] == "bytes=4-"
    assert headers["If-Match"].strip('"') == reader.etag


def test_buffered_reader(s3_client: Minio, bucket: str) -> None:
    data = os.urandom(1 * MiB + 123)
    name = put(s3_client, bucket, data)
    with io.BufferedReader(
        open_object(s3_client, bucket, name, profile=PROFILE), 64 * KiB
    ) as buffered:
        assert buffered.read(10) == data[:10]
        buffered.seek(700 * KiB)
        assert buffered.read(100 * KiB) == data[700 * KiB : 800 * KiB]
        buffered.seek(-50, io.SEEK_END)
        assert buffered.read() == data[-50:]
        buffered.seek(3)
        assert buffered.tell() == 3
        assert buffered.read(1 * MiB) == data[3 : 3 + 1 * MiB]


def test_empty_object(s3_server: S3Server, bucket: str) -> None:
    pool, s3_client, name = recorded_object(s3_server, bucket, b"")
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.size == 0
        assert reader.read() == b""
    assert len(pool.requests) == 1


def test_stored_encoding_is_not_decoded(s3_client: Minio, bucket: str) -> None:
    compressed = gzip.compress(b"hello " * 1000)
    name = key()
    headers = {"Content-Encoding": "gzip"}
    sdk_requests.put_object(s3_client, bucket, name, compressed, headers, if_none_match=False)
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.read() == compressed


def test_read_after_close_fails(s3_client: Minio, bucket: str) -> None:
    name = put(s3_client, bucket, b"data")
    reader = open_object(s3_client, bucket, name, profile=PROFILE)
    reader.close()
    assert reader.closed
    with pytest.raises(ValueError, match="closed"):
        reader.read()


# ----------------------------------------------------------------------------- errors


def test_missing_key(s3_client: Minio, bucket: str) -> None:
    name = key()
    with pytest.raises(FileNotFoundError) as caught:
        open_object(s3_client, bucket, name, profile=PROFILE)
    assert repr(name) in str(caught.value)
    assert repr(bucket) in str(caught.value)
    # The one wording of "missing", as the storages give it.
    assert str(caught.value) == str(missing_object(PROFILE, bucket, name))
    assert (
        str(caught.value) == f"profile {PROFILE!r}: object {name!r} not found in bucket {bucket!r}"
    )


def test_missing_bucket(s3_client: Minio) -> None:
    bucket = f"t-missing-{uuid.uuid4().hex[:12]}"
    with pytest.raises(FileNotFoundError) as caught:
        open_object(s3_client, bucket, "some/key.txt", profile=PROFILE)
    assert repr(bucket) in str(caught.value)
    assert "'some/key.txt'" in str(caught.value)
    assert str(caught.value) == (
        f"profile {PROFILE!r}: object 'some/key.txt' not found: bucket {bucket!r} does not exist"
    )


def test_wrong_credentials_are_not_missing(s3_server: S3Server, bucket: str) -> None:
    name = put(s3_server.client(), bucket, b"secret")
    intruder = s3_server.client(secret_key=s3_server.secret_key + "-wrong")
    with pytest.raises(S3Error) as caught:
        open_object(intruder, bucket, name, profile=PROFILE)
    assert caught.value.code == "SignatureDoesNotMatch"


def test_unreachable_server_is_not_missing(s3_server: S3Server) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = urllib3.PoolManager(retries=False, timeout=2.0)
    s3_client = s3_server.client(endpoint=f"127.0.0.1:{port}", http_client=http)
    with pytest.raises(urllib3.exceptions.HTTPError) as caught:
        open_object(s3_client, "t-any", "key", profile=PROFILE)
    assert not isinstance(caught.value, FileNotFoundError)


@pytest.mark.parametrize("spool_limit", [0, DEFAULT_SPOOL_LIMIT], ids=["ranged", "spooled"])
def test_replaced_object_is_not_mixed(s3_client: Minio, bucket: str, spool_limit: int) -> None:
    size = 300 * KiB
    name = put(s3_client, bucket, b"A" * size)
    with open_object(s3_client, bucket, name, profile=PROFILE, spool_limit=spool_limit) as reader:
        assert reader.read(10) == b"A" * 10
        s3_client.put_object(
            bucket_name=bucket, object_name=name, data=io.BytesIO(b"B" * size), length=size
        )
        reader.seek(200 * KiB)  # beyond what the first read took (READ_AHEAD)
        with pytest.raises(ObjectChangedError) as caught:
            reader.read(10)
    assert repr(name) in str(caught.value)


@pytest.mark.parametrize("spool_limit", [0, DEFAULT_SPOOL_LIMIT], ids=["ranged", "spooled"])
def test_deleted_object_while_reading(s3_client: Minio, bucket: str, spool_limit: int) -> None:
    name = put(s3_client, bucket, b"A" * 1000)
    with open_object(s3_client, bucket, name, profile=PROFILE, spool_limit=spool_limit) as reader:
        s3_client.remove_object(bucket_name=bucket, object_name=name)
        reader.seek(10)
        with pytest.raises(FileNotFoundError) as caught:
            reader.read(10)
    assert repr(name) in str(caught.value)
    assert str(caught.value) == str(missing_object(PROFILE, bucket, name))


# ----------------------------------------------------------------------------- connections


class CuttingProxy:
    """A TCP proxy to the server that closes each connection after ``limit`` response bytes
    (or, with ``stall``, stops forwarding and holds the connection open until closed)."""

    def __init__(self, upstream_port: int, limit: int, *, stall: bool = False) -> None:
        self.upstream_port = upstream_port
        self.limit = limit
        self.stall = stall
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # so that the accept loop notices close()
        self.port: int = self.listener.getsockname()[1]
        self.stopped = threading.Event()
        self.threads: list[threading.Thread] = []
        self.sockets: list[socket.socket] = []
        self._start(self._accept)

    def _start(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self.threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self.stopped.is_set():
            try:
                downstream, _ = self.listener.accept()
            except TimeoutError:
                continue
            downstream.settimeout(None)
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            self.sockets += [downstream, upstream]
            self._start(self._pipe, downstream, upstream, None)
            self._start(self._pipe, upstream, downstream, self.limit)

    def _pipe(self, source: socket.socket, target: socket.socket, limit: int | None) -> None:
        sent = 0
        with contextlib.suppress(OSError):
            while limit is None or sent < limit:
                wanted = 64 * KiB if limit is None else min(64 * KiB, limit - sent)
                data = source.recv(wanted)
                if not data:
                    break
                target.sendall(data)
                sent += len(data)
        if limit is not None and self.stall:
            self.stopped.wait()
        for sock in (source, target):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def close(self) -> None:
        """Stop accepting and cut every connection."""
        self.stopped.set()
        self.threads[0].join(timeout=5)
        self.listener.close()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for thread in self.threads:
            thread.join(timeout=5)


@pytest.mark.parametrize("urllib3_check", [True, False], ids=["urllib3-check", "own-check"])
def test_connection_cut_mid_body_raises(
    s3_server: S3Server, bucket: str, urllib3_check: bool
) -> None:
    data = os.urandom(2 * MiB)
    name = put(s3_server.client(), bucket, data)
    proxy = CuttingProxy(s3_server.s3_port, limit=256 * KiB)
    try:
        pool = RecordingPool(enforce_content_length=urllib3_check, retries=False)
        s3_client = s3_server.client(endpoint=f"127.0.0.1:{proxy.port}", http_client=pool)
        received = 0
        with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
            assert reader.size == len(data)
            with pytest.raises(TruncatedObjectError) as caught:
                while piece := reader.read(64 * KiB):
                    assert piece == data[received : received + len(piece)]
                    received += len(piece)
        assert 0 < received < len(data)
        assert repr(name) in str(caught.value)
    finally:
        proxy.close()


def test_stall_mid_body_raises_an_os_error(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(2 * MiB)
    name = put(s3_server.client(), bucket, data)
    proxy = CuttingProxy(s3_server.s3_port, limit=256 * KiB, stall=True)
    try:
        pool = RecordingPool(retries=False, timeout=urllib3.Timeout(connect=2, read=0.5))
        s3_client = s3_server.client(endpoint=f"127.0.0.1:{proxy.port}", http_client=pool)
        with (
            open_object(s3_client, bucket, name, profile=PROFILE) as reader,
            pytest.raises(ObjectReadError) as caught,
        ):
            while reader.read(64 * KiB):
                pass
        assert repr(name) in str(caught.value)
        assert isinstance(caught.value.__cause__, urllib3.exceptions.ReadTimeoutError)
    finally:
        proxy.close()


def test_lost_server_after_open_raises_an_os_error(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(300 * KiB)
    name = put(s3_server.client(), bucket, data)
    proxy = CuttingProxy(s3_server.s3_port, limit=10 * MiB)
    pool = RecordingPool(retries=False, timeout=urllib3.Timeout(connect=2, read=5))
    s3_client = s3_server.client(endpoint=f"127.0.0.1:{proxy.port}", http_client=pool)
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert reader.read(10) == data[:10]
        proxy.close()  # nobody listens on the proxy's port any more
        reader.seek(200 * KiB)  # beyond what the first read took (READ_AHEAD)
        with pytest.raises(ObjectReadError) as caught:
            reader.read(10)
    assert not isinstance(caught.value, FileNotFoundError)
    assert repr(name) in str(caught.value)
    assert f"profile {PROFILE!r}" in str(caught.value)
    assert isinstance(caught.value, MinioBackendError)
    assert isinstance(caught.value.__cause__, urllib3.exceptions.HTTPError)


def connection_count(pool: urllib3.PoolManager, server: S3Server) -> int:
    return pool.connection_from_host("127.0.0.1", server.s3_port, scheme="http").num_connections


def test_connections_go_back_to_the_pool(s3_server: S3Server, bucket: str) -> None:
    pool = RecordingPool(maxsize=1)
    s3_client = s3_server.client(http_client=pool)
    name = put(s3_client, bucket, os.urandom(512 * KiB))
    for _ in range(3):
        reader = open_object(
            s3_client, bucket, name, profile=PROFILE
        )  # read to the end, never closed
        reader.read()
    for _ in range(3):
        with open_object(s3_client, bucket, name, profile=PROFILE) as reader:  # closed half-way
            reader.read(1000)
    for _ in range(3):
        with open_object(
            s3_client, bucket, name, profile=PROFILE
        ) as reader:  # dropped by a seek, then reread
            reader.read(1000)
            reader.seek(200 * KiB)
            reader.read(1000)
    # A response that is never released takes its connection with it: a new one gets made.
    assert connection_count(pool, s3_server) == 1


def test_reader_is_a_raw_io(s3_client: Minio, bucket: str) -> None:
    name = put(s3_client, bucket, b"xyz")
    with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
        assert isinstance(reader, ObjectReader)
        assert isinstance(reader, io.RawIOBase)
        assert reader.readable()
        assert reader.seekable()
        assert not reader.writable()
        buffer = bytearray(10)
        assert reader.readinto(buffer) == 3
        assert bytes(buffer[:3]) == b"xyz"


def test_readall_of_a_small_object_allocates_no_chunk_sized_buffer(
    s3_client: Minio, bucket: str
) -> None:
    data = os.urandom(4 * KiB)
    name = put(s3_client, bucket, data)
    with open_object(s3_client, bucket, name, profile=PROFILE) as warm:
        warm.readall()
    tracemalloc.start()
    try:
        with open_object(s3_client, bucket, name, profile=PROFILE) as reader:
            assert reader.readall() == data
            assert reader.readall() == b""
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 256 * KiB  # reading in 1 MiB pieces allocated 1 MiB per read


def test_reads_of_the_window_size_keep_the_window_exact(s3_server: S3Server, bucket: str) -> None:
    data = os.urandom(3 * 64 * KiB + 100)
    pool, client, name = recorded_object(s3_server, bucket, data)
    with open_object(
        client, bucket, name, profile=PROFILE, chunk=64 * KiB, window=64 * KiB
    ) as reader:
        pieces = [reader.read(64 * KiB) for _ in range(3)]
        assert b"".join(pieces) == data[: 3 * 64 * KiB]
        reader.seek(2 * 64 * KiB + 10)
        assert reader.read(100) == data[2 * 64 * KiB + 10 : 2 * 64 * KiB + 110]  # from the window
        reader.seek(3 * 64 * KiB)
        assert reader.read() == data[3 * 64 * KiB :]  # next on the open response
        reader.seek(64 * KiB - 1)
        assert reader.read(2) == data[64 * KiB - 1 : 64 * KiB + 1]  # before the window: a GET
    assert len(pool.requests) == 2
