"""Django admin, easy-thumbnails and django-dbbackup on the storage: tests/projects/third_party."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django_minio_backend.testing.s3server import S3Server

ROOT = Path(__file__).resolve().parent.parent


def run_project_tests(
    settings_module: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """``django-admin test`` of a project package under ``tests/projects``, in a fresh process."""
    package = settings_module.rsplit(".", 1)[0]
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TP_", "U4_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "django", "test", package, "--noinput", "-v", "2"],
        cwd=ROOT,
        env={**base, **env, "DJANGO_SETTINGS_MODULE": settings_module},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_admin_thumbnails_and_media_backup(s3_server: S3Server, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    result = run_project_tests(
        "tests.projects.third_party.settings",
        {
            "TP_ENDPOINT": s3_server.endpoint,
            "TP_ACCESS_KEY": s3_server.access_key,
            "TP_SECRET_KEY": s3_server.secret_key,
            "TP_PREFIX": f"tp{uuid.uuid4().hex[:12]}",
            "TP_DATABASE": str(tmp_path / "db.sqlite3"),
            "TP_BACKUPS": str(backups),
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for test in (
        "test_add_and_change_through_the_admin",
        "test_two_sizes_of_one_image",
        "test_media_backup_and_restore",
    ):
        assert f"{test} " in output and "ok" in output, output
    assert "Ran 4 tests" in output
    assert list(backups.iterdir()), "the media backup was written"
    assert s3_server.secret_key not in output
