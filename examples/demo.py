"""``python -m examples.demo [--serve]``: run the example project against two local S3 servers.

Starts two SeaweedFS servers (the "default" and the "archive" cluster), hands their endpoints
and keys to ``examples/demo_project`` through environment variables, and runs the project's
commands one after the other in a fresh temporary database: migrate, initialize_buckets,
collectstatic (twice: the second run uploads nothing), upload_samples (files saved through the
models), an HTTP GET of every URL, a direct upload of 20 MiB from the client to the bucket (over
HTTP, and in headless Chromium when installed), check, and is_minio_available. Then it stops
the servers.
Exits with status 1 as soon as a step fails, showing that step's output.

``--serve`` keeps the servers up afterwards and runs ``manage.py runserver``: a page listing
the uploaded files and their links. Stop it with Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import urllib3

from django_minio_backend.testing import LocalS3Server
from examples import direct_upload_demo

PROJECT = Path(__file__).resolve().parent / "demo_project"
WIDTH = 22  # width of the step-name column


class StepFailed(Exception):
    """A step of the demo failed; the message says which and why."""


def _seconds(start: float) -> str:
    return f"{time.monotonic() - start:5.1f} s"


def _report(status: str, step: str, detail: str, start: float) -> None:
    print(f"  {status:<4}{step:<{WIDTH}}{detail:<46}{_seconds(start)}", flush=True)


class Demo:
    """The environment of one run: servers, database, and the commands run against them."""

    def __init__(self, default: LocalS3Server, archive: LocalS3Server, workdir: Path) -> None:
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEMO_DATABASE": str(workdir / "demo.sqlite3"),
            "DEMO_BUCKET_PREFIX": "demo",
            "DEMO_DEFAULT_ENDPOINT": default.endpoint,
            "DEMO_DEFAULT_ACCESS_KEY": default.access_key,
            "DEMO_DEFAULT_SECRET_KEY": default.secret_key,
            "DEMO_ARCHIVE_ENDPOINT": archive.endpoint,
            "DEMO_ARCHIVE_ACCESS_KEY": archive.access_key,
            "DEMO_ARCHIVE_SECRET_KEY": archive.secret_key,
        }
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(10.0))
        self.default = default

    def static_objects(self) -> dict[str, tuple[str, str]]:
        """Every object of the static bucket: name -> (ETag, last modified)."""
        objects = self.default.client().list_objects(bucket_name="demo-static", recursive=True)
        return {o.object_name or "": (o.etag or "", str(o.last_modified)) for o in objects}

    def manage(self, *args: str, env: Mapping[str, str] | None = None) -> str:
        """Run ``manage.py ARGS``; return its output, or raise ``StepFailed`` with it."""
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        output = (result.stdout + result.stderr).strip()
        if result.returncode != 0:
            raise StepFailed(
                f"manage.py {' '.join(args)} exited with status {result.returncode}:\n{output}"
            )
        return output

    def step(self, name: str, *args: str, summary: str = "") -> str:
        """One ``manage.py`` step, reported on one line."""
        start = time.monotonic()
        output = self.manage(*args)
        _report("ok", name, summary or _last_line(output), start)
        return output

    def fetch(self, url: str) -> urllib3.BaseHTTPResponse:
        return self.http.request("GET", url, preload_content=True)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return _clip(lines[-1] if lines else "", 46)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _size(count: int) -> str:
    return f"{count} B" if count < 1024 else f"{count / 1024:.1f} KiB"


def _collected(output: str) -> str:
    # Django ends with e.g. "4 static files copied, 2 post-processed."
    match = re.search(r"(\d+) static files? copied", output)
    return f"{match.group(1)} files" if match else _last_line(output)


def _run_steps(demo: Demo) -> dict[str, Any]:
    demo.step("migrate", "migrate", "--no-input", summary="fresh SQLite database")
    output = demo.step("initialize_buckets", "initialize_buckets", summary="buckets and policies:")
    print(_indent(output), flush=True)

    start = time.monotonic()
    output = demo.manage("collectstatic", "--no-input")
    before = demo.static_objects()
    _report("ok", "collectstatic", f"{_collected(output)}, {len(before)} objects", start)
    start = time.monotonic()
    demo.manage("collectstatic", "--no-input")
    after = demo.static_objects()
    written = sum(1 for name, stamp in after.items() if before.get(name) != stamp)
    _report("ok", "collectstatic again", f"{written} of {len(after)} objects written", start)
    if written:
        raise StepFailed(f"the second collectstatic wrote {written} objects, expected none")

    start = time.monotonic()
    uploaded: dict[str, Any] = json.loads(demo.manage("upload_samples", "--json"))
    count = len(uploaded["files"])
    _report("ok", "upload_samples", f"{count} files saved through the models", start)
    return uploaded


def _indent(text: str, prefix: str = "        ") -> str:
    return "\n".join(prefix + line for line in text.splitlines() if line.strip())


def _print_and_fetch(demo: Demo, uploaded: Mapping[str, Any]) -> None:
    print("\n  URLs (each fetched with an HTTP GET):", flush=True)
    failures = []
    for entry in [*uploaded["files"], *uploaded["static"]]:
        response = demo.fetch(entry["url"])
        body = response.data or b""
        status = response.status
        details = [_size(len(body)), response.headers.get("Content-Type", "?")]
        cache = response.headers.get("Cache-Control")
        if cache:
            details.append(f"Cache-Control: {cache}")
        print(f"  {status}  {entry['label']:<22} {', '.join(details)}")
        print(f"       {entry['url']}", flush=True)
        if status != 200:
            failures.append(f"{entry['label']}: HTTP {status}")
    # A private object's URL without its signature must be refused.
    private_url = uploaded["files"][0]["url"]
    unsigned = urlunsplit(urlsplit(private_url)._replace(query=""))
    status = demo.fetch(unsigned).status
    verdict = "refused, as it should be" if status == 403 else "NOT REFUSED"
    print(f"  {status}  private file without its signature: {verdict}\n", flush=True)
    if status != 403:
        failures.append(f"unsigned private URL answered HTTP {status}, expected 403")
    if failures:
        raise StepFailed("fetching the URLs failed:\n" + "\n".join(failures))


def _direct_uploads(demo: Demo) -> None:
    client = demo.default.client()

    def read(name: str) -> Iterator[bytes]:
        response = client.get_object(bucket_name="demo-private", object_name=name)
        try:
            yield from response.stream(1 << 20)
        finally:
            response.close()
            response.release_conn()

    check = direct_upload_demo.same_bytes(read)
    data = direct_upload_demo.random_file()
    size = f"{len(data) // (1024 * 1024)} MiB"
    try:
        with direct_upload_demo.web_server(PROJECT, demo.env) as base:
            start = time.monotonic()
            name, sent = direct_upload_demo.over_http(base, data, check)
            _report(
                "ok",
                "direct upload",
                f"{size} to the bucket, {_size(sent)} to Django",
                start,
            )
            print(f"        stored as {name}; a tampered ticket was refused", flush=True)
            if not direct_upload_demo.browser_available():
                print("  skip browser upload: Chromium is not installed", flush=True)
                return
            start = time.monotonic()
            name = direct_upload_demo.in_browser(base, data, check)
            _report("ok", "browser upload", f"{size}, headless Chromium", start)
            print(f"        stored as {name}, byte for byte", flush=True)
    except direct_upload_demo.DirectUploadFailed as exc:
        raise StepFailed(f"direct upload: {exc}") from exc


def _final_checks(demo: Demo) -> None:
    start = time.monotonic()
    demo.manage("check", "--fail-level", "WARNING")
    demo.manage("check", "--fail-level", "WARNING", env={"DEMO_PROFILES": "toml"})
    _report("ok", "check", "no issues (Python and TOML profiles)", start)
    start = time.monotonic()
    output = demo.manage("is_minio_available")
    _report("ok", "is_minio_available", "both profiles answer", start)
    print(_indent(output), flush=True)


@contextlib.contextmanager
def _servers() -> Iterator[tuple[LocalS3Server, LocalS3Server]]:
    """Start both servers at once; stop them and remove their data on the way out."""
    start = time.monotonic()
    with contextlib.ExitStack() as stack:
        servers = (LocalS3Server(), LocalS3Server())
        for server in servers:
            stack.callback(server.stop)
            server.spawn()  # both start up at the same time
        for server in servers:
            server.wait_ready()
        default, archive = servers
        _report("ok", "start S3 servers", f"{default.endpoint}, {archive.endpoint}", start)
        yield default, archive
        start = time.monotonic()
        with ThreadPoolExecutor(len(servers)) as pool:
            list(pool.map(LocalS3Server.stop, servers))
        _report("ok", "stop S3 servers", "", start)


def _serve(demo: Demo, port: int) -> None:
    print(f"\n  Serving http://127.0.0.1:{port}/ (static files and uploads from the S3 servers).")
    print("  Press Ctrl-C to stop the web server and both S3 servers.\n", flush=True)
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=PROJECT,
        env=demo.env,
    )
    try:
        status = server.wait()
    except KeyboardInterrupt:  # the web server got the same Ctrl-C and is stopping too
        status = server.wait()
    if status not in (0, -signal.SIGINT):
        raise StepFailed(f"manage.py runserver exited with status {status}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m examples.demo", description=__doc__)
    parser.add_argument("--serve", action="store_true", help="keep running: a page with links")
    parser.add_argument("--port", type=int, default=8000, help="runserver port (with --serve)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    print("django-minio-backend demo: examples/demo_project on two local S3 servers\n")
    try:
        with tempfile.TemporaryDirectory(prefix="minio-demo-") as workdir, _servers() as servers:
            demo = Demo(*servers, Path(workdir))
            uploaded = _run_steps(demo)
            _print_and_fetch(demo, uploaded)
            _direct_uploads(demo)
            _final_checks(demo)
            if args.serve:
                _serve(demo, args.port)
    except StepFailed as exc:
        print(f"\nFAILED: {exc}", file=sys.stderr)
        return 1
    print(f"\nDemo passed in {time.monotonic() - started:.1f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
