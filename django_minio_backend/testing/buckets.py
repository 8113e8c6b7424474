"""Fresh buckets for one test, profiles pointing at them, and ``MINIO_PROFILES`` installed.

The pytest fixtures and :class:`~django_minio_backend.testing.MinioTestCase` are thin layers on
these functions. Settings are changed with Django's ``override_settings``, whose
``setting_changed`` signal makes the package drop its parsed profiles: storages and clients
built before the change use the new profile on their next request.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager

import attrs
from django.test.utils import override_settings
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from django_minio_backend.profiles.model import MinioProfileDict
from django_minio_backend.s3.bucket_policies import public_read_policy
from django_minio_backend.testing.s3server import LocalS3Server, S3ServerError

__all__ = [
    "FreshBuckets",
    "fresh_buckets",
    "installed_profiles",
    "new_bucket_name",
    "profiles_on_fresh_buckets",
    "shared_server",
    "stop_shared_server",
]

_DELETE_BATCH = 1000


def new_bucket_name(kind: str = "b") -> str:
    """A valid bucket name no other test uses, such as ``test-p-1f3a...``."""
    return f"test-{kind}-{uuid.uuid4().hex[:24]}"


@attrs.frozen
class FreshBuckets:
    """A private and a public (anonymous read) bucket created on ``server`` for one test."""

    server: LocalS3Server
    private: str
    public: str

    def profile(self) -> MinioProfileDict:
        """The profile dict for these buckets: ``default_bucket`` is the private one,
        ``static_bucket`` the public one."""
        return {
            "endpoint": self.server.endpoint,
            "access_key": self.server.access_key,
            "secret_key": self.server.secret_key,
            "use_https": False,
            "private_buckets": [self.private],
            "public_buckets": [self.public],
            "default_bucket": self.private,
            "static_bucket": self.public,
        }

    def remove(self) -> None:
        """Delete both buckets and every object in them."""
        client = self.server.client()
        for bucket in (self.private, self.public):
            if not client.bucket_exists(bucket_name=bucket):
                continue  # the test removed it itself
            names = (
                item.object_name
                for item in client.list_objects(bucket_name=bucket, recursive=True)
                if item.object_name is not None
            )
            for batch in _batches(names, _DELETE_BATCH):
                failures = list(
                    client.remove_objects(
                        bucket_name=bucket, delete_object_list=[DeleteObject(n) for n in batch]
                    )
                )
                if failures:
                    raise S3ServerError(
                        f"could not empty test bucket {bucket!r}: {len(failures)} objects "
                        f"not deleted, the first: {failures[0].name!r} ({failures[0].code})"
                    )
            try:
                client.remove_bucket(bucket_name=bucket)
            except S3Error as exc:
                # An upload the test left unfinished keeps the bucket non-empty; the bucket
                # name is unique, so leaving it behind harms no other test.
                if exc.code != "BucketNotEmpty":
                    raise


def _batches(names: Iterator[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for name in names:
        batch.append(name)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def fresh_buckets(server: LocalS3Server) -> FreshBuckets:
    """Create a new private and a new public bucket on ``server``."""
    client = server.client()
    buckets = FreshBuckets(server, new_bucket_name("p"), new_bucket_name("q"))
    client.make_bucket(bucket_name=buckets.private)
    client.make_bucket(bucket_name=buckets.public)
    client.set_bucket_policy(
        bucket_name=buckets.public, policy=json.dumps(public_read_policy(buckets.public))
    )
    return buckets


@contextmanager
def installed_profiles(profiles: Mapping[str, MinioProfileDict]) -> Iterator[None]:
    """``settings.MINIO_PROFILES = profiles`` inside the block; the old value is restored."""
    with override_settings(MINIO_PROFILES=dict(profiles)):
        yield


@contextmanager
def profiles_on_fresh_buckets(
    server: LocalS3Server, names: Iterable[str]
) -> Iterator[dict[str, MinioProfileDict]]:
    """Fresh buckets for each profile name, the profiles installed as ``MINIO_PROFILES``;
    afterwards the settings are restored and the buckets removed."""
    names = tuple(names)
    created: list[FreshBuckets] = []
    try:
        for _ in names:
            created.append(fresh_buckets(server))
        profiles = {name: buckets.profile() for name, buckets in zip(names, created, strict=True)}
        with installed_profiles(profiles):
            yield profiles
    finally:
        for buckets in created:
            buckets.remove()


_shared_lock = threading.Lock()
_shared: LocalS3Server | None = None


def shared_server() -> LocalS3Server:
    """The server of this process, started on first use (one per pytest-xdist worker)."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared.is_running:
            if _shared is not None:
                _shared.stop()  # it died: remove what it left
            server = LocalS3Server()
            server.start()
            _shared = server
        return _shared


def stop_shared_server() -> None:
    """Stop the server of this process, if it runs, and remove its data."""
    global _shared
    with _shared_lock:
        server, _shared = _shared, None
    if server is not None:
        server.stop()
