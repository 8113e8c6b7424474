"""One MinIO client per profile (and one for its external endpoint), shared by every storage.

Clients are built lazily on first use and rebuilt when the profile changes (settings reloaded).
Without a custom ``http_client`` each profile gets a ``urllib3.PoolManager`` whose timeouts make
sure no request hangs forever and whose retries never repeat a write (PUT/POST).
"""

from __future__ import annotations

import threading
from typing import Final

import attrs
import certifi
import urllib3
from minio import Minio
from minio.credentials.credentials import Credentials
from minio.credentials.providers import Provider
from urllib3.util import Retry, Timeout

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.sources import get_profile
from django_minio_backend.s3.url_signing import UrlSigner

__all__ = ["ProfileClients", "build_http_client", "profile_clients"]

# Only requests that can be repeated without changing anything are retried after they were sent.
IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "DELETE"})
RETRY_STATUSES: Final = frozenset({500, 502, 503, 504})
POOL_SIZE: Final = 32


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


class ConcealedCredentials(Credentials):
    """The SDK's credentials, shown without the secret key.

    The SDK keeps the credentials as a local of the frame that sends each request, so every
    traceback of a failed request holds them: Django's DEBUG page, the admin error e-mail and
    ``traceback`` with ``capture_locals`` print that local with ``repr``.
    """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(access_key={self.access_key!r}, secret_key='***')"

    __str__ = __repr__


class ConcealedStaticProvider(Provider):
    """A fixed credentials provider whose credentials never show the secret key."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self._credentials = ConcealedCredentials(access_key=access_key, secret_key=secret_key)

    def retrieve(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}(access_key={self._credentials.access_key!r})"


@attrs.frozen
class ProfileClients:
    """A profile's clients: ``internal`` talks to the server; ``external`` (an SDK client) and
    ``signer`` (the fast path used by ``url()``) sign URLs for the external endpoint."""

    profile: MinioProfile
    internal: Minio
    external: Minio
    signer: UrlSigner


def _build(profile: MinioProfile) -> ProfileClients:
    http = profile.http_client or build_http_client(profile)

    def client(endpoint: str, secure: bool) -> Minio:
        # region= is what keeps presigning free of a network round trip to ask for it.
        return Minio(
            endpoint=endpoint,
            credentials=ConcealedStaticProvider(profile.access_key, profile.secret_key),
            secure=secure,
            region=profile.region,
            http_client=http,
            cert_check=profile.cert_check,
        )

    internal = client(profile.endpoint, profile.use_https)
    external_endpoint = profile.external_endpoint or profile.endpoint
    external_secure = bool(profile.external_use_https)
    same = (external_endpoint, external_secure) == (profile.endpoint, profile.use_https)
    external = internal if same else client(external_endpoint, external_secure)
    return ProfileClients(
        profile=profile, internal=internal, external=external, signer=UrlSigner(profile)
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
            entry = _build(profile)
            _registry[name] = entry
        return entry
