"""One MinIO client per profile, shared by every storage (URLs are signed without a client).

Clients are built lazily on first use and rebuilt when the profile changes (settings reloaded).
Without a custom ``http_client`` each profile gets a ``urllib3.PoolManager`` whose timeouts make
sure no request hangs forever and whose retries never repeat a write (PUT/POST). A second client
on the same connections sends cleanup requests (the abort of a failed multipart upload) once,
with a short timeout, so that cleaning up after a failure never takes longer than the failure.
"""

from __future__ import annotations

import threading
from typing import Any, Final

import attrs
import certifi
import urllib3
from minio import Minio
from minio.credentials.providers import Provider
from urllib3 import BaseHTTPResponse
from urllib3.util import Retry, Timeout

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.sources import get_profile
from django_minio_backend.s3.credentials import profile_provider
from django_minio_backend.s3.fast_client import FastMinio
from django_minio_backend.s3.url_signing import UrlSigner

__all__ = [
    "CLEANUP_CONNECT_TIMEOUT",
    "CLEANUP_READ_TIMEOUT",
    "OneAttemptPool",
    "ProfileClients",
    "build_clients",
    "build_http_client",
    "cleanup_timeout",
    "profile_client",
    "profile_clients",
]

# Only requests that can be repeated without changing anything are retried after they were sent.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "DELETE"})
RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})
POOL_SIZE: Final = 32
# The most a cleanup request waits (each capped by the profile's own timeout); it is sent once.
CLEANUP_CONNECT_TIMEOUT: Final = 5.0
CLEANUP_READ_TIMEOUT: Final = 5.0


def build_http_client(profile: MinioProfile) -> urllib3.PoolManager:
    """The connection pool for a profile that brings no ``http_client`` of its own."""
    retries = Retry(
        total=profile.max_retries,
        connect=profile.max_retries,  # a refused connection sent nothing: safe for any method
        read=profile.max_retries,
        status=profile.max_retries,
        other=0,  # e.g. a rejected TLS certificate: trying again cannot change the answer
        allowed_methods=IDEMPOTENT_METHODS,
        status_forcelist=RETRY_STATUSES,
        backoff_factor=0.2,
        raise_on_status=False,  # let the SDK turn the last 5xx into an S3 error with details
    )
    return urllib3.PoolManager(
        timeout=Timeout(connect=profile.connect_timeout, read=profile.read_timeout),
        maxsize=POOL_SIZE,
        cert_reqs="CERT_REQUIRED" if profile.cert_check else "CERT_NONE",
        ca_certs=profile.ca_certs or certifi.where(),
        retries=retries,
    )


def cleanup_timeout(profile: MinioProfile) -> Timeout:
    """The timeout of a cleanup request: ``min(connect_timeout, 5 s)``, ``min(read_timeout, 5 s)``.

    A profile with its own ``http_client`` has the default timeouts here: 5 s and 5 s.
    """
    return Timeout(
        connect=min(profile.connect_timeout, CLEANUP_CONNECT_TIMEOUT),
        read=min(profile.read_timeout, CLEANUP_READ_TIMEOUT),
    )


class OneAttemptPool(urllib3.PoolManager):
    """Sends every request through ``pool`` (its connections, TLS and proxy settings) exactly
    once, bounded by ``timeout``: no retry, whatever ``pool`` is configured with."""

    def __init__(self, pool: urllib3.PoolManager, timeout: Timeout) -> None:
        super().__init__(num_pools=1)
        self.pool = pool
        self.timeout = timeout

    # PoolManager.urlopen's own signature, which urllib3 declares with the same ignore.
    def urlopen(  # type: ignore[override]
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> BaseHTTPResponse:
        kw["timeout"] = self.timeout
        kw["retries"] = Retry(total=0, redirect=False, raise_on_status=False)
        return self.pool.urlopen(method, url, redirect=redirect, **kw)

    def clear(self) -> None:
        """Nothing to close: the connections belong to ``pool`` (the SDK calls this on delete)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(timeout={self.timeout!r})"


@attrs.frozen
class ProfileClients:
    """A profile's clients: ``internal`` talks to the server; ``cleanup`` (the same connections,
    one attempt, ``cleanup_timeout``) sends the abort of a failed upload; ``signer`` signs the
    URLs of ``url()`` for the external endpoint, without a network call. All three take their
    keys from ``provider``, asked before every request."""

    profile: MinioProfile
    internal: Minio
    cleanup: Minio
    signer: UrlSigner
    provider: Provider


def profile_client(
    profile: MinioProfile,
    pool: urllib3.PoolManager,
    *,
    provider: Provider,
    external: bool = False,
) -> Minio:
    """A client for ``profile``'s endpoint (``external``: the browser-facing one) on ``pool``,
    taking its keys from ``provider`` before every request."""
    # region= is what keeps requests free of a round trip to ask for the bucket's region.
    return FastMinio(
        endpoint=profile.external_endpoint if external else profile.endpoint,
        credentials=provider,
        secure=profile.external_use_https if external else profile.use_https,
        region=profile.region,
        http_client=pool,
        cert_check=profile.cert_check,
    )


def build_clients(
    profile: MinioProfile,
    http: urllib3.PoolManager | None = None,
    *,
    name: str | None = None,
    provider: Provider | None = None,
) -> ProfileClients:
    """Fresh clients for ``profile`` on ``http`` (default: its ``http_client`` or a new pool);
    ``provider`` defaults to a new one for the profile (``name``: its name, for messages)."""
    http = http or profile.http_client or build_http_client(profile)
    # One provider for every client and the signer: a rotated key is used by all of them.
    provider = provider or profile_provider(profile, name)

    def client(pool: urllib3.PoolManager) -> Minio:
        return profile_client(profile, pool, provider=provider)

    return ProfileClients(
        profile=profile,
        internal=client(http),
        cleanup=client(OneAttemptPool(http, cleanup_timeout(profile))),
        signer=UrlSigner(profile, provider),
        provider=provider,
    )


_lock = threading.Lock()
_registry: dict[str, ProfileClients] = {}


def profile_clients(name: str) -> ProfileClients:
    """The shared clients of profile ``name``; raises ``ConfigurationError`` for a bad profile."""
    profile = get_profile(name)
    entry = _registry.get(name)
    if entry is not None and entry.profile is profile:
        return entry
    with _lock:
        entry = _registry.get(name)
        if entry is None or entry.profile is not profile:
            entry = build_clients(profile, name=name)
            _registry[name] = entry
        return entry
