from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings
from minio import Minio

from django_minio_backend.testing import LocalS3Server
from tests.helpers import new_bucket_name

# The kit's plugin is also loaded by its entry point; naming it here keeps the suite working
# where the package is not installed (pytest then registers it once, under this name).
pytest_plugins = ["django_minio_backend.testing", "tests.server_fixtures", "tests.django42"]

# `make test` (and so CI) draws the same Hypothesis examples on every run: a new edge case is then
# found by a developer's `pytest` (random examples, the default profile), not by a landing.
hypothesis_settings.register_profile("repeatable", derandomize=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="module")
def s3_client(s3_server: LocalS3Server) -> Minio:
    """A minio client for the session's server, one per test module."""
    return s3_server.client()


@pytest.fixture(scope="module")
def bucket(s3_client: Minio) -> str:
    """One bucket per test module (a new bucket's first large write costs about a second);
    every test uses its own object names."""
    name = new_bucket_name()
    s3_client.make_bucket(bucket_name=name)
    return name
