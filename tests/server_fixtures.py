"""The suite's server fixtures, built on the public testing kit (``django_minio_backend.testing``).

``s3_server`` is the kit's ``minio_server``: the suite runs on the same server users get.
Servers start lazily: a session that requests no fixture starts none.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_minio_backend.testing import LocalS3Server
from tests.helpers import new_bucket_name

__all__ = ["s3_server", "s3_server_b", "unique_bucket"]


@pytest.fixture(scope="session")
def s3_server(minio_server: LocalS3Server) -> LocalS3Server:
    """One S3 server shared by the whole session (the kit's ``minio_server``)."""
    return minio_server


@pytest.fixture(scope="session")
def s3_server_b() -> Iterator[LocalS3Server]:
    """A second, independent S3 server (own ports, data and credentials)."""
    with LocalS3Server() as server:
        yield server


@pytest.fixture
def unique_bucket() -> str:
    """A fresh, valid bucket name such as ``t-1f3a...``; the bucket is not created."""
    return new_bucket_name()
