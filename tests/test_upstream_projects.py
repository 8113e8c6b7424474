"""A project written the upstream 4.x way runs its own tests unchanged against the real server
(tests/projects/upstream4); the 3.8.1 way is tests/test_seed_compat.py."""

from __future__ import annotations

import uuid
from pathlib import Path

from django_minio_backend.testing.s3server import S3Server
from tests.test_third_party_apps import run_project_tests


def test_upstream_4x_project_passes_its_tests(s3_server: S3Server, tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "site.css").write_bytes(b"body { color: red }")
    result = run_project_tests(
        "tests.projects.upstream4.settings",
        {
            "U4_ENDPOINT": s3_server.endpoint,
            "U4_ACCESS_KEY": s3_server.access_key,
            "U4_SECRET_KEY": s3_server.secret_key,
            "U4_PREFIX": f"u4{uuid.uuid4().hex[:12]}",
            "U4_DATABASE": str(tmp_path / "db.sqlite3"),
            "U4_STATIC_SOURCE": str(static),
        },
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Ran 10 tests" in output, output
    assert s3_server.secret_key not in output
