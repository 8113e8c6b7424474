"""One client per profile: shared, rebuilt when the profile changes, retries that never repeat a
write, a cleanup client that sends once (pure: no request is sent)."""

from __future__ import annotations

from typing import Any

import urllib3
from urllib3.util import Retry

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.s3.clients import (
    CLEANUP_CONNECT_TIMEOUT,
    CLEANUP_READ_TIMEOUT,
    OneAttemptPool,
    build_http_client,
    cleanup_timeout,
    profile_clients,
)

SECRET = "client-secret-canary"


def profile(**fields: Any) -> dict[str, Any]:
    return {"endpoint": "minio.invalid:9000", "access_key": "AK", "secret_key": SECRET, **fields}


def test_storages_of_one_profile_share_its_clients(settings: Any) -> None:
    settings.MINIO_PROFILES = {"a": profile(), "b": profile()}
    first = profile_clients("a")
    assert profile_clients("a") is first
    assert profile_clients("b") is not first
    assert first.internal is not first.cleanup


def test_clients_are_rebuilt_when_the_settings_change(settings: Any) -> None:
    settings.MINIO_PROFILES = {"a": profile()}
    before = profile_clients("a")
    settings.MINIO_PROFILES = {"a": profile(endpoint="other.invalid:9000")}
    after = profile_clients("a")
    assert after is not before
    assert after.profile.endpoint == "other.invalid:9000"


def test_retries_repeat_reads_never_writes() -> None:
    pool = build_http_client(MinioProfile(**profile(max_retries=4, read_timeout=7.0)))
    retries = pool.connection_pool_kw["retries"]
    assert isinstance(retries, Retry)
    assert retries.total == 4 and retries.other == 0
    assert retries.allowed_methods is not None
    assert {"GET", "HEAD", "DELETE"} == set(retries.allowed_methods)
    assert pool.connection_pool_kw["timeout"].read_timeout == 7.0


def test_a_given_http_client_is_used_as_is(settings: Any) -> None:
    own = urllib3.PoolManager()
    settings.MINIO_PROFILES = {"a": profile(http_client=own)}
    assert profile_clients("a").internal._http is own


def test_cleanup_sends_once_within_short_bounds() -> None:
    slow = MinioProfile(**profile(connect_timeout=30.0, read_timeout=60.0))
    fast = MinioProfile(**profile(connect_timeout=0.5, read_timeout=1.0))
    assert cleanup_timeout(slow).connect_timeout == CLEANUP_CONNECT_TIMEOUT
    assert cleanup_timeout(slow).read_timeout == CLEANUP_READ_TIMEOUT
    assert (cleanup_timeout(fast).connect_timeout, cleanup_timeout(fast).read_timeout) == (0.5, 1.0)
    pool = OneAttemptPool(urllib3.PoolManager(), cleanup_timeout(fast))
    assert "secret" not in repr(pool).lower()


def test_no_client_shows_the_secret(settings: Any) -> None:
    settings.MINIO_PROFILES = {"a": profile()}
    clients = profile_clients("a")
    provider = clients.internal._provider
    assert provider is not None
    assert SECRET not in repr(provider)
    assert SECRET not in repr(provider.retrieve())
    assert SECRET not in repr(clients)
