"""A 300 MiB save and chunked read keep memory bounded (measured in a fresh process)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from django_minio_backend.testing.s3server import S3Server

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_300_mib_save_and_read_stay_under_100_mib_of_growth(s3_server: S3Server) -> None:
    bucket = f"m-{uuid.uuid4().hex[:16]}"
    s3_server.client().make_bucket(bucket_name=bucket)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.memory_probe",
            s3_server.endpoint,
            s3_server.access_key,
            s3_server.secret_key,
            bucket,
            "300",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    print("memory:", measured)
    assert measured["size"] == 300 * 1024 * 1024
    assert measured["same"] is True
    assert measured["save_growth_mib"] < 100
    assert measured["read_growth_mib"] < 100
