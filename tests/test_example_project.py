"""The example project (examples/demo_project) passes its checks and works end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
import urllib3

from django_minio_backend.testing.s3server import S3Server

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "demo_project"
http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(10.0))


@pytest.fixture
def project_env(s3_server: S3Server, s3_server_b: S3Server, tmp_path: Path) -> dict[str, str]:
    """The example's environment: both test servers, a fresh database, unique bucket names."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DEMO_")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return {
        **env,
        "DEMO_DATABASE": str(tmp_path / "db.sqlite3"),
        "DEMO_BUCKET_PREFIX": f"x{uuid.uuid4().hex[:12]}",
        "DEMO_DEFAULT_ENDPOINT": s3_server.endpoint,
        "DEMO_DEFAULT_ACCESS_KEY": s3_server.access_key,
        "DEMO_DEFAULT_SECRET_KEY": s3_server.secret_key,
        "DEMO_ARCHIVE_ENDPOINT": s3_server_b.endpoint,
        "DEMO_ARCHIVE_ACCESS_KEY": s3_server_b.access_key,
        "DEMO_ARCHIVE_SECRET_KEY": s3_server_b.secret_key,
    }


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``manage.py args`` of the example project, output captured; may fail."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def manage(env: dict[str, str], *args: str) -> str:
    result = run_manage(env, *args)
    assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stdout}{result.stderr}"
    return result.stdout


@pytest.mark.parametrize("source", ["python", "toml"])
def test_check_passes_and_migrations_are_complete(project_env: dict[str, str], source: str) -> None:
    env = {**project_env, "DEMO_PROFILES": source}
    manage(env, "check", "--fail-level", "WARNING")
    manage(env, "makemigrations", "--check", "--dry-run")


def test_check_reports_a_missing_secret(project_env: dict[str, str]) -> None:
    env = {**project_env, "DEMO_ARCHIVE_SECRET_KEY": ""}
    result = run_manage(env, "check")
    assert result.returncode != 0
    assert "archive" in result.stderr and "secret_key" in result.stderr
    assert project_env["DEMO_DEFAULT_SECRET_KEY"] not in result.stderr + result.stdout


def test_upload_through_the_models_and_fetch_every_url(project_env: dict[str, str]) -> None:
    manage(project_env, "migrate", "--no-input")
    manage(project_env, "initialize_buckets", "--silenced")
    manage(project_env, "collectstatic", "--no-input", "--verbosity", "0")
    uploaded: dict[str, Any] = json.loads(manage(project_env, "upload_samples", "--json"))

    prefix = project_env["DEMO_BUCKET_PREFIX"]
    files = {entry["label"]: entry["url"] for entry in uploaded["files"]}
    default_host = project_env["DEMO_DEFAULT_ENDPOINT"]
    archive_host = project_env["DEMO_ARCHIVE_ENDPOINT"]
    assert files["Document (private)"].startswith(f"http://{default_host}/{prefix}-private/")
    assert "X-Amz-Signature=" in files["Document (private)"]
    assert files["Photo (public)"].startswith(f"http://{default_host}/{prefix}-public/photos/")
    assert "?" not in files["Photo (public)"]
    assert files["Report (archive)"].startswith(f"http://{archive_host}/{prefix}-archive/")
    for entry in uploaded["files"] + uploaded["static"]:
        response = http.request("GET", entry["url"])
        assert response.status == 200, entry
        assert response.data
    css = next(entry for entry in uploaded["static"] if entry["name"].endswith(".css"))
    assert css["url"].startswith(f"http://{default_host}/{prefix}-static/library/css/site.")
    manage(project_env, "is_minio_available")
