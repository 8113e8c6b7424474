"""Fault tests: a proxy of our own (``tests/fault_proxy.py``) breaks the connection on purpose.

Each fault must end in an exception that reaches the caller, within a time bounded by the profile's
timeouts, and must lose nothing: no partial object, no object under the final name after a failed
upload, no open multipart upload, never silently truncated data.

Time bounds are computed from the profile (timeouts x attempts + urllib3 backoff) plus a generous
slack: they catch hangs, not slowness.
"""

from __future__ import annotations

import io
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import IO, Any, cast

import attrs
import pytest
import urllib3
from django.core.files.base import ContentFile, File
from django.core.management import CommandError, call_command
from minio import Minio
from minio.error import S3Error

from django_minio_backend import MinioBackend
from django_minio_backend.administration.bucket_setup import initialize_profile
from django_minio_backend.errors import (
    MinioBackendError,
    ServerResponseError,
    ServerUnavailableError,
)
from django_minio_backend.s3.buckets import ensure_bucket
from django_minio_backend.s3.clients import (
    CLEANUP_CONNECT_TIMEOUT,
    CLEANUP_READ_TIMEOUT,
    profile_clients,
)
from django_minio_backend.s3.health import check_server
from django_minio_backend.testing.s3server import S3Server
from tests.fault_proxy import FaultProxy
from tests.helpers import open_upload_ids, read_object, server_profile

MiB = 1024 * 1024
PROFILE = "faulty"
CONNECT_TIMEOUT = 0.5
READ_TIMEOUT = 1.0
MAX_RETRIES = 2
BACKOFF_FACTOR = 0.2  # clients.build_http_client
SLACK = 5.0  # scheduling noise on a busy 2-core machine; a hang blows far past it
FAST = {
    "connect_timeout": CONNECT_TIMEOUT,
    "read_timeout": READ_TIMEOUT,
    "max_retries": MAX_RETRIES,
}


def backoff_total(retries: int = MAX_RETRIES) -> float:
    """urllib3's sleeps between ``retries + 1`` attempts (none before the second)."""
    return sum(BACKOFF_FACTOR * 2.0 ** (n - 1) for n in range(2, retries + 1))


def worst_case(timeout: float, attempts: int = MAX_RETRIES + 1) -> float:
    """The longest an operation may take when every attempt waits ``timeout``."""
    return timeout * attempts + backoff_total(attempts - 1) + SLACK


def failure(action: Callable[[], object]) -> tuple[BaseException, float]:
    """Run ``action``, which must raise; return the exception and the seconds it took."""
    start = time.monotonic()
    with pytest.raises(Exception) as caught:
        action()
    return caught.value, time.monotonic() - start


def chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and every exception it was raised from or wraps (urllib3 keeps a ``reason``)."""
    found: list[BaseException] = []
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or any(current is f for f in found):
            continue
        found.append(current)
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
    return found


def keys_under(client: Minio, bucket: str, prefix: str) -> list[str]:
    return [
        item.object_name
        for item in client.list_objects(bucket_name=bucket, prefix=prefix, recursive=True)
    ]


def open_uploads(client: Minio, bucket: str, prefix: str) -> list[str]:
    # minio 7.2 has no public call for ListMultipartUploads; fine in a test.
    result = client._list_multipart_uploads(bucket_name=bucket, prefix=prefix)
    return [upload.object_name for upload in result.uploads]


class GeneratedStream(io.RawIOBase):
    """``total`` bytes of a counter pattern made on demand; ``reached`` fires after ``signal_at``.

    With ``sized=False`` it has no size and cannot seek, like a pipe. ``on_reached`` is called
    once, in the reading thread, when ``signal_at`` is passed.
    """

    def __init__(
        self,
        total: int,
        signal_at: int | None = None,
        *,
        sized: bool = True,
        on_reached: Callable[[], object] | None = None,
    ) -> None:
        self.total = total
        self.sized = sized
        self.position = 0
        self.signal_at = signal_at
        self.on_reached = on_reached
        self.reached = threading.Event()

    @property
    def size(self) -> int:
        if not self.sized:
            raise AttributeError("size")
        return self.total

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return self.sized

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if not self.sized:
            raise io.UnsupportedOperation("seek")
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.total}[whence]
        self.position = base + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.total - self.position, MiB)
        if count <= 0:
            return 0
        block = (self.position // MiB).to_bytes(8, "big") * (MiB // 8)
        offset = self.position % MiB
        piece = (block[offset:] + block)[:count]
        buffer[:count] = piece
        self.position += count
        if self.signal_at is not None and self.position >= self.signal_at:
            if not self.reached.is_set() and self.on_reached is not None:
                self.on_reached()
            self.reached.set()
        return count


def as_file(stream: GeneratedStream) -> IO[bytes]:
    return cast(IO[bytes], stream)


@attrs.frozen
class Setup:
    """A storage on profile ``faulty`` whose every request goes through ``proxy``."""

    storage: MinioBackend
    proxy: FaultProxy
    bucket: str
    direct: Minio  # straight to the server, for setting up and checking

    def name(self, suffix: str = "bin") -> str:
        return f"faults/{uuid.uuid4().hex}.{suffix}"


@pytest.fixture
def proxy(s3_server: S3Server) -> Iterator[FaultProxy]:
    with FaultProxy(s3_server.endpoint) as running:
        yield running


@pytest.fixture
def setup(settings: Any, s3_server: S3Server, proxy: FaultProxy, unique_bucket: str) -> Setup:
    direct = s3_server.client()
    direct.make_bucket(bucket_name=unique_bucket)
    # The first write to a bucket makes SeaweedFS allocate a volume, which can take longer than
    # the short read timeout used here: do it now, straight to the server.
    direct.put_object(
        bucket_name=unique_bucket, object_name="warm-up", data=io.BytesIO(b"w"), length=1
    )
    settings.MINIO_PROFILES = {
        PROFILE: server_profile(
            s3_server,
            endpoint=proxy.endpoint,
            private_buckets=[unique_bucket],
            default_bucket=unique_bucket,
            multipart_threshold=5 * MiB,
            multipart_part_size=5 * MiB,
            **FAST,
        )
    }
    return Setup(MinioBackend(profile=PROFILE), proxy, unique_bucket, direct)


def assert_unavailable_naming_profile_and_endpoint(exc: BaseException, setup: Setup) -> None:
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert f"profile {PROFILE!r}" in str(exc)
    assert setup.proxy.endpoint in str(exc)


def report(fault: str, exc: BaseException, seconds: float) -> None:
    """One line per fault for the record (``pytest -s`` shows them)."""
    print(f"\nFAULT {fault}: {type(exc).__name__} after {seconds:.2f} s: {exc}")


# --------------------------------------------------------------------------- the proxy itself


def test_proxy_passes_traffic_and_counts_it(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    data = os.urandom(300_000)
    client.put_object(
        bucket_name=setup.bucket,
        object_name="through-proxy",
        data=io.BytesIO(data),
        length=len(data),
    )
    assert read_object(client, setup.bucket, "through-proxy") == data
    assert setup.proxy.stats.bytes_up > len(data)
    assert setup.proxy.stats.bytes_down > len(data)


def test_refused_then_listening_again_on_the_same_port(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    port = setup.proxy.port
    setup.proxy.refuse()
    exc, _ = failure(lambda: client.bucket_exists(bucket_name=setup.bucket))
    assert any(isinstance(e, ConnectionRefusedError) for e in chain(exc)), repr(exc)
    setup.proxy.pass_through()
    assert setup.proxy.port == port
    assert client.bucket_exists(bucket_name=setup.bucket)


def test_blackhole_makes_connecting_time_out(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    setup.proxy.blackhole()
    exc, seconds = failure(lambda: client.bucket_exists(bucket_name=setup.bucket))
    assert any(isinstance(e, urllib3.exceptions.ConnectTimeoutError) for e in chain(exc)), exc
    assert seconds >= CONNECT_TIMEOUT  # it really waited for the connect timeout
    setup.proxy.pass_through()
    assert client.bucket_exists(bucket_name=setup.bucket)


def test_stall_makes_reading_time_out(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    setup.proxy.stall()
    exc, _ = failure(lambda: client.bucket_exists(bucket_name=setup.bucket))
    assert any(isinstance(e, urllib3.exceptions.ReadTimeoutError) for e in chain(exc)), exc


def test_delay_below_the_read_timeout_still_works(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    setup.proxy.delay(READ_TIMEOUT / 4)
    assert client.bucket_exists(bucket_name=setup.bucket)


def test_reads_are_retried_writes_are_not(setup: Setup) -> None:
    # Every answer is lost after the server got the whole request.
    client = profile_clients(PROFILE).internal
    setup.proxy.cut(after=0, direction="down")
    setup.proxy.reset_stats()
    failure(lambda: client.stat_object(bucket_name=setup.bucket, object_name="anything"))
    assert setup.proxy.stats.connections == MAX_RETRIES + 1  # HEAD: first try + retries
    setup.proxy.reset_stats()
    failure(
        lambda: client.put_object(
            bucket_name=setup.bucket, object_name="once", data=io.BytesIO(b"x"), length=1
        )
    )
    assert setup.proxy.stats.connections == 1  # PUT: never repeated blindly


def test_cut_resets_after_the_given_bytes(setup: Setup) -> None:
    client = profile_clients(PROFILE).internal
    data = os.urandom(2 * MiB)
    setup.direct.put_object(
        bucket_name=setup.bucket, object_name="big", data=io.BytesIO(data), length=len(data)
    )
    setup.proxy.cut(after=MiB, direction="down")
    response = client.get_object(bucket_name=setup.bucket, object_name="big")
    try:
        with pytest.raises(urllib3.exceptions.ProtocolError):
            response.read()
    finally:
        response.close()
        response.release_conn()
    assert setup.proxy.stats.cuts == 1


# --------------------------------------------------------------------------- server unreachable

OPERATIONS: dict[str, Callable[[MinioBackend, str], object]] = {
    "save": lambda storage, name: storage.save(name, ContentFile(b"data")),
    "open": lambda storage, name: storage.open(name).read(),
    "exists": lambda storage, name: storage.exists(name),
    "size": lambda storage, name: storage.size(name),
    "delete": lambda storage, name: storage.delete(name),
    "listdir": lambda storage, name: storage.listdir("faults"),
    "get_modified_time": lambda storage, name: storage.get_modified_time(name),
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_refused_connection_fails_fast_naming_profile_and_endpoint(
    setup: Setup, operation: str
) -> None:
    setup.proxy.refuse()
    exc, seconds = failure(lambda: OPERATIONS[operation](setup.storage, setup.name()))
    report(f"refused/{operation}", exc, seconds)
    assert_unavailable_naming_profile_and_endpoint(exc, setup)
    assert seconds < worst_case(CONNECT_TIMEOUT)


@pytest.mark.parametrize("operation", ["save", "open", "exists"])
def test_unanswered_connect_fails_within_connect_timeout_times_attempts(
    setup: Setup, operation: str
) -> None:
    setup.proxy.blackhole()
    exc, seconds = failure(lambda: OPERATIONS[operation](setup.storage, setup.name()))
    report(f"connect-timeout/{operation}", exc, seconds)
    assert_unavailable_naming_profile_and_endpoint(exc, setup)
    assert any(isinstance(e, urllib3.exceptions.ConnectTimeoutError) for e in chain(exc))
    assert seconds < worst_case(CONNECT_TIMEOUT)


@pytest.mark.parametrize("fault", ["refuse", "blackhole"])
@pytest.mark.parametrize("command", ["is_minio_available", "initialize_buckets"])
def test_commands_fail_fast_naming_profile_and_endpoint(
    setup: Setup, command: str, fault: str
) -> None:
    getattr(setup.proxy, fault)()
    out = io.StringIO()
    exc, seconds = failure(
        lambda: call_command(command, "--profile", PROFILE, stdout=out, stderr=out)
    )
    report(f"{fault}/{command}", exc, seconds)
    assert isinstance(exc, CommandError), repr(exc)
    text = f"{exc}\n{out.getvalue()}"
    assert repr(PROFILE) in str(exc) or f"[{PROFILE}]" in str(exc)
    assert setup.proxy.endpoint in text
    assert seconds < worst_case(CONNECT_TIMEOUT)


# --------------------------------------------------------------------------- answers that are no S3

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>\n"
ANSWERS = {
    "bare-500": (500, b"", "text/plain"),
    "bare-503": (503, b"", "text/plain"),
    "html-502": (502, HTML_502, "text/html"),
}
OBJECT_OPERATIONS = ["exists", "size", "open"]  # HEAD, HEAD, GET


def assert_server_response_error(exc: BaseException, setup: Setup, status: int) -> None:
    assert isinstance(exc, ServerResponseError), repr(exc)
    assert isinstance(exc, MinioBackendError) and isinstance(exc, OSError)
    assert not isinstance(exc, FileNotFoundError)
    assert exc.profile == PROFILE
    assert exc.status == status
    assert str(exc).startswith(
        f"profile {PROFILE!r}: the server at http://{setup.proxy.endpoint} sent an unexpected "
        f"answer (HTTP {status})"
    ), str(exc)


@pytest.mark.parametrize("answer", sorted(ANSWERS))
@pytest.mark.parametrize("operation", OBJECT_OPERATIONS)
def test_answer_without_an_s3_error_is_a_server_response_error(
    setup: Setup, stored: tuple[str, bytes], operation: str, answer: str
) -> None:
    # A bare 5xx to a HEAD (the SDK's ServerError) and a proxy's HTML page (InvalidResponseError
    # for a GET) name the profile and the status; neither is "missing".
    name, _data = stored
    status, body, content_type = ANSWERS[answer]
    setup.proxy.answer(status, body, content_type)
    exc, seconds = failure(lambda: OPERATIONS[operation](setup.storage, name))
    report(f"answer-{answer}/{operation}", exc, seconds)
    assert_server_response_error(exc, setup, status)
    if body and operation == "open":  # a HEAD answer has no body
        assert "502 Bad Gateway" in str(exc)  # the page (shortened) tells what the proxy saw
    assert seconds < worst_case(READ_TIMEOUT)
    setup.proxy.pass_through()
    assert setup.storage.exists(name)


def test_html_502_from_health_and_bucket_setup(setup: Setup) -> None:
    setup.proxy.answer(502, HTML_502, "text/html")
    status = check_server(PROFILE)
    assert not status
    expected = f"the server at http://{setup.proxy.endpoint} sent an unexpected answer (HTTP 502)"
    assert status.details.startswith(expected), status.details
    (report_,) = initialize_profile(PROFILE, ())
    assert report_.error is not None and report_.error.startswith(expected), report_
    assert not report_.unreachable  # it answered: not reported as "down"
    exc, _ = failure(lambda: ensure_bucket(PROFILE, setup.bucket))  # bucket_check_on_save
    assert_server_response_error(exc, setup, 502)


def test_url_needs_no_server(setup: Setup) -> None:
    setup.proxy.refuse()
    setup.proxy.reset_stats()
    url = setup.storage.url("faults/report.pdf")
    assert f"/{setup.bucket}/faults/report.pdf?" in url
    assert "X-Amz-Signature=" in url
    assert setup.proxy.stats.connections == 0


# --------------------------------------------------------------------------- cut during upload


def assert_nothing_under(setup: Setup, name: str) -> None:
    assert not setup.storage.exists(name)
    assert keys_under(setup.direct, setup.bucket, name) == []
    assert open_uploads(setup.direct, setup.bucket, name) == []


def test_open_uploads_are_visible_to_the_check(setup: Setup) -> None:
    # The "no open upload" assertions below could not fail if the server never listed any.
    name = setup.name()
    setup.direct._create_multipart_upload(setup.bucket, name, {})
    assert open_uploads(setup.direct, setup.bucket, name) == [name]


def test_cut_during_a_small_upload(setup: Setup) -> None:
    name = setup.name()
    data = os.urandom(256 * 1024)
    setup.proxy.cut(after=64 * 1024, direction="up")
    exc, seconds = failure(lambda: setup.storage.save(name, ContentFile(data)))
    report("cut-upload/single-put", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert f"profile {PROFILE!r}" in str(exc)
    setup.proxy.pass_through()
    assert_nothing_under(setup, name)


@pytest.mark.parametrize("known_size", [True, False], ids=["sized", "unsized"])
def test_cut_during_a_multipart_upload(setup: Setup, known_size: bool) -> None:
    name = setup.name()
    content = File(as_file(GeneratedStream(12 * MiB, sized=known_size)), name)
    setup.proxy.cut(after=2 * MiB, direction="up")  # inside the first part on every connection
    exc, seconds = failure(lambda: setup.storage.save(name, content))
    report(f"cut-upload/multipart-{'sized' if known_size else 'unsized'}", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    setup.proxy.pass_through()
    assert_nothing_under(setup, name)


def test_lost_answer_to_an_upload_leaves_it_complete_or_absent(setup: Setup) -> None:
    # The server got every byte, the answer is lost: the caller gets an error, and the object is
    # either not there or there in full. Never partial.
    name = setup.name()
    data = os.urandom(256 * 1024)
    setup.proxy.cut(after=0, direction="down")
    exc, seconds = failure(lambda: setup.storage.save(name, ContentFile(data)))
    report("cut-answer/single-put", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    setup.proxy.pass_through()
    if keys_under(setup.direct, setup.bucket, name):
        assert read_object(setup.direct, setup.bucket, name) == data


def test_stalled_upload_times_out(setup: Setup) -> None:
    name = setup.name()
    setup.proxy.stall(after=MiB, direction="up")
    exc, seconds = failure(
        lambda: setup.storage.save(name, File(as_file(GeneratedStream(12 * MiB)), name))
    )
    report("stall-upload/multipart", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert seconds < worst_case(READ_TIMEOUT, attempts=1)
    setup.proxy.pass_through()
    assert_nothing_under(setup, name)


# Retries that would be costly if the abort were retried like a read.
ABORT_TEST_RETRIES = 5


def test_multipart_abort_to_a_server_that_stopped_answering_is_bounded(
    settings: Any, setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    # The upload starts, then the server stops answering (requests are accepted, never
    # answered): the part fails after one read timeout, then the abort is sent. The abort must
    # not wait read_timeout x (retries + 1) + backoff: it gets a short bound and no retries.
    settings.MINIO_PROFILES = {
        PROFILE: {**settings.MINIO_PROFILES[PROFILE], "max_retries": ABORT_TEST_RETRIES}
    }
    storage = MinioBackend(profile=PROFILE)
    profile = profile_clients(PROFILE).profile
    name = setup.name()
    threshold = profile.multipart_threshold
    # Past the first part (read before CreateMultipartUpload for a stream of unknown size).
    stream = GeneratedStream(
        4 * threshold, signal_at=threshold + 2, sized=False, on_reached=setup.proxy.stall
    )
    exc, seconds = failure(lambda: storage.save(name, File(as_file(stream), name)))
    report("stall-after-create/multipart-abort", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert "could not abort multipart upload" in caplog.text  # the abort was tried, and failed
    part = max(profile.connect_timeout, profile.read_timeout)  # a PUT is never repeated
    abort = min(profile.connect_timeout, CLEANUP_CONNECT_TIMEOUT) + min(
        profile.read_timeout, CLEANUP_READ_TIMEOUT
    )
    retried_abort = worst_case(profile.read_timeout, ABORT_TEST_RETRIES + 1) - SLACK
    assert part + abort + SLACK < part + retried_abort  # the bound tells both apart
    assert seconds < part + abort + SLACK
    setup.proxy.pass_through()
    for upload_id in open_upload_ids(setup.direct, setup.bucket, name):
        setup.direct._abort_multipart_upload(setup.bucket, name, upload_id)


# --------------------------------------------------------------------------- downloads


@pytest.fixture
def stored(setup: Setup) -> tuple[str, bytes]:
    """A 3 MiB object put straight on the server (not through the proxy)."""
    name = setup.name()
    data = os.urandom(3 * MiB)
    setup.direct.put_object(
        bucket_name=setup.bucket, object_name=name, data=io.BytesIO(data), length=len(data)
    )
    return name, data


def test_cut_during_a_download_raises(setup: Setup, stored: tuple[str, bytes]) -> None:
    name, data = stored
    setup.proxy.cut(after=MiB, direction="down")
    received = bytearray()

    def read_everything() -> None:
        with setup.storage.open(name) as handle:
            for chunk in handle.chunks(64 * 1024):
                received.extend(chunk)

    exc, seconds = failure(read_everything)
    report("cut-download", exc, seconds)
    assert len(received) < len(data)
    assert data.startswith(received)  # what was delivered was right, and the rest was not faked


def test_cut_during_a_download_read_all(setup: Setup, stored: tuple[str, bytes]) -> None:
    name, _data = stored
    setup.proxy.cut(after=MiB, direction="down")
    handle = setup.storage.open(name)  # the answer starts: the object exists
    with handle, pytest.raises(Exception):  # noqa: B017 - any error, never short data
        handle.read()


def test_cut_before_the_answer_is_a_server_error_not_missing(
    setup: Setup, stored: tuple[str, bytes]
) -> None:
    name, _data = stored
    setup.proxy.cut(after=0, direction="down")
    exc, _ = failure(lambda: setup.storage.open(name))
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert not isinstance(exc, FileNotFoundError)
    exc, _ = failure(lambda: setup.storage.exists(name))
    assert isinstance(exc, ServerUnavailableError), repr(exc)


def test_stalled_download_times_out(setup: Setup, stored: tuple[str, bytes]) -> None:
    name, _data = stored
    setup.proxy.stall(after=MiB, direction="down")

    def read_everything() -> None:
        with setup.storage.open(name) as handle:
            handle.read()

    exc, seconds = failure(read_everything)
    report("stall-download", exc, seconds)
    assert any(
        isinstance(e, urllib3.exceptions.ReadTimeoutError | TimeoutError) for e in chain(exc)
    ), repr(exc)
    assert seconds < worst_case(READ_TIMEOUT)


def test_stalled_download_raises_an_os_error_naming_the_object(
    setup: Setup, stored: tuple[str, bytes]
) -> None:
    # A cut mid-read is a TruncatedObjectError (an OSError naming the object); a stall mid-read
    # should be one too, so that `except OSError` catches every failure of a started read.
    name, _data = stored
    setup.proxy.stall(after=MiB, direction="down")
    handle = setup.storage.open(name)
    with handle:
        exc, _ = failure(handle.read)
    assert isinstance(exc, OSError), repr(exc)
    assert name in str(exc)


@pytest.mark.parametrize("operation", ["exists", "open", "save"])
def test_stalled_server_times_out(setup: Setup, stored: tuple[str, bytes], operation: str) -> None:
    name, _data = stored
    setup.proxy.stall()
    exc, seconds = failure(lambda: OPERATIONS[operation](setup.storage, name))
    report(f"stall/{operation}", exc, seconds)
    assert isinstance(exc, ServerUnavailableError), repr(exc)
    assert any(isinstance(e, urllib3.exceptions.ReadTimeoutError) for e in chain(exc)), repr(exc)
    assert seconds < worst_case(READ_TIMEOUT)


# --------------------------------------------------------------------------- recovery


def test_pool_recovers_after_connections_are_dropped(setup: Setup) -> None:
    first = setup.storage.save(setup.name(), ContentFile(b"one"))
    assert setup.storage.exists(first)
    setup.proxy.drop_connections()  # every pooled keep-alive connection is now dead
    second = setup.storage.save(setup.name(), ContentFile(b"two"))
    setup.proxy.drop_connections()
    with setup.storage.open(second) as handle:
        assert handle.read() == b"two"
    setup.proxy.drop_connections()
    assert setup.storage.exists(first)


@pytest.fixture(scope="module")
def own_server() -> Iterator[S3Server]:
    """A server of this module's own, free to be restarted and killed."""
    with S3Server() as server:
        yield server


@pytest.fixture
def own_storage(settings: Any, own_server: S3Server, unique_bucket: str) -> MinioBackend:
    own_server.client().make_bucket(bucket_name=unique_bucket)
    # Generous timeouts: these tests break the server itself, not the connection, and a freshly
    # restarted server can take a few seconds over its first writes.
    settings.MINIO_PROFILES = {
        PROFILE: server_profile(
            own_server,
            private_buckets=[unique_bucket],
            default_bucket=unique_bucket,
            connect_timeout=2.0,
            read_timeout=30.0,
            max_retries=2,
        )
    }
    return MinioBackend(profile=PROFILE)


def restart_and_wait(server: S3Server, bucket: str, key: str) -> None:
    """Restart ``server`` and wait until it serves ``key`` again, through a client of its own.

    SeaweedFS lists buckets a moment before it can read objects (500 InternalError meanwhile);
    that start-up is not what these tests are about. The storage's pooled connections, all
    dead now, are left untouched for the next operation.
    """
    server.restart()
    client = server.client(retries=False)
    deadline = time.monotonic() + 60
    while True:
        try:
            read_object(client, bucket, key)
            return
        except (S3Error, urllib3.exceptions.HTTPError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_next_operation_succeeds_after_a_server_restart(
    own_server: S3Server, own_storage: MinioBackend, unique_bucket: str
) -> None:
    before = own_storage.save("restart/before.txt", ContentFile(b"before"))
    restart_and_wait(own_server, unique_bucket, before)
    after = own_storage.save("restart/after.txt", ContentFile(b"after"))
    with own_storage.open(before) as handle:
        assert handle.read() == b"before"
    restart_and_wait(own_server, unique_bucket, after)
    assert own_storage.exists(after)
    with own_storage.open(after) as handle:
        assert handle.read() == b"after"


@pytest.mark.slow
def test_server_killed_during_a_large_multipart_upload(
    own_server: S3Server, own_storage: MinioBackend, unique_bucket: str
) -> None:
    name = f"crash/{uuid.uuid4().hex}.bin"
    stream = GeneratedStream(200 * MiB, signal_at=64 * MiB)
    with ThreadPoolExecutor(1) as pool:
        started = time.monotonic()
        future = pool.submit(own_storage.save, name, File(as_file(stream), name))
        while not (stream.reached.wait(0.05) or future.done()):
            pass
        assert not future.done(), f"the upload ended before the kill: {future.exception()!r}"
        own_server.kill()
        with pytest.raises(Exception) as caught:
            future.result(120)
        report("killed-server/multipart-200MiB", caught.value, time.monotonic() - started)
    assert isinstance(caught.value, ServerUnavailableError), repr(caught.value)
    assert stream.position < stream.total  # it really was cut short
    own_server.start()
    own_server.wait_ready()
    client = own_server.client()
    deadline = time.monotonic() + 60
    while True:  # until the restarted server answers for objects, not just for buckets
        with pytest.raises(S3Error) as missing:
            client.stat_object(bucket_name=unique_bucket, object_name=name)
        if missing.value.code != "InternalError" or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert missing.value.code == "NoSuchKey"
    assert not own_storage.exists(name)
    assert keys_under(client, unique_bucket, "crash/") == []
