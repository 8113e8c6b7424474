"""Run a multi-node SeaweedFS cluster on loopback: one master, several volume servers with
replication, one filer and several S3 gateways, each its own ``weed`` process.

``s3server.py`` runs everything in one ``weed mini`` process; this module runs the pieces apart,
so that a test can kill one volume server (a crashed disk node) while the S3 gateways go on
serving. Typical use::

    with running_s3_cluster() as cluster:
        client = cluster.client(0)
        client.make_bucket(bucket_name="demo")
        cluster.kill_volume_server(1)
        cluster.restart_volume_server(1)

Every process listens on ``127.0.0.1`` only, on ports picked by ``s3server`` (each also uses
port + 10000 for gRPC), keeps its data in one temporary directory, gets SIGTERM when the thread
that started it exits (Linux), and is stopped (SIGTERM, then SIGKILL) when the context ends,
whatever happened inside it.

Replication ``001`` (the default): every object has two copies, on two volume servers of the
same rack. A volume is writable only while all its copies are up, so with three volume servers
and one of them down, the volumes whose two copies are on the survivors stay writable and the
master can grow new ones there: reads and writes both go on. ``002`` (three copies) would stop
every write while one server of three is down; ``010`` and ``100`` need a second rack or data
center.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import urllib3
from minio import Minio
from minio.error import S3Error

from django_minio_backend.testing.s3server import (
    _LIBC,
    GRPC_PORT_OFFSET,
    REGION,
    STOP_TIMEOUT,
    S3ServerError,
    _pick_ports,
    _release_ports,
    _set_parent_death_signal,
    find_weed,
)

__all__ = [
    "REQUIRED_SUBCOMMANDS",
    "ClusterNode",
    "S3Cluster",
    "missing_subcommands",
    "running_s3_cluster",
]

REQUIRED_SUBCOMMANDS: tuple[str, ...] = ("master", "volume", "filer", "s3")
DATA_CENTER = "dc1"
RACK = "rack1"
# A Unix socket path longer than this cannot be bound (108 bytes with the NUL on Linux).
_MAX_SOCKET_PATH = 100
_POLL = 0.05
FILER_STOP_TIMEOUT = 2.0

_Probe = Callable[[], bool]
# Clusters that may still be running, stopped at interpreter exit.
_live_clusters: weakref.WeakSet[S3Cluster] = weakref.WeakSet()


def missing_subcommands(weed: str | None = None) -> list[str]:
    """The subcommands of :data:`REQUIRED_SUBCOMMANDS` that ``weed help`` does not list."""
    finished = subprocess.run(
        [weed or find_weed(), "help"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    listed = set(re.findall(r"^ {4}(\S+)\s", finished.stdout + finished.stderr, re.MULTILINE))
    return [name for name in REQUIRED_SUBCOMMANDS if name not in listed]


class ClusterNode:
    """One ``weed`` process of the cluster; :meth:`start` again after a stop reuses its data."""

    def __init__(
        self,
        name: str,
        port: int,
        command: Sequence[str],
        *,
        work_dir: Path,
        environment: dict[str, str],
        die_with_parent: bool,
        stop_timeout: float = STOP_TIMEOUT,
    ) -> None:
        self.name: str = name
        self.stop_timeout: float = stop_timeout
        """How long :meth:`stop` waits after SIGTERM before SIGKILL."""
        self.port: int = port
        self.command: tuple[str, ...] = tuple(command)
        self.log_path: Path = work_dir / f"{name}.log"
        self._work_dir = work_dir
        self._environment = environment
        self._die_with_parent = die_with_parent
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        """``127.0.0.1:port`` (the HTTP port; gRPC is port + 10000)."""
        return f"127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        """Process id while running, else ``None``."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    @property
    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def exit_code(self) -> int | None:
        """The exit code if the process was started and has exited since, else ``None``."""
        return None if self._process is None else self._process.poll()

    def start(self) -> None:
        """Spawn the process (returns at once)."""
        if self.is_running:
            raise S3ServerError(f"{self.name} already running (pid {self.pid})")
        with self.log_path.open("ab") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}: {list(self.command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                self.command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._environment,
                cwd=self._work_dir,
                start_new_session=True,  # a terminal's Ctrl-C reaches us, not the cluster
                preexec_fn=_set_parent_death_signal if self._die_with_parent and _LIBC else None,
            )

    def kill(self) -> None:
        """SIGKILL at once (a crash) and reap the process."""
        process = self._process
        if process is None:
            return
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
        process.wait()
        self._process = None

    def terminate(self) -> None:
        """Send SIGTERM without waiting (see :meth:`wait_stopped`)."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)

    def wait_stopped(self, deadline: float) -> None:
        """Wait for the exit until ``deadline`` (``time.monotonic()``), then SIGKILL."""
        process = self._process
        if process is None:
            return
        try:
            process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.kill()
        self._process = None

    def stop(self, timeout: float | None = None) -> None:
        """SIGTERM, wait up to ``timeout`` seconds (default :attr:`stop_timeout`), then SIGKILL."""
        self.terminate()
        self.wait_stopped(time.monotonic() + (self.stop_timeout if timeout is None else timeout))

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"(no log: {exc})"
        return "\n".join(text.splitlines()[-lines:])

    def __repr__(self) -> str:
        state = f"pid={self.pid}" if self.is_running else "stopped"
        return f"<ClusterNode {self.name} {self.address} {state}>"


class S3Cluster:
    """A SeaweedFS cluster on ``127.0.0.1``: master, volume servers, filer, S3 gateways.

    Ports, data directories and the S3 identity file are fixed when the object is created;
    nothing runs until :meth:`start`. All gateways accept the same access key and secret key.
    """

    def __init__(
        self,
        access_key: str | None = None,
        secret_key: str | None = None,
        *,
        volume_servers: int = 3,
        gateways: int = 2,
        replication: str = "001",
        volume_size_limit_mb: int = 64,
        weed: str | None = None,
        die_with_parent: bool = True,
    ) -> None:
        if volume_servers < 1 or gateways < 1:
            raise ValueError("a cluster needs at least one volume server and one gateway")
        self.access_key: str = access_key or f"test-access-{secrets.token_hex(6)}"
        self.secret_key: str = secret_key or f"test-secret-{secrets.token_hex(16)}"
        self.replication: str = replication
        self.weed: str = weed or find_weed()
        ports = _pick_ports(2 + volume_servers + gateways)
        self._ports: tuple[int, ...] = tuple(ports)
        self.work_dir: Path = Path(tempfile.mkdtemp(prefix="s3cluster-"))
        self._cleaned = False
        environment = dict(os.environ)
        # SeaweedFS writes its glog files to TMPDIR; the keys are in the identity file only.
        environment["TMPDIR"] = str(self.work_dir / "tmp")
        environment.pop("AWS_ACCESS_KEY_ID", None)
        environment.pop("AWS_SECRET_ACCESS_KEY", None)
        environment["WEED_FILER_OPTIONS_S3_EMPTY_FOLDER_CLEANUP_DELAY"] = "1s"
        self.identities_path: Path = self.work_dir / "s3-identities.json"

        def node(
            name: str, port: int, *args: str, stop_timeout: float = STOP_TIMEOUT
        ) -> ClusterNode:
            return ClusterNode(
                name,
                port,
                [
                    self.weed,
                    *args,
                    "-ip=127.0.0.1",
                    "-ip.bind=127.0.0.1",
                    f"-port={port}",
                    f"-port.grpc={port + GRPC_PORT_OFFSET}",
                ],
                work_dir=self.work_dir,
                environment=environment,
                die_with_parent=die_with_parent,
                stop_timeout=stop_timeout,
            )

        master_port, filer_port, *rest = ports
        master_address = f"127.0.0.1:{master_port}"
        self.master: ClusterNode = node(
            "master",
            master_port,
            "master",
            f"-mdir={self._data_dir('master')}",
            f"-defaultReplication={replication}",
            f"-volumeSizeLimitMB={volume_size_limit_mb}",
            "-peers=none",  # one master: no Raft election to wait for
            "-telemetry=false",
        )
        self.volume_servers: tuple[ClusterNode, ...] = tuple(
            node(
                f"volume-{index}",
                port,
                "volume",
                f"-dir={self._data_dir(f'volume-{index}')}",
                f"-master={master_address}",
                "-max=100",
                f"-dataCenter={DATA_CENTER}",
                f"-rack={RACK}",
                "-preStopSeconds=0",  # default 10: a SIGTERM would wait 10 s
            )
            for index, port in enumerate(rest[:volume_servers])
        )
        self.filer: ClusterNode = node(
            "filer",
            filer_port,
            "filer",
            f"-master={master_address}",
            f"-defaultStoreDir={self._data_dir('filer')}",
            *self._socket_flag("-localSocket", "filer"),
            # On SIGTERM the filer waits 15 s for its own metadata subscription to end before
            # it gives up and exits; its data goes with the work dir, so SIGKILL it after 2 s.
            stop_timeout=FILER_STOP_TIMEOUT,
        )
        self.gateways: tuple[ClusterNode, ...] = tuple(
            node(
                f"s3-{index}",
                port,
                "s3",
                f"-filer=127.0.0.1:{filer_port}",
                f"-config={self.identities_path}",
                "-allowDeleteBucketNotEmpty=false",
                "-autoCreateBucket=false",
                "-iam=false",
                "-port.iceberg=0",
                "-port.lance=0",
                *self._socket_flag("-localSocket", f"s3-{index}"),
            )
            for index, port in enumerate(rest[volume_servers:])
        )
        self._http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(connect=1.0, read=5.0)
        )
        _live_clusters.add(self)  # so that atexit removes the work dir even if never started

    # ----------------------------------------------------------------------------- properties

    @property
    def endpoints(self) -> tuple[str, ...]:
        """``host:port`` of every S3 gateway, for ``Minio(endpoint=..., secure=False)``."""
        return tuple(gateway.address for gateway in self.gateways)

    @property
    def nodes(self) -> tuple[ClusterNode, ...]:
        """Every process, in start order."""
        return (self.master, *self.volume_servers, self.filer, *self.gateways)

    @property
    def pids(self) -> list[int]:
        """Process ids of the processes running now."""
        return [pid for pid in (node.pid for node in self.nodes) if pid is not None]

    def client(self, gateway: int = 0, *, retries: bool = True) -> Minio:
        """A ``Minio`` client for gateway number ``gateway`` (region fixed)."""
        http_client = (
            None
            if retries
            else urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=2.0, read=10.0))
        )
        return Minio(
            endpoint=self.endpoints[gateway],
            access_key=self.access_key,
            secret_key=self.secret_key,
            secure=False,
            region=REGION,
            http_client=http_client,
        )

    def registered_volume_servers(self) -> dict[str, int]:
        """The volume servers the master currently knows: ``host:port`` -> number of volume
        copies it holds."""
        status = self._get_json(f"http://{self.master.address}/dir/status")
        topology = status.get("Topology") or {}
        return {
            str(node["Url"]): int(node.get("Volumes") or 0)
            for center in topology.get("DataCenters") or []
            for rack in center.get("Racks") or []
            for node in rack.get("DataNodes") or []
        }

    # ----------------------------------------------------------------------------- lifecycle

    def start(self, timeout: float = 60.0) -> None:
        """Start every process in order, each once the one it depends on answers."""
        if self._cleaned:
            raise S3ServerError("this S3Cluster was cleaned up; create a new one")
        deadline = time.monotonic() + timeout
        (self.work_dir / "tmp").mkdir(exist_ok=True)
        self._write_identities()
        self.master.start()
        self._wait(deadline, self.master, self._master_ready)
        for server in self.volume_servers:
            server.start()
        for server in self.volume_servers:
            self._wait(deadline, server, functools.partial(self._volume_registered, server))
        self.filer.start()
        self._wait(deadline, self.filer, self._filer_ready)
        for gateway in self.gateways:
            gateway.start()
        for index, gateway in enumerate(self.gateways):
            probe = functools.partial(self._gateway_ready, self.client(index, retries=False))
            self._wait(deadline, gateway, probe)

    def kill_volume_server(self, index: int, timeout: float = 30.0) -> None:
        """SIGKILL volume server ``index`` (a crash); its data stays for the restart. Returns
        once the master has dropped it (at once: the server's heartbeat stream breaks)."""
        server = self.volume_servers[index]
        server.kill()
        deadline = time.monotonic() + timeout
        while server.address in self.registered_volume_servers():
            if time.monotonic() >= deadline:
                raise S3ServerError(
                    f"the master still lists {server.name} {timeout:.0f} s after its kill"
                )
            time.sleep(_POLL)

    def restart_volume_server(self, index: int, timeout: float = 30.0) -> None:
        """Start volume server ``index`` again on its port and data; return once the master
        has registered it."""
        server = self.volume_servers[index]
        server.stop()
        server.start()
        probe = functools.partial(self._volume_registered, server)
        self._wait(time.monotonic() + timeout, server, probe)

    def stop(self) -> None:
        """Stop the gateways, then the filer, the volume servers and the master: SIGTERM to
        a tier at once, SIGKILL to what still runs after each node's ``stop_timeout``."""
        tiers: tuple[tuple[ClusterNode, ...], ...] = (
            self.gateways,
            (self.filer,),
            self.volume_servers,
            (self.master,),
        )
        for tier in tiers:
            signalled = time.monotonic()
            for node in tier:
                node.terminate()
            for node in tier:
                node.wait_stopped(signalled + node.stop_timeout)

    def cleanup(self) -> None:
        """Stop every process, remove the work dir (data, logs, identity file), release the
        ports. Idempotent."""
        try:
            self.stop()
        finally:
            for node in self.nodes:  # whatever stop() could not reach
                node.kill()
            if not self._cleaned:
                self._cleaned = True
                _live_clusters.discard(self)
                shutil.rmtree(self.work_dir, ignore_errors=True)
                _release_ports(self._ports)
                self._http.clear()

    def logs_tail(self, lines: int = 15) -> str:
        """The end of every process's log."""
        return "\n".join(f"== {node.name}\n{node.log_tail(lines)}" for node in self.nodes)

    def __enter__(self) -> S3Cluster:
        try:
            self.start()
        except BaseException:
            self.cleanup()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.cleanup()

    def __repr__(self) -> str:
        return f"<S3Cluster gateways={list(self.endpoints)} running={len(self.pids)}>"

    # ----------------------------------------------------------------------------- internals

    def _data_dir(self, name: str) -> Path:
        path = self.work_dir / "data" / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def _socket_flag(self, flag: str, name: str) -> list[str]:
        """Keep a Unix socket in the work dir (removed with it) when the path is short enough;
        otherwise SeaweedFS's default in /tmp."""
        path = self.work_dir / f"{name}.sock"
        return [f"{flag}={path}"] if len(str(path)) <= _MAX_SOCKET_PATH else []

    def _write_identities(self) -> None:
        identities = {
            "identities": [
                {
                    "name": "admin",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        descriptor = os.open(self.identities_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            json.dump(identities, handle)

    def _get_json(self, url: str) -> dict[str, Any]:
        response = self._http.request("GET", url)
        if response.status != 200:
            raise S3ServerError(f"GET {url}: HTTP {response.status}")
        data = json.loads(response.data)
        if not isinstance(data, dict):
            raise S3ServerError(f"GET {url}: not a JSON object")
        return data

    def _master_ready(self) -> bool:
        return bool(self._get_json(f"http://{self.master.address}/cluster/status").get("Leader"))

    def _volume_registered(self, server: ClusterNode) -> bool:
        return server.address in self.registered_volume_servers()

    def _filer_ready(self) -> bool:
        response = self._http.request("GET", f"http://{self.filer.address}/")
        return response.status == 200

    @staticmethod
    def _gateway_ready(client: Minio) -> bool:
        list(client.list_buckets())  # minio 7.2.19 returns a lazy generator
        return True

    def _wait(self, deadline: float, node: ClusterNode, ready: _Probe) -> None:
        last_error: Exception | None = None
        while True:
            code = node.exit_code
            if code is not None:
                raise S3ServerError(
                    f"{node.name} exited with code {code} before it was ready; "
                    f"end of {node.log_path}:\n{node.log_tail()}"
                )
            try:
                if ready():
                    return
            except (
                S3Error,
                S3ServerError,
                urllib3.exceptions.HTTPError,
                OSError,
                ValueError,
            ) as exc:
                last_error = exc
            if time.monotonic() >= deadline:
                raise S3ServerError(
                    f"{node.name} at {node.address} not ready in time (last error: "
                    f"{last_error!r}); end of {node.log_path}:\n{node.log_tail()}"
                )
            time.sleep(_POLL)


@atexit.register
def _stop_live_clusters() -> None:
    for cluster in list(_live_clusters):
        with contextlib.suppress(Exception):
            cluster.cleanup()


@contextlib.contextmanager
def running_s3_cluster(
    access_key: str | None = None,
    secret_key: str | None = None,
    *,
    volume_servers: int = 3,
    gateways: int = 2,
    replication: str = "001",
    timeout: float = 60.0,
) -> Iterator[S3Cluster]:
    """Start a cluster, wait until every gateway answers, yield it, then stop every process
    and remove its files, also when the body raises."""
    cluster = S3Cluster(
        access_key,
        secret_key,
        volume_servers=volume_servers,
        gateways=gateways,
        replication=replication,
    )
    try:
        cluster.start(timeout)
        yield cluster
    finally:
        cluster.cleanup()
