"""Load: 16 threads mix save, open+read, exists, url and delete on two profiles for about a minute.

Expected: no unexpected error, every saved object reads back byte-identical, no name is handed out
twice (threads save under colliding names on purpose: the conditional write must rename), and
memory stays flat: RSS at the end within 50 MiB of RSS after warm-up.

The load runs in a fresh Python process (``python -m tests.test_load``, settings on stdin, a JSON
report on stdout), so that the memory left behind by earlier tests in the pytest process does not
blur the comparison. RSS is measured with the workers paused between operations, after garbage
collection and ``malloc_trim``: what is still held, not what a transfer briefly used. The objects
are then read back by the pytest process itself.

``LOAD_SECONDS`` (environment) changes the duration; the default is 60.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import hashlib
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import attrs
import pytest
from django.core.files.base import ContentFile
from django.test import override_settings

from django_minio_backend import MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import server_profile

MiB = 1024 * 1024
THREADS = 16
DURATION = float(os.environ.get("LOAD_SECONDS", "60"))
WARM_UP = DURATION / 4
RSS_LIMIT = 50 * MiB
PROFILES = ("load-a", "load-b")
SHARED_NAMES = 6  # requested names every thread uses: saves collide all the time


def rss_bytes() -> int:
    """Resident set size now (not the peak), from /proc."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


def settled_rss() -> int:
    """RSS with no transfer in flight, after garbage collection and after glibc has handed its
    free heap memory back (``malloc_trim``): what is still held, not what was briefly in use."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)
    return rss_bytes()


class Gate:
    """Lets the main thread pause every worker between two operations."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._paused = False
        self._waiting = 0

    def checkpoint(self) -> None:
        """Called by a worker between operations: waits here while paused."""
        with self._condition:
            if not self._paused:
                return
            self._waiting += 1
            self._condition.notify_all()
            self._condition.wait_for(lambda: not self._paused)
            self._waiting -= 1

    def pause(self, workers: int, timeout: float) -> None:
        """Return once all ``workers`` wait at their checkpoint."""
        with self._condition:
            self._paused = True
            paused = self._condition.wait_for(lambda: self._waiting == workers, timeout)
        assert paused, "the workers did not pause: one of them hangs"

    def resume(self) -> None:
        with self._condition:
            self._paused = False
            self._condition.notify_all()


@attrs.define
class Ledger:
    """What the threads did, shared under one lock."""

    lock: threading.Lock = attrs.field(factory=threading.Lock)
    saved: dict[tuple[str, str], str] = attrs.field(factory=dict)  # (profile, name) -> sha256
    live: list[tuple[str, str]] = attrs.field(factory=list)
    deleted: set[tuple[str, str]] = attrs.field(factory=set)
    duplicates: list[tuple[str, str]] = attrs.field(factory=list)
    errors: list[tuple[str, BaseException]] = attrs.field(factory=list)
    counts: dict[str, int] = attrs.field(factory=dict)
    mismatches: list[str] = attrs.field(factory=list)

    def count(self, operation: str) -> None:
        with self.lock:
            self.counts[operation] = self.counts.get(operation, 0) + 1


@attrs.frozen
class Worker:
    storages: dict[str, MinioBackend]
    buckets: dict[str, str]
    ledger: Ledger
    stop: threading.Event
    gate: Gate
    run_id: str

    def __call__(self, seed: int) -> None:
        rng = random.Random(seed)
        operations: list[tuple[Callable[[random.Random], None], int]] = [
            (self.save, 30),
            (self.read, 30),
            (self.exists, 15),
            (self.url, 15),
            (self.delete, 10),
        ]
        functions = [op for op, _weight in operations]
        weights = [weight for _op, weight in operations]
        while not self.stop.is_set():
            self.gate.checkpoint()
            operation = rng.choices(functions, weights)[0]
            try:
                operation(rng)
            except Exception as exc:
                with self.ledger.lock:
                    self.ledger.errors.append((operation.__name__, exc))

    def pick(self, rng: random.Random) -> tuple[str, str] | None:
        with self.ledger.lock:
            live = self.ledger.live
            return live[rng.randrange(len(live))] if live else None

    def save(self, rng: random.Random) -> None:
        profile = rng.choice(PROFILES)
        if rng.random() < 0.5:
            name = f"load/{self.run_id}/shared-{rng.randrange(SHARED_NAMES)}.bin"
        else:
            name = f"load/{self.run_id}/{uuid.uuid4().hex}.bin"
        size = 6 * MiB if rng.random() < 0.02 else rng.randrange(0, 256 * 1024)
        data = rng.randbytes(size)
        saved = self.storages[profile].save(name, ContentFile(data))
        key = (profile, saved)
        with self.ledger.lock:
            if key in self.ledger.saved:
                self.ledger.duplicates.append(key)
            self.ledger.saved[key] = hashlib.sha256(data).hexdigest()
            self.ledger.live.append(key)
        self.ledger.count("save")

    def read(self, rng: random.Random) -> None:
        key = self.pick(rng)
        if key is None:
            return
        profile, name = key
        digest = hashlib.sha256()
        try:
            with self.storages[profile].open(name) as handle:
                for chunk in handle.chunks(64 * 1024):
                    digest.update(chunk)
        except FileNotFoundError:
            with self.ledger.lock:
                if key in self.ledger.deleted:
                    return  # deleted by another thread meanwhile: expected
            raise
        with self.ledger.lock:
            if digest.hexdigest() != self.ledger.saved[key]:
                self.ledger.mismatches.append(f"{profile}:{name}")
        self.ledger.count("read")

    def exists(self, rng: random.Random) -> None:
        key = self.pick(rng)
        if key is None:
            return
        profile, name = key
        found = self.storages[profile].exists(name)
        with self.ledger.lock:
            if not found and key not in self.ledger.deleted:
                self.ledger.mismatches.append(f"exists() is False for {profile}:{name}")
        self.ledger.count("exists")

    def url(self, rng: random.Random) -> None:
        key = self.pick(rng)
        if key is None:
            return
        profile, name = key
        path = unquote(urlsplit(self.storages[profile].url(name)).path)
        if path != f"/{self.buckets[profile]}/{name}":
            with self.ledger.lock:
                self.ledger.mismatches.append(f"url path {path} for {profile}:{name}")
        self.ledger.count("url")

    def delete(self, rng: random.Random) -> None:
        # Shared names are never deleted: a name freed by a delete could be handed out again,
        # and a delete still in flight could then remove the new object.
        with self.ledger.lock:
            live = self.ledger.live
            if len(live) < 50:  # keep a population to read
                return
            index = rng.randrange(len(live))
            if "/shared-" in live[index][1]:
                return
            key = live.pop(index)
            self.ledger.deleted.add(key)
        profile, name = key
        self.storages[profile].delete(name)
        self.ledger.count("delete")


def run_load(profiles: dict[str, Any], buckets: dict[str, str], run_id: str) -> dict[str, Any]:
    """The load itself; returns the JSON-able report. Runs in the fresh process."""
    with override_settings(MINIO_PROFILES=profiles):
        storages = {profile: MinioBackend(profile=profile) for profile in PROFILES}
        ledger = Ledger()
        stop = threading.Event()
        gate = Gate()
        worker = Worker(storages, buckets, ledger, stop, gate, run_id)
        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(THREADS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        try:
            time.sleep(WARM_UP)
            gate.pause(THREADS, timeout=120)
            rss_warm = settled_rss()
            gate.resume()
            time.sleep(DURATION - WARM_UP)
        finally:
            stop.set()
            gate.resume()
            for thread in threads:
                thread.join(120)
        hanging = sum(thread.is_alive() for thread in threads)
        rss_end = settled_rss()
    return {
        "seconds": time.monotonic() - started,
        "hanging": hanging,
        "rss_warm": rss_warm,
        "rss_end": rss_end,
        "counts": ledger.counts,
        "errors": [f"{operation}: {exc!r}" for operation, exc in ledger.errors],
        "duplicates": ledger.duplicates,
        "mismatches": ledger.mismatches,
        "saved": [
            [profile, name, digest, (profile, name) in ledger.deleted]
            for (profile, name), digest in ledger.saved.items()
        ],
    }


def main() -> None:
    """``python -m tests.test_load``: read the job from stdin, print the report."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.django_settings")
    django.setup()
    job = json.load(sys.stdin)
    report = run_load(job["profiles"], job["buckets"], job["run_id"])
    print(json.dumps(report))


@pytest.mark.slow
def test_mixed_load_on_two_profiles(
    settings: Any, s3_server: S3Server, s3_server_b: S3Server
) -> None:
    run_id = uuid.uuid4().hex[:12]
    buckets = {}
    profiles = {}
    for profile, server in zip(PROFILES, (s3_server, s3_server_b), strict=True):
        bucket = f"load-{run_id}-{profile[-1]}"
        server.client().make_bucket(bucket_name=bucket)
        buckets[profile] = bucket
        profiles[profile] = server_profile(
            server,
            private_buckets=[bucket],
            default_bucket=bucket,
            multipart_threshold=5 * MiB,
            multipart_part_size=5 * MiB,
        )
    job = json.dumps({"profiles": profiles, "buckets": buckets, "run_id": run_id})
    finished = subprocess.run(
        [sys.executable, "-m", "tests.test_load"],
        input=job,
        capture_output=True,
        text=True,
        timeout=DURATION + 600,
        cwd=Path(__file__).resolve().parent.parent,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads(finished.stdout.splitlines()[-1])
    rss_warm, rss_end = report["rss_warm"], report["rss_end"]
    print(
        f"\nLOAD {report['seconds']:.0f} s, {THREADS} threads: {report['counts']}; "
        f"RSS after warm-up {rss_warm / MiB:.0f} MiB, at the end {rss_end / MiB:.0f} MiB"
    )
    assert report["hanging"] == 0, "a worker hangs"
    assert report["errors"] == [], f"unexpected errors: {report['errors'][:5]}"
    assert report["duplicates"] == [], f"names saved twice: {report['duplicates'][:5]}"
    assert report["mismatches"] == [], report["mismatches"][:5]
    assert all(
        report["counts"].get(op, 0) > 0 for op in ("save", "read", "exists", "url", "delete")
    )
    assert rss_end - rss_warm < RSS_LIMIT

    # Read back from this process: every object still listed is byte-identical, every deleted
    # one is gone, and the buckets hold exactly the names handed out (no save overwrote another).
    settings.MINIO_PROFILES = profiles
    storages = {profile: MinioBackend(profile=profile) for profile in PROFILES}

    def verify(entry: list[Any]) -> str | None:
        profile, name, digest, deleted = entry
        storage = storages[profile]
        if deleted:
            return None if not storage.exists(name) else f"{profile}:{name} deleted, still there"
        content = hashlib.sha256()
        with storage.open(name) as handle:
            for chunk in handle.chunks(256 * 1024):
                content.update(chunk)
        return None if content.hexdigest() == digest else f"{profile}:{name} differs"

    with ThreadPoolExecutor(8) as pool:
        problems = [problem for problem in pool.map(verify, report["saved"]) if problem]
    assert problems == [], problems[:5]
    for profile, server in zip(PROFILES, (s3_server, s3_server_b), strict=True):
        listed = {
            item.object_name
            for item in server.client().list_objects(
                bucket_name=buckets[profile], prefix=f"load/{run_id}/", recursive=True
            )
        }
        expected = {
            name for p, name, _digest, deleted in report["saved"] if p == profile and not deleted
        }
        assert listed == expected
    # Colliding saves really happened and were all renamed apart.
    shared = [name for _profile, name, _digest, _deleted in report["saved"] if "/shared-" in name]
    assert len(shared) > SHARED_NAMES * len(PROFILES)


if __name__ == "__main__":
    main()
