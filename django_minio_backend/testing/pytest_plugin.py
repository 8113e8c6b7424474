"""The pytest plugin of the testing kit: a real S3 server and fresh buckets for each test.

Registered through the ``pytest11`` entry point (or ``-p django_minio_backend.testing``). It is
inert until a test asks for one of its fixtures; pytest-django is not needed, and under
pytest-xdist every worker starts a server of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_minio_backend.profiles.model import MinioProfileDict
from django_minio_backend.testing.buckets import (
    fresh_buckets,
    installed_profiles,
    profiles_on_fresh_buckets,
    shared_server,
    stop_shared_server,
)
from django_minio_backend.testing.s3server import LocalS3Server

__all__ = ["minio_profile", "minio_profiles", "minio_server", "pytest_configure"]

MARKER = "minio_profiles"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*names): the profile names the minio_profiles fixture installs, each on "
        "fresh buckets (default: 'default')",
    )


@pytest.fixture(scope="session")
def minio_server() -> Iterator[LocalS3Server]:
    """A local S3 server for the session (per xdist worker), removed with its data at the end."""
    yield shared_server()
    stop_shared_server()


@pytest.fixture
def minio_profile(minio_server: LocalS3Server) -> Iterator[MinioProfileDict]:
    """A profile dict on a fresh private and a fresh public bucket, removed after the test."""
    buckets = fresh_buckets(minio_server)
    yield buckets.profile()
    buckets.remove()


@pytest.fixture
def minio_profiles(
    request: pytest.FixtureRequest, minio_server: LocalS3Server, minio_profile: MinioProfileDict
) -> Iterator[dict[str, MinioProfileDict]]:
    """``settings.MINIO_PROFILES = {"default": minio_profile}`` for one test, restored after.

    ``@pytest.mark.minio_profiles("default", "archive")`` installs several profiles, each on
    fresh buckets; the first is ``minio_profile``.
    """
    marker = request.node.get_closest_marker(MARKER)
    names: tuple[object, ...] = marker.args if marker is not None else ("default",)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise pytest.UsageError(
            f"@pytest.mark.{MARKER}(...) takes profile names (non-empty strings), got {names!r}"
        )
    first, *others = (str(name) for name in names)
    with profiles_on_fresh_buckets(minio_server, others) as profiles:
        installed = {first: minio_profile, **profiles}
        with installed_profiles(installed):
            yield installed
