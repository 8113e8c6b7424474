"""The suite's server fixtures on the kit: credentials, two independent servers, restarts."""

from __future__ import annotations

import io
import uuid

import pytest
from minio import Minio
from minio.error import S3Error

from django_minio_backend.testing.s3server import S3Server, running_s3_server
from tests.helpers import read_object


def _put_text(client: Minio, bucket: str, name: str, text: str) -> None:
    data = text.encode()
    client.put_object(bucket_name=bucket, object_name=name, data=io.BytesIO(data), length=len(data))


def _get_text(client: Minio, bucket: str, name: str) -> str:
    return read_object(client, bucket, name).decode()


def test_list_buckets_with_right_credentials(s3_server: S3Server, unique_bucket: str) -> None:
    client = s3_server.client()
    client.make_bucket(bucket_name=unique_bucket)
    assert unique_bucket in {b.name for b in client.list_buckets()}
    assert s3_server.endpoint == f"127.0.0.1:{s3_server.s3_port}"


def test_wrong_secret_is_rejected(s3_server: S3Server) -> None:
    bad = s3_server.client(secret_key=s3_server.secret_key + "x")
    with pytest.raises(S3Error) as excinfo:
        list(bad.list_buckets())
    assert excinfo.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId"}


def test_unknown_access_key_is_rejected(s3_server: S3Server) -> None:
    bad = s3_server.client(access_key="nobody-" + uuid.uuid4().hex[:8])
    with pytest.raises(S3Error) as excinfo:
        list(bad.list_buckets())
    assert excinfo.value.code in {"SignatureDoesNotMatch", "InvalidAccessKeyId"}


def test_two_servers_are_independent(
    s3_server: S3Server, s3_server_b: S3Server, unique_bucket: str
) -> None:
    assert set(s3_server.ports.values()).isdisjoint(s3_server_b.ports.values())
    assert s3_server.data_dir != s3_server_b.data_dir
    s3_server.client().make_bucket(bucket_name=unique_bucket)
    assert s3_server.client().bucket_exists(bucket_name=unique_bucket)
    assert not s3_server_b.client().bucket_exists(bucket_name=unique_bucket)


def test_unique_bucket_names_differ(unique_bucket: str) -> None:
    assert unique_bucket.startswith("t-")
    assert unique_bucket == unique_bucket.lower()
    assert 3 <= len(unique_bucket) <= 63


def test_restart_and_kill_keep_data() -> None:
    with running_s3_server() as server:
        endpoint, data_dir = server.endpoint, server.data_dir
        client = server.client()
        client.make_bucket(bucket_name="keep")
        _put_text(client, "keep", "a/b.txt", "hello")

        server.restart()
        assert (server.endpoint, server.data_dir) == (endpoint, data_dir)
        assert _get_text(server.client(), "keep", "a/b.txt") == "hello"

        _put_text(server.client(), "keep", "after-restart.txt", "again")
        server.kill()
        assert not server.is_running
        server.start()
        server.wait_ready()
        assert _get_text(server.client(), "keep", "a/b.txt") == "hello"
        assert _get_text(server.client(), "keep", "after-restart.txt") == "again"
    assert not server.is_running
    assert not data_dir.exists()
