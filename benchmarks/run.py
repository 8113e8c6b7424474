"""Entry point: ``python -m benchmarks.run [--smoke] [--rounds N] [--only ...] [--contenders ...]``.

Starts one local S3 server (SeaweedFS), prepares the objects every contender reads, starts one
worker process per contender (each in its own virtual environment), and runs every workload
round by round, contenders interleaved, rotating who goes first. Prints a Markdown table and,
for a full run, writes ``benchmarks/RESULTS.md``. Run it from the repository root.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from benchmarks import charts, fixtures, peers, plan, report
from benchmarks.workers import Worker, WorkerError
from django_minio_backend.testing import LocalS3Server
from django_minio_backend.testing.s3server import REGION

RESULTS_PATH = Path(__file__).resolve().parent / "RESULTS.md"
CHARTS_FOLDER = "charts"  # next to the report
DEFAULT_ROUNDS = 7
BIG_ROUNDS = 5  # save_256m, open_read_256m, scaling_size: at most this many rounds
# Larger volumes than the tests use (64 MB): a 256 MiB object otherwise makes SeaweedFS grow
# several volumes per save, which made large saves 2x slower and far less repeatable.
SERVER_ARGS = ("-master.volumeSizeLimitMB=1024",)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="tiny counts, one round, raw SDK and this package only (a few seconds)",
    )
    parser.add_argument("--rounds", type=int, default=None, help=f"default {DEFAULT_ROUNDS}")
    parser.add_argument(
        "--big-rounds", type=int, default=None, help=f"rounds of large transfers ({BIG_ROUNDS})"
    )
    parser.add_argument("--only", default="", help="comma-separated workloads (or 'scaling')")
    parser.add_argument(
        "--contenders",
        default="",
        help="comma-separated: raw,ours,storages,collectfast,minio_storage,upstream",
    )
    parser.add_argument(
        "--output",
        default=None,
        help="where to write the Markdown report (default: benchmarks/RESULTS.md for a full"
        " run with every workload and contender, nowhere otherwise)",
    )
    parser.add_argument(
        "--report-only",
        nargs="?",
        const=str(peers.BENCH_DIR / "last-run.json"),
        default=None,
        metavar="JSON",
        help="measure nothing: rewrite the report from the samples a run saved"
        " (default .bench/last-run.json)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the timed sections with pyinstrument into .bench/profiles/ (slower;"
        " the timings of such a run are not comparable)",
    )
    return parser.parse_args(argv)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def machine_info() -> dict[str, str]:
    info = {"cores": str(os.cpu_count())}
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory"] = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
    info["os"] = platform.platform()
    return info


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(server: LocalS3Server, limit: float = 30.0) -> None:
    """Wait (up to ``limit`` s) until the server uses under 5% of a core: after bulk uploads
    SeaweedFS keeps working in the background, which would slow whoever is measured first."""
    pid = server.pid
    if pid is None:
        return
    deadline = time.monotonic() + limit
    with contextlib.suppress(OSError, ValueError, IndexError):
        while time.monotonic() < deadline:
            start = _cpu_seconds(pid)
            time.sleep(0.5)
            if _cpu_seconds(pid) - start < 0.025:
                return


def server_version(server: LocalS3Server) -> str:
    done = subprocess.run([server.weed, "version"], capture_output=True, text=True, check=False)
    return done.stdout.strip().splitlines()[0] if done.stdout.strip() else "unknown"


class Harness:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.smoke: bool = args.smoke
        self.sizes = plan.SMOKE if self.smoke else plan.FULL
        self.rounds: int = args.rounds or (1 if self.smoke else DEFAULT_ROUNDS)
        self.big_rounds: int = min(self.rounds, args.big_rounds or BIG_ROUNDS)
        self.workloads = plan.select(_split(args.only))
        every = peers.contenders()
        wanted = _split(args.contenders) or (
            list(peers.SMOKE_CONTENDERS) if self.smoke else [c.key for c in every]
        )
        unknown = set(wanted) - {c.key for c in every}
        if unknown:
            raise SystemExit(
                f"unknown contenders {sorted(unknown)}; valid: {[c.key for c in every]}"
            )
        if "raw" not in wanted:
            wanted.insert(0, "raw")  # ratios need the floor
        self.contenders = [c for c in every if c.key in wanted]
        self.pythons: dict[str, str] = {}
        self.unavailable: dict[str, str] = {}
        self.measurements = report.Measurements()
        self.log_dir = peers.BENCH_DIR / ("logs-smoke" if self.smoke else "logs")

    # ------------------------------------------------------------------ preparation

    def prepare_environments(self) -> None:
        for contender in self.contenders:
            if contender.venv is None:
                self.pythons[contender.key] = sys.executable
                continue
            try:
                self.pythons[contender.key] = peers.ensure_venv(contender.venv, self.log_dir)
            except peers.VenvError as exc:
                self.unavailable[contender.key] = str(exc)
                print(f"  {contender.title}: {exc}", file=sys.stderr)

    @property
    def active(self) -> list[peers.Contender]:
        return [c for c in self.contenders if c.key not in self.unavailable]

    def config(
        self, server: LocalS3Server, contender: peers.Contender, paths: plan.Paths
    ) -> dict[str, Any]:
        return {
            "endpoint": server.endpoint,
            "access_key": server.access_key,
            "secret_key": server.secret_key,
            "region": REGION,
            "private_bucket": fixtures.PRIVATE_BUCKET,
            "public_bucket": fixtures.PUBLIC_BUCKET,
            "static_bucket": fixtures.static_bucket(contender.key),
            "static_dir": paths.static_dir,
        }

    # ------------------------------------------------------------------ running

    def start_worker(
        self, server: LocalS3Server, contender: peers.Contender, paths: plan.Paths, scratch: Path
    ) -> Worker:
        extra = peers.ensure_profiler(self.pythons[contender.key]) if self.args.profile else None
        return Worker(
            self.pythons[contender.key],
            contender.script_path,
            self.config(server, contender, paths),
            self.log_dir / f"{contender.key}.log",
            cwd=scratch,
            extra_path=extra,
        )

    def profile_path(self, contender: str, workload: str) -> str | None:
        if not self.args.profile:
            return None
        folder = peers.BENCH_DIR / "profiles"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / f"{contender}-{workload}.txt")

    def measure(
        self,
        server: LocalS3Server,
        workers: dict[str, Worker],
        paths: plan.Paths,
        scratch: Path,
        workload: plan.Workload,
        contender: peers.Contender,
        round_index: int,
    ) -> None:
        client = server.client()
        prefix = f"w/{contender.key}/{workload.name}/r{round_index}"
        if workload.name == "collectstatic_500":
            fixtures.remove_prefix(client, fixtures.static_bucket(contender.key))
        params = plan.params(workload, self.sizes, paths, prefix)
        profile = self.profile_path(contender.key, workload.name)
        try:
            if workload.fresh_process:
                worker = self.start_worker(server, contender, paths, scratch)
                try:
                    worker.handshake()
                    results = worker.request(workload.command, params, profile)
                finally:
                    worker.close()
            else:
                results = workers[contender.key].request(workload.command, params, profile)
        except WorkerError as exc:
            last = str(exc).strip().splitlines()[-1] if str(exc).strip() else repr(exc)
            self.measurements.error(
                contender.key, f"{workload.name} round {round_index + 1}: {last}"
            )
            with (self.log_dir / f"{contender.key}.log").open("a") as log:
                log.write(f"\n--- {workload.name} round {round_index + 1} failed:\n{exc}\n")
            print(f"    {contender.key}: {workload.name} failed: {last}", file=sys.stderr)
            results = []
        for result in results:
            self.measurements.add(contender.key, {**result, "round": round_index})
        if workload.big:  # keep the server's disk small
            fixtures.remove_prefix(client, fixtures.PRIVATE_BUCKET, prefix + "/")

    def run(self) -> str:
        started = time.monotonic()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for stale in self.log_dir.glob("*.log"):
            if not stale.name.startswith("venv-"):
                stale.unlink()
        print("benchmarks: preparing environments", flush=True)
        self.prepare_environments()
        with _scratch_dir() as scratch, LocalS3Server(extra_args=SERVER_ARGS) as server:
            print(f"benchmarks: S3 server at {server.endpoint}; preparing fixtures", flush=True)
            paths = fixtures.make_local_files(scratch, self.sizes)
            client = server.client()
            fixtures.make_buckets(
                client,
                [fixtures.PRIVATE_BUCKET, fixtures.PUBLIC_BUCKET]
                + [fixtures.static_bucket(c.key) for c in self.contenders],
            )
            fixtures.make_objects(client, self.sizes, paths)
            workers: dict[str, Worker] = {}
            versions: dict[str, dict[str, str]] = {}
            try:
                # Start every worker first, so that their imports overlap.
                for contender in self.active:
                    workers[contender.key] = self.start_worker(server, contender, paths, scratch)
                for key, worker in list(workers.items()):
                    try:
                        versions[key] = worker.handshake()
                    except WorkerError as exc:
                        self.unavailable[key] = f"worker failed to start: {exc}"
                        print(f"  {key}: {exc}", file=sys.stderr)
                        worker.close()
                        del workers[key]
                self.run_rounds(server, workers, paths, scratch)
            finally:
                for worker in workers.values():
                    worker.close()
            seaweed = server_version(server)
            server.kill()  # its data is thrown away: no need for a graceful stop
        elapsed = time.monotonic() - started
        settings = {
            "mode": "smoke" if self.smoke else "full",
            "rounds": f"{self.rounds} ({self.big_rounds} for large transfers)",
            "order": "contenders interleaved per workload, first contender rotating each round",
            "server": f"SeaweedFS `weed mini` on loopback ({seaweed})",
            "duration": f"{elapsed:.0f} s",
        }
        return self.write_report(versions, settings)

    def run_rounds(
        self, server: LocalS3Server, workers: dict[str, Worker], paths: plan.Paths, scratch: Path
    ) -> None:
        for round_index in range(self.rounds):
            active = [c for c in self.active if c.key in workers]
            shift = round_index % max(len(active), 1)
            order = active[shift:] + active[:shift]
            print(f"benchmarks: round {round_index + 1}/{self.rounds}", flush=True)
            for workload in self.workloads:
                if workload.big and round_index >= self.big_rounds:
                    continue
                started = time.monotonic()
                for contender in order:
                    if not contender.runs(workload.name):
                        continue
                    self.measure(server, workers, paths, scratch, workload, contender, round_index)
                if not self.smoke:
                    print(f"  {workload.name}: {time.monotonic() - started:.1f} s", flush=True)

    def write_samples(self, versions: dict[str, dict[str, str]], settings: dict[str, str]) -> None:
        """Every sample as JSON (``.bench/last-run.json``): for a closer look than medians, and
        for ``--report-only``."""
        samples = [
            {"contender": contender, **sample}
            for (_, contender), entries in self.measurements.samples.items()
            for sample in entries
        ]
        data = {
            "contenders": [c.key for c in self.contenders if c.key not in self.unavailable],
            "machine": machine_info(),
            "settings": settings,
            "versions": versions,
            "unavailable": self.unavailable,
            "errors": self.measurements.errors,
            "samples": samples,
        }
        name = "last-smoke.json" if self.smoke else "last-run.json"
        (peers.BENCH_DIR / name).write_text(json.dumps(data, indent=1))

    def write_report(self, versions: dict[str, dict[str, str]], settings: dict[str, str]) -> str:
        self.write_samples(versions, settings)
        shown = [c for c in self.contenders if c.key not in self.unavailable]
        text_table = report.table(self.measurements, shown)
        output = self.args.output
        complete = not self.smoke and not self.args.only and not self.args.contenders
        if output is None and complete and not self.args.profile:
            output = str(RESULTS_PATH)
        if output:
            write_markdown(
                Path(output),
                self.measurements,
                shown,
                machine_info(),
                versions,
                self.unavailable,
                settings,
            )
        lines = ["", text_table, "", report.cpu_table(self.measurements, shown), ""]
        if self.smoke:
            lines.append("smoke mode: tiny counts, one round; the numbers mean nothing")
        else:
            lines += report.targets(self.measurements, shown)
        for key, messages in self.measurements.errors.items():
            lines += [f"error ({key}): {message}" for message in messages]
        for key, reason in self.unavailable.items():
            lines.append(f"not measured ({key}): {reason}")
        return "\n".join(lines)


def write_markdown(
    path: Path,
    measurements: report.Measurements,
    shown: Sequence[peers.Contender],
    machine: dict[str, str],
    versions: dict[str, dict[str, str]],
    unavailable: dict[str, str],
    settings: dict[str, str],
) -> None:
    """Write the report, keeping the hand-written notes of the file it replaces."""
    notes = report.kept_notes(path.read_text()) if path.exists() else ""
    folder = path.parent / CHARTS_FOLDER
    drawn = charts.write_charts(measurements, shown, folder)
    listed: list[tuple[str, str]] | str = (
        charts.MISSING_MATPLOTLIB
        if drawn is None
        else [(title, f"{CHARTS_FOLDER}/{name}") for title, name in drawn]
    )
    text = report.markdown(
        measurements, shown, machine, versions, unavailable, settings, notes, listed
    )
    path.write_text(text)
    print(f"benchmarks: report written to {path}")


def report_only(source: Path, output: Path) -> int:
    """Rewrite the report from the samples a run saved, without measuring anything."""
    data = json.loads(source.read_text())
    measurements = report.Measurements()
    for sample in data["samples"]:
        measurements.add(sample.pop("contender"), sample)
    for key, messages in data["errors"].items():
        for message in messages:
            measurements.error(key, message)
    shown = [c for c in peers.contenders() if c.key in data["contenders"]]
    write_markdown(
        output,
        measurements,
        shown,
        data["machine"],
        data["versions"],
        data["unavailable"],
        data["settings"],
    )
    return 0


@contextlib.contextmanager
def _scratch_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_only:
        return report_only(Path(args.report_only), Path(args.output or RESULTS_PATH))
    harness = Harness(args)
    try:
        print(harness.run())
    except Exception:
        traceback.print_exc()
        return 1
    return 1 if harness.measurements.errors or harness.unavailable else 0


if __name__ == "__main__":
    sys.exit(main())
