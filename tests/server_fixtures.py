"""Pytest plugin: local SeaweedFS S3 servers (see ``django_minio_backend/testing/s3server.py``).

Enable with ``pytest_plugins = ["tests.server_fixtures"]`` in a conftest, or ``-p
tests.server_fixtures``. Servers start lazily: a session that requests no fixture starts none.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from django_minio_backend.testing.s3server import S3Server, running_s3_server
from tests.helpers import new_bucket_name

__all__ = ["s3_server", "s3_server_b", "unique_bucket"]


def _credentials() -> tuple[str, str]:
    return f"test-access-{secrets.token_hex(6)}", f"test-secret-{secrets.token_hex(16)}"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    """One S3 server shared by the whole session (started on first use)."""
    access_key, secret_key = _credentials()
    with running_s3_server(access_key, secret_key) as server:
        yield server


@pytest.fixture(scope="session")
def s3_server_b() -> Iterator[S3Server]:
    """A second, independent S3 server (own ports, data and credentials)."""
    access_key, secret_key = _credentials()
    with running_s3_server(access_key, secret_key) as server:
        yield server


@pytest.fixture
def unique_bucket() -> str:
    """A fresh, valid bucket name such as ``t-1f3a...``; the bucket is not created."""
    return new_bucket_name()
