"""The worker side of the benchmark protocol, shared by every contender script.

A contender script runs inside its own virtual environment (so it must import nothing from this
repository but the modules in this folder). The harness starts it, writes one JSON line with the
server and bucket configuration, and then one JSON line per command; the worker answers each
with one JSON line. Anything a library prints goes to stderr so that stdout stays the protocol.

Command: ``{"workload": "save_4k", "params": {...}}``.
Answer: ``{"results": [{"row": ..., "seconds": ..., "ops": ..., "rss_growth_kib": ...}]}``
or ``{"error": "<traceback>"}``.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# Object names shared with the harness, which creates the fixtures.
SMALL_SIZE = 4096
MIB = 1024 * 1024


def small_name(index: int) -> str:
    """Name of a pre-created 4 KiB object in the private bucket."""
    return f"small/obj-{index:05d}.bin"


def missing_name(index: int) -> str:
    """Name of an object that never exists."""
    return f"missing/obj-{index:05d}.bin"


def download_name(index: int) -> str:
    """The file name a browser is told to save the object ``small_name(index)`` under."""
    return f"Report {index:05d}.pdf"


def download_disposition(index: int) -> str:
    """The Content-Disposition of ``download_name(index)``, as a caller of the raw SDK writes it
    (the ASCII name plus RFC 5987's exact name, what this package sends)."""
    name = download_name(index)
    return f"attachment; filename=\"{name}\"; filename*=UTF-8''{name.replace(' ', '%20')}"


def payload(size: int) -> bytes:
    """Deterministic, incompressible-enough bytes of ``size``."""
    block = bytes(range(256)) * 16
    return (block * (size // len(block) + 1))[:size]


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:  # noqa: PTH123
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _reset_peak_rss() -> bool:
    """Reset this process's peak RSS to its current RSS (Linux 4.0+)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:  # noqa: PTH123
            clear.write("5")
    except OSError:
        return False
    return True


def result(row: str, seconds: float, ops: int, **extra: Any) -> dict[str, Any]:
    """One measured row; ``seconds`` from :func:`timed` brings its CPU time along."""
    cpu = getattr(seconds, "cpu", None)
    return {"row": row, "seconds": float(seconds), "ops": ops, "cpu_seconds": cpu, **extra}


_PROFILE_SHOW = (
    r".*(django_minio_backend|minio_storage|storages|minio|boto|s3transfer|urllib3"
    r"|django/core/files).*"
)


class Profiler:
    """Wraps timed sections with pyinstrument when the harness asks for a profile."""

    def __init__(self) -> None:
        self.output: str | None = None

    @contextlib.contextmanager
    def section(self) -> Iterator[None]:
        if self.output is None:
            yield
            return
        from pyinstrument import Profiler as Pyinstrument

        profiler = Pyinstrument(interval=0.0005)
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
            # Hide frames under 1% of the time; expand the storage packages and the SDKs.
            options = {"filter_threshold": 0.01, "show_regex": _PROFILE_SHOW}
            text = profiler.output_text(processor_options=options)
            flat = profiler.output_text(flat=True, processor_options=options)
            text += "\nSelf time by function:\n" + "\n".join(flat.splitlines()[:40]) + "\n"
            with open(self.output, "a", encoding="utf-8") as out:  # noqa: PTH123
                out.write(text)


PROFILER = Profiler()


class Elapsed(float):
    """Wall-clock seconds that also carry the CPU seconds this process spent meanwhile."""

    cpu: float = 0.0


def timed(function: Callable[[], Any]) -> tuple[Elapsed, Any]:
    """Run ``function`` once; return (seconds, its value).

    The client's CPU time is recorded too: the server shares the machine, so wall-clock time
    is noisy, while CPU time shows a client's own overhead.
    """
    with PROFILER.section():
        cpu_start = time.process_time()
        start = time.perf_counter()
        value = function()
        seconds = Elapsed(time.perf_counter() - start)
        seconds.cpu = time.process_time() - cpu_start
    return seconds, value


def check(condition: bool, message: str) -> None:
    """A benchmark that silently did the wrong thing is worse than none: fail loudly."""
    if not condition:
        raise AssertionError(message)


def run_threads(threads: int, count: int, work: Callable[[int], object]) -> Elapsed:
    """Run ``work(i)`` for ``i`` in ``range(count)`` on ``threads`` threads; return seconds."""
    if threads == 1:
        return timed(lambda: [work(i) for i in range(count)])[0]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        # Start the threads before the clock does.
        list(pool.map(lambda _: None, range(threads)))
        return timed(lambda: list(pool.map(work, range(count))))[0]


class RequestCounter:
    """Counts the HTTP requests this process sends: every S3 client here (minio, boto3) sends
    through urllib3's ``HTTPConnectionPool.urlopen``, retries included."""

    def __init__(self) -> None:
        import urllib3.connectionpool

        self.count = 0
        pool_class = urllib3.connectionpool.HTTPConnectionPool
        original = pool_class.urlopen
        counter = self

        def counting(pool: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += 1
            return original(pool, *args, **kwargs)

        pool_class.urlopen = counting  # type: ignore[method-assign]


_REQUESTS: RequestCounter | None = None


def requests_sent() -> int:
    """How many HTTP requests this process has sent since the first call."""
    global _REQUESTS
    if _REQUESTS is None:
        _REQUESTS = RequestCounter()
    return _REQUESTS.count


def read_workbook(stream: Any) -> int:
    """Load an xlsx with openpyxl (read-only, as for an import) and count its cells."""
    import openpyxl

    book = openpyxl.load_workbook(stream, read_only=True)
    try:
        return sum(len(row) for sheet in book for row in sheet.iter_rows(values_only=True))
    finally:
        book.close()


def read_stream(stream: Any, chunk: int = MIB) -> int:
    """Read a file-like object to the end in ``chunk``-sized reads; return the byte count."""
    total = 0
    while True:
        data = stream.read(chunk)
        if not data:
            return total
        total += len(data)


def serve(contender: Any) -> None:
    """The worker loop: configuration line, then one command per line until EOF."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # whatever a library prints lands on stderr
    sys.stdout = sys.stderr
    extra_path = os.environ.get("BENCH_EXTRA_PATH")
    if extra_path:
        sys.path.append(extra_path)

    def answer(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")
        protocol.flush()

    config_line = sys.stdin.readline()
    try:
        contender.setup(json.loads(config_line))
        answer({"ready": True, "versions": contender.versions()})
    except Exception:
        answer({"error": traceback.format_exc()})
        return
    for line in sys.stdin:
        if not line.strip():
            continue
        command = json.loads(line)
        PROFILER.output = command.get("profile")
        try:
            method = getattr(contender, "bench_" + command["workload"])
            answer({"results": method(command.get("params", {}))})
        except Exception:
            answer({"error": traceback.format_exc()})


def memory_probe(function: Callable[[], Any]) -> tuple[Elapsed, Any, int, int]:
    """Time ``function``; return (seconds, value, peak RSS growth KiB, peak RSS KiB).

    ``ru_maxrss`` is not used: Linux carries it over from the parent across fork and exec,
    so a child of a larger process would report the parent's size. ``VmHWM`` belongs to this
    process's memory alone, and is reset to the current RSS before the measurement.
    """
    if _reset_peak_rss():
        before = _status_kib("VmRSS") or 0
        seconds, value = timed(function)
        peak = _status_kib("VmHWM") or 0
        return seconds, value, max(peak - before, 0), peak
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    seconds, value = timed(function)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return seconds, value, peak - before, peak
