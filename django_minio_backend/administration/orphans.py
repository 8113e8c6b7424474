"""Orphaned objects: the objects of one bucket that no ``FileField`` references, found and deleted.

Backs ``manage.py clean_orphaned_minio_files``. The referenced names come from the database,
through the model fields whose storage uses that profile and bucket (``storage_usage``). The
bucket is listed page by page and deletions go out in batches while it is listed, so memory
holds the referenced names and one batch, never the whole listing.

An object written after the database was read has no row to judge it by: objects modified
later than ``min_age`` before the database read are kept (and counted as ``recent``).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta
from typing import Final

import attrs
import urllib3
from django.db.models import FileField
from django.utils import timezone
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error

from django_minio_backend.administration.storage_usage import StorageUse, storage_uses
from django_minio_backend.s3.clients import ProfileClients, profile_clients
from django_minio_backend.s3.failures import drop_frames, sends_secret_headers
from django_minio_backend.s3.health import describe_error

__all__ = [
    "DELETE_BATCH",
    "DeleteFailure",
    "Deletion",
    "OrphanError",
    "OrphanReport",
    "OrphanSearch",
    "UnreferencedBucketError",
    "clean_orphans",
    "delete_objects",
    "find_orphans",
    "referencing_fields",
]

DB_CHUNK: Final = 2000
"""Rows read from the database per query while collecting the referenced names."""
DELETE_BATCH: Final = 1000
"""Objects per DeleteObjects request (S3's maximum)."""
MAX_KEPT_FAILURES: Final = 100
"""Failed deletions kept with their reason (all of them are counted)."""


class OrphanError(RuntimeError):
    """The orphans of a bucket could not be searched or deleted (the message says why, naming
    the profile and bucket, without a secret)."""


class UnreferencedBucketError(OrphanError):
    """No ``FileField`` stores files in the bucket: every object would count as orphaned."""


@attrs.frozen
class DeleteFailure:
    """An object the server refused to delete, and its answer."""

    name: str
    code: str
    message: str


@attrs.frozen
class Deletion:
    """What a batched delete did: how many objects were deleted and which were not."""

    deleted: int = 0
    failed: int = 0
    failures: tuple[DeleteFailure, ...] = ()  # the first MAX_KEPT_FAILURES failed objects


@attrs.frozen
class OrphanReport:
    """The outcome of ``clean_orphans`` for one bucket.

    ``objects`` counts the bucket's files (folder markers are not files); ``referenced`` those a
    ``FileField`` names; ``orphaned`` those it does not (without ``recent``, the unreferenced
    objects too new to judge, which are kept); ``missing`` the referenced names without an
    object. ``deletion`` is ``None`` unless deleting was asked for.
    """

    profile: str
    bucket: str
    objects: int
    referenced: int
    orphaned: int
    recent: int
    missing: int
    deletion: Deletion | None = None


def referencing_fields(
    profile_name: str, bucket: str, uses: Iterable[StorageUse] | None = None
) -> tuple[FileField, ...]:
    """The model fields whose storage stores files in ``bucket`` of profile ``profile_name``."""
    return tuple(use.field for use in _field_uses(profile_name, bucket, uses) if use.field)


def _field_uses(
    profile_name: str, bucket: str, uses: Iterable[StorageUse] | None
) -> tuple[StorageUse, ...]:
    return tuple(
        use
        for use in (storage_uses() if uses is None else uses)
        if use.field is not None and use.profile == profile_name and use.bucket == bucket
    )


def _listed_prefixes(uses: Iterable[StorageUse]) -> tuple[str, ...]:
    """The key prefixes to search: the fields' locations, or the whole bucket when a field
    stores at its root (objects of other prefixes, static files say, are never judged)."""
    locations = {use.location for use in uses}
    if "" in locations:
        return ("",)
    return tuple(sorted(f"{location}/" for location in locations))


def _referenced_names(uses: Iterable[StorageUse]) -> set[str]:
    """Every object key stored in the fields of ``uses`` (rows read in chunks)."""
    names: set[str] = set()
    for use in uses:
        field = use.field
        if field is None:
            continue
        prefix = f"{use.location}/" if use.location else ""
        column = field.attname
        rows = (
            field.model._base_manager.exclude(**{f"{column}__isnull": True})
            .exclude(**{column: ""})
            .values_list(column, flat=True)
        )
        names.update(prefix + str(name) for name in rows.iterator(chunk_size=DB_CHUNK))
    return names


@contextlib.contextmanager
def _server_errors(profile_name: str, bucket: str, clients: ProfileClients) -> Iterator[None]:
    """Server and network failures as ``OrphanError`` naming the profile (and bucket)."""
    profile = clients.profile
    try:
        yield
    except (urllib3.exceptions.HTTPError, OSError, MinioException) as exc:
        if sends_secret_headers(profile):
            drop_frames(exc)  # the request's frames hold its headers, a session token among them
        if isinstance(exc, S3Error):
            raise OrphanError(
                f"profile {profile_name!r} bucket {bucket!r}: {describe_error(exc, profile)}"
            ) from exc
        raise OrphanError(
            f"profile {profile_name!r}: the server at {profile.base_url} is unreachable: "
            f"{describe_error(exc, profile)}"
        ) from exc


class OrphanSearch:
    """The orphans of one bucket, found while iterating (once): the listing is streamed.

    The counts (``objects``, ``referenced``, ``recent``, ``orphaned``) grow as the listing is
    read; ``report()`` gives them once the iteration is over.
    """

    def __init__(
        self,
        profile_name: str,
        bucket: str,
        clients: ProfileClients,
        referenced_names: set[str],
        cutoff: datetime,
        prefixes: tuple[str, ...] = ("",),
    ) -> None:
        self.prefixes = prefixes
        self.profile_name = profile_name
        self.bucket = bucket
        self.clients = clients
        self.referenced_names = referenced_names
        self.cutoff = cutoff
        self.objects = self.referenced = self.recent = self.orphaned = 0
        self._started = False

    def __iter__(self) -> Iterator[str]:
        if self._started:
            raise RuntimeError("an OrphanSearch can be iterated only once")
        self._started = True
        return self._orphans()

    def _orphans(self) -> Iterator[str]:
        with _server_errors(self.profile_name, self.bucket, self.clients):
            listings = (
                self.clients.internal.list_objects(
                    bucket_name=self.bucket, prefix=prefix or None, recursive=True
                )
                for prefix in self.prefixes
            )
            for item in itertools.chain.from_iterable(listings):
                name = item.object_name
                if item.is_dir or name is None or name.endswith("/"):
                    continue  # a folder marker, not a file
                self.objects += 1
                if name in self.referenced_names:
                    self.referenced += 1
                elif item.last_modified is not None and item.last_modified >= self.cutoff:
                    self.recent += 1
                else:
                    self.orphaned += 1
                    yield name

    def report(self, deletion: Deletion | None = None) -> OrphanReport:
        """The counts so far (final once the iteration is over), with ``deletion`` if any."""
        return OrphanReport(
            profile=self.profile_name,
            bucket=self.bucket,
            objects=self.objects,
            referenced=self.referenced,
            orphaned=self.orphaned,
            recent=self.recent,
            missing=len(self.referenced_names) - self.referenced,
            deletion=deletion,
        )


def find_orphans(
    profile_name: str,
    bucket: str,
    *,
    min_age: timedelta = timedelta(0),
    uses: Iterable[StorageUse] | None = None,
) -> OrphanSearch:
    """The orphans of ``bucket`` of profile ``profile_name``, to iterate.

    Reads the referenced names from the database now; the bucket is listed while iterating.
    Raises ``ConfigurationError`` for an unknown or invalid profile and
    ``UnreferencedBucketError`` when no ``FileField`` stores files in the bucket; iterating
    raises ``OrphanError`` for server and network failures.
    """
    clients = profile_clients(profile_name)
    fields = _field_uses(profile_name, bucket, uses)
    if not fields:
        raise UnreferencedBucketError(
            f"no FileField stores files in bucket {bucket!r} of profile {profile_name!r}: "
            "every object would count as orphaned, so nothing was listed"
        )
    read_at = timezone.now()
    referenced = _referenced_names(fields)
    cutoff = read_at - max(min_age, timedelta(0))
    return OrphanSearch(
        profile_name, bucket, clients, referenced, cutoff, prefixes=_listed_prefixes(fields)
    )


def _batches(names: Iterable[str], size: int) -> Iterator[list[str]]:
    iterator = iter(names)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def delete_objects(
    profile_name: str, bucket: str, names: Iterable[str], *, batch_size: int = DELETE_BATCH
) -> Deletion:
    """Delete the objects ``names`` of ``bucket``, ``batch_size`` per request, taking names from
    the iterable one batch at a time. Raises ``OrphanError`` for server and network failures
    (refused objects are reported in the result instead)."""
    clients = profile_clients(profile_name)
    client = clients.internal
    deleted = failed = 0
    failures: list[DeleteFailure] = []
    with _server_errors(profile_name, bucket, clients):
        for batch in _batches(names, max(1, min(batch_size, DELETE_BATCH))):
            errors = list(
                client.remove_objects(
                    bucket_name=bucket, delete_object_list=map(DeleteObject, batch)
                )
            )
            failed += len(errors)
            deleted += len(batch) - len(errors)
            failures.extend(
                DeleteFailure(error.name or "", error.code, error.message or "")
                for error in errors[: max(0, MAX_KEPT_FAILURES - len(failures))]
            )
    return Deletion(deleted, failed, tuple(failures))


def clean_orphans(
    profile_name: str,
    bucket: str,
    *,
    delete: bool = False,
    min_age: timedelta = timedelta(0),
    on_orphan: Callable[[str], object] | None = None,
) -> OrphanReport:
    """Find the orphans of ``bucket`` of profile ``profile_name`` and, with ``delete``, delete
    them; ``on_orphan`` is called with each orphan's name as it is found.

    Raises as ``find_orphans`` does.
    """
    search = find_orphans(profile_name, bucket, min_age=min_age)
    orphans: Iterable[str] = search
    if on_orphan is not None:
        orphans = _announced(search, on_orphan)
    if not delete:
        for _name in orphans:
            pass
        return search.report()
    return search.report(delete_objects(profile_name, bucket, orphans))


def _announced(names: Iterable[str], on_orphan: Callable[[str], object]) -> Iterator[str]:
    for name in names:
        on_orphan(name)
        yield name
