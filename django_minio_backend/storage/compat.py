"""The names 3.8.1 and upstream 4.x code calls on a storage, on top of profiles.

``MinioBackend`` inherits ``UpstreamStorageMixin``. Nothing of ours uses these names; each one
maps onto the profile the storage resolves to (``client`` is the profile's shared client,
``PRIVATE_BUCKETS`` its list...). The README's "Migrating" section lists them with their
behaviour and where they deliberately differ.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import quote

import urllib3
from minio import Minio
from minio.datatypes import Object

from django_minio_backend.errors import ConfigurationError, MinioBackendError, Problem
from django_minio_backend.profiles.model import AUTO_MEDIA_BUCKET, AUTO_STATIC_BUCKET, MinioProfile
from django_minio_backend.s3.bucket_policies import public_read_policy
from django_minio_backend.s3.buckets import ensure_bucket
from django_minio_backend.s3.clients import (
    ProfileClients,
    build_clients,
    build_http_client,
    profile_client,
)
from django_minio_backend.s3.failures import server_errors
from django_minio_backend.s3.uploads import CHECKSUMS, PARTS_IN_FLIGHT, Progress

__all__ = ["UPSTREAM_KEYWORDS", "UpstreamStorageMixin", "UpstreamWrites"]

# The constructor keywords of 4.x besides ours; sse= belongs to the encryption options.
UPSTREAM_KEYWORDS: Final = (
    "storage_name",
    "http_client",
    "progress",
    "headers",
    "user_metadata",
    "tags",
    "retention",
    "legal_hold",
    "checksum",
    "num_parallel_uploads",
)
# Recorded by migrations as upstream recorded them; objects (clients, progress, tags) are not.
_RECORDED: Final = frozenset({"storage_name", "headers", "user_metadata", "legal_hold"})
_STANDARD_HEADERS: Final = frozenset(
    {"cache-control", "content-disposition", "content-encoding", "content-language", "expires"}
)
_MAX_BUCKET_WORKERS: Final = 10


class UpstreamWrites:
    """The 4.x upload keywords of one storage, as the headers and settings of its writes."""

    def __init__(self, options: Mapping[str, Any], where: str) -> None:
        self.progress: Progress | None = options.get("progress")
        self.parts_in_flight: int = options.get("num_parallel_uploads") or PARTS_IN_FLIGHT
        self.headers = self._headers(options, where)
        checksum = options.get("checksum")
        # minio 7.2.19's checksum Algorithm, or its name ("SHA256").
        name = None if checksum is None else str(getattr(checksum, "name", checksum))
        self.checksum = None if name is None else name.upper().replace("-", "")
        if self.checksum is not None and self.checksum not in CHECKSUMS:
            raise ConfigurationError(
                Problem(
                    f"unknown checksum {checksum!r}",
                    setting=f"{where} checksum",
                    hint="use one of " + ", ".join(CHECKSUMS),
                    code="E008",
                )
            )

    @staticmethod
    def _headers(options: Mapping[str, Any], where: str) -> dict[str, str]:
        problems: list[Problem] = []
        headers: dict[str, str] = {}
        for name in ("headers", "user_metadata"):
            given = options.get(name) or {}
            if not isinstance(given, Mapping) or not all(
                isinstance(key, str) and isinstance(value, str) for key, value in given.items()
            ):
                problems.append(
                    Problem("expected a dict of str -> str", setting=f"{where} {name}", code="E008")
                )
                continue
            for key, value in given.items():
                lower = key.lower()
                plain = (
                    name == "headers" or lower.startswith("x-amz-") or lower in _STANDARD_HEADERS
                )
                headers[key if plain else f"x-amz-meta-{key}"] = value
        tags = options.get("tags")
        if tags:  # minio.commonconfig.Tags is a dict
            headers["x-amz-tagging"] = "&".join(
                f"{quote(str(k), safe='')}={quote(str(v), safe='')}" for k, v in dict(tags).items()
            )
        retention = options.get("retention")
        if retention is not None and retention.mode:
            until = retention.retain_until_date
            headers["x-amz-object-lock-mode"] = retention.mode
            headers["x-amz-object-lock-retain-until-date"] = until.strftime(
                "%Y-%m-%dT%H:%M:%S.000Z"
            )
        if options.get("legal_hold"):
            headers["x-amz-object-lock-legal-hold"] = "ON"
        parts = options.get("num_parallel_uploads")
        if parts is not None and (
            not isinstance(parts, int) or isinstance(parts, bool) or parts < 1
        ):
            problems.append(
                Problem(
                    f"expected an integer of at least 1, got {parts!r}",
                    setting=f"{where} num_parallel_uploads",
                    code="E008",
                )
            )
        if problems:
            raise ConfigurationError.from_problems(problems)
        return headers


class UpstreamStorageMixin:
    """Attributes and methods of 3.8.1 / 4.x storages, answered from the storage's profile."""

    DEFAULT_MEDIA_FILES_BUCKET: ClassVar[str] = AUTO_MEDIA_BUCKET
    DEFAULT_STATIC_FILES_BUCKET: ClassVar[str] = AUTO_STATIC_BUCKET
    DEFAULT_PRIVATE_BUCKETS: ClassVar[tuple[str, ...]] = (AUTO_MEDIA_BUCKET, AUTO_STATIC_BUCKET)

    if TYPE_CHECKING:

        @property
        def profile_name(self) -> str: ...

        @property
        def bucket_name(self) -> str: ...

        def _clients(self) -> ProfileClients: ...

        def _is_public(self) -> bool: ...

        def _stat(self, name: str, *, remember: bool = False) -> Any: ...

    _storage_name: str | None = None
    _own_http_client: urllib3.PoolManager | None = None
    _own_clients: tuple[MinioProfile, ProfileClients] | None = None
    upstream_writes: UpstreamWrites | None = None

    def _take_upstream_keywords(self, options: dict[str, Any]) -> dict[str, Any]:
        """Keep the 4.x keywords out of ``options`` (returned: what is left) and remember them;
        the ones a migration records are returned separately in ``_upstream_given``."""
        given: dict[str, Any] = {
            key: options.pop(key) for key in UPSTREAM_KEYWORDS if key in options
        }
        self._storage_name = given.get("storage_name")
        self._own_http_client = given.get("http_client")
        self._own_clients = None
        writes = {key: value for key, value in given.items() if key not in {"storage_name"}}
        self.upstream_writes = UpstreamWrites(writes, type(self).__name__) if writes else None
        self._upstream_given: dict[str, Any] = {
            key: value for key, value in given.items() if key in _RECORDED
        }
        return options

    def _storage_clients(self, shared: ProfileClients) -> ProfileClients:
        """The profile's shared clients, or this storage's own when it got ``http_client=``."""
        pool = self._own_http_client
        if pool is None:
            return shared
        own = self._own_clients
        if own is None or own[0] is not shared.profile:
            own = (shared.profile, build_clients(shared.profile, pool, provider=shared.provider))
            self._own_clients = own
        return own[1]

    # --- attributes -------------------------------------------------------------------------------

    @property
    def bucket(self) -> str:
        """The bucket's name (3.x/4.x); the same as ``bucket_name``."""
        return self.bucket_name

    @property
    def is_bucket_public(self) -> bool:
        """True when the storage's bucket is declared public."""
        return self._is_public()

    @property
    def _profile(self) -> MinioProfile:
        return self._clients().profile

    @property
    def same_endpoints(self) -> bool:
        """True when browsers reach the server at the endpoint Django uses."""
        return self._profile.endpoint == self._profile.external_endpoint

    @property
    def client(self) -> Minio:
        """The minio client of the storage (the profile's shared one unless ``http_client=``)."""
        return self._clients().internal

    @property
    def client_external(self) -> Minio:
        """A minio client for the external endpoint (signs URLs for browsers)."""
        clients = self._clients()
        return _external_client(self.profile_name, clients, self.HTTP_CLIENT)

    @property
    def base_url(self) -> str:
        """``scheme://host:port`` of the endpoint Django talks to."""
        return self._profile.base_url

    @property
    def base_url_external(self) -> str:
        """``scheme://host:port`` of the endpoint in browser URLs."""
        return self._profile.external_base_url

    @property
    def PRIVATE_BUCKETS(self) -> list[str]:  # the upstream names
        """The profile's private buckets, plus this storage's bucket when it is declared nowhere
        (it is treated as private, as 4.x does)."""
        profile = self._profile
        buckets = list(profile.private_buckets)
        bucket = self.bucket_name
        if bucket not in profile.buckets:
            buckets.append(bucket)
        return buckets

    @property
    def PUBLIC_BUCKETS(self) -> list[str]:
        """The profile's public buckets."""
        return list(self._profile.public_buckets)

    @property
    def HTTP_CLIENT(self) -> urllib3.PoolManager | None:
        """The connection pool given to this storage or its profile (``None``: built for it)."""
        return self._own_http_client or self._profile.http_client

    @property
    def MINIO_MEDIA_FILES_BUCKET(self) -> str:
        """The profile's ``default_bucket``."""
        return self._profile.default_bucket

    @property
    def MINIO_STATIC_FILES_BUCKET(self) -> str:
        """The profile's ``static_bucket``."""
        return self._profile.static_bucket

    # --- methods ----------------------------------------------------------------------------------

    def stat(self, name: str) -> Object:
        """The object's metadata (minio ``Object``); a missing object is ``FileNotFoundError``."""
        found: Object = self._stat(name)
        return found

    def check_bucket_existence(self) -> None:
        """Create the storage's bucket, with its policy, if it is missing."""
        ensure_bucket(self.profile_name, self.bucket_name, once=False)

    def check_bucket_existences(self, max_workers: int | None = None) -> None:
        """Create every bucket of the profile that is missing (``max_workers`` at once)."""
        profile = self._profile
        buckets = list(dict.fromkeys((*profile.buckets, self.bucket_name)))
        workers = max_workers or min(len(buckets), _MAX_BUCKET_WORKERS)
        name = self.profile_name
        with ThreadPoolExecutor(max(workers, 1), thread_name_prefix="minio-buckets") as pool:
            futures = {
                bucket: pool.submit(ensure_bucket, name, bucket, once=False) for bucket in buckets
            }
        errors = {bucket: future.exception() for bucket, future in futures.items()}
        failed = {bucket: error for bucket, error in errors.items() if error is not None}
        if failed:
            lines = "\n".join(f"  - {bucket}: {error}" for bucket, error in failed.items())
            raise MinioBackendError(
                f"profile {name!r}: failed to check/create {len(failed)} bucket(s):\n{lines}"
            ) from next(iter(failed.values()))

    def set_bucket_policy(self, bucket: str, policy: Mapping[str, Any]) -> None:
        """Replace the policy of ``bucket`` with ``policy`` (a dict)."""
        profile = self._profile
        with server_errors(self.profile_name, profile):
            self.client.set_bucket_policy(bucket_name=bucket, policy=json.dumps(policy))

    def set_bucket_to_public(self) -> None:
        """Give the storage's bucket the public-read policy (anonymous GET of objects only)."""
        bucket = self.bucket_name
        self.set_bucket_policy(bucket, public_read_policy(bucket))

    def validate_settings(self) -> None:
        """Raise ``ConfigurationError`` when the storage's profile or bucket is invalid."""
        self._clients()


_external_lock = threading.Lock()
_external: dict[tuple[str, int], tuple[MinioProfile, Minio]] = {}


def _external_client(name: str, clients: ProfileClients, pool: urllib3.PoolManager | None) -> Minio:
    profile = clients.profile
    key = (name, id(pool))
    with _external_lock:
        found = _external.get(key)
        if found is None or found[0] is not profile:
            # The SDK opens no connection until a request is sent.
            shared = pool or profile.http_client or build_http_client(profile)
            client = profile_client(profile, shared, provider=clients.provider, external=True)
            found = (profile, client)
            _external[key] = found
        return found[1]
