"""Copying files from one storage to another: buckets of profiles, local directories, storages.

Backs ``manage.py minio_transfer SOURCE DEST``. A side is a ``STORAGES`` alias, a bucket of a
profile (``profile:bucket[/prefix]``) or a local directory (an absolute path). A prefix is a root:
names are relative to it on both sides, so a file keeps its name and database rows need no change.

Idempotent and resumable: a file already at the destination with the same size and checksum is
not copied again. The checksum is the ETag of an object stored in one PUT (its MD5), else the
SHA-256 this module stores in the object's metadata (``x-amz-meta-sha256``) when it copies a file
that goes multipart, else a SHA-256 computed by reading both sides. A destination object is
written in one request (a PUT, or a multipart upload completed at the end) and a destination
file under a temporary name renamed at the end, so a run killed in the middle leaves finished
files complete and the unfinished one absent; the next run copies what is missing.

Memory stays bounded whatever the file sizes: files are streamed, and each worker holds at most
one upload's buffer (``multipart_threshold``, or a few parts of a multipart upload).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO, Any, Final, Literal, Protocol, cast

import attrs
from django.apps import apps
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, default_storage, storages
from django.core.files.storage.handler import InvalidStorageError
from django.db.models import FileField
from minio.error import S3Error

from django_minio_backend.errors import ConfigurationError, TransferError
from django_minio_backend.profiles.bucket_names import bucket_name_problem
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.failures import server_errors
from django_minio_backend.s3.keys import object_key
from django_minio_backend.s3.object_reader import open_object
from django_minio_backend.s3.uploads import upload
from django_minio_backend.storage.backend import MinioBackend

__all__ = [
    "DEFAULT_WORKERS",
    "SHA256_METADATA",
    "SOURCE_ETAG_METADATA",
    "Entry",
    "FileOutcome",
    "Side",
    "TransferObserver",
    "TransferReport",
    "open_side",
    "transfer",
]

DEFAULT_WORKERS: Final = 4
SHA256_METADATA: Final = "sha256"
"""The user metadata key (``x-amz-meta-sha256``) holding the SHA-256 of a copied object."""
SOURCE_ETAG_METADATA: Final = "source-etag"
"""The user metadata key holding the ETag of the object a copy was made from (bucket sources):
a rerun finds an unchanged multipart source without reading it."""
HASH_CHUNK: Final = 1024 * 1024
TEMPORARY_PREFIX: Final = ".minio-transfer-"
"""Files being written into a local directory are named so until complete; never listed."""
DB_CHUNK: Final = 2000

Action = Literal["copied", "present", "would-copy", "failed"]


@attrs.frozen
class Entry:
    """A file of a side: its name (relative to the side's root), size, and MD5 and ETag when
    known."""

    name: str
    size: int
    md5: str | None = None
    etag: str | None = None


@attrs.frozen
class Stored:
    """What a side knows of a file without reading it: size, checksums when stored, and the
    ETag of the object it was copied from."""

    size: int
    md5: str | None = None
    sha256: str | None = None
    source_etag: str | None = None


@attrs.frozen
class FileOutcome:
    """What happened to one file. ``replaced``: a different file of that name was overwritten
    (or, with ``would-copy``, would be); ``reason``: why it failed."""

    name: str
    size: int
    action: Action
    replaced: bool = False
    verified: bool = False
    source_deleted: bool = False
    reason: str | None = None


@attrs.define
class TransferReport:
    """Counts of a transfer; ``failures`` names every failed file with its reason."""

    source: str
    destination: str
    files: int = 0
    bytes: int = 0
    copied: int = 0
    copied_bytes: int = 0
    present: int = 0
    would_copy: int = 0
    would_copy_bytes: int = 0
    verified: int = 0
    source_deleted: int = 0
    failures: list[tuple[str, str]] = attrs.Factory(list)
    missing_references: list[str] = attrs.Factory(list)

    def add(self, outcome: FileOutcome) -> None:
        """Count ``outcome``."""
        self.files += 1
        self.bytes += outcome.size
        if outcome.action == "copied":
            self.copied += 1
            self.copied_bytes += outcome.size
        elif outcome.action == "present":
            self.present += 1
        elif outcome.action == "would-copy":
            self.would_copy += 1
            self.would_copy_bytes += outcome.size
        else:
            self.failures.append((outcome.name, outcome.reason or "failed"))
        self.verified += outcome.verified
        self.source_deleted += outcome.source_deleted


class TransferObserver(Protocol):
    """Told about progress: ``listed`` and ``finished`` on the calling thread, ``moved`` (bytes
    read from the source while copying) from the workers."""

    def listed(self, entry: Entry) -> None: ...

    def moved(self, count: int) -> None: ...

    def finished(self, outcome: FileOutcome) -> None: ...


class _Silent:
    def listed(self, entry: Entry) -> None:
        pass

    def moved(self, count: int) -> None:
        pass

    def finished(self, outcome: FileOutcome) -> None:
        pass


# --- sides ---------------------------------------------------------------------------------------


class Side(Protocol):
    """One end of a transfer. Names are relative to the side's root."""

    label: str

    def check(self, *, writing: bool) -> None:
        """Raise ``TransferError`` when the side cannot be used (bucket or directory missing)."""

    def entries(self, prefix: str) -> Iterator[Entry]:
        """Every file whose name starts with ``prefix``."""

    def stored(self, name: str) -> Stored | None:
        """What is stored under ``name`` (``None``: nothing), without reading the content."""

    def stored_sha256(self, name: str) -> str | None:
        """The SHA-256 the side keeps for ``name``, if any, without reading the content."""

    def open(self, name: str) -> IO[bytes]:
        """The content of ``name``, to read once."""

    def write(
        self, name: str, stream: IO[bytes], size: int, sha256: str | None, source_etag: str | None
    ) -> None:
        """Store ``size`` bytes of ``stream`` as ``name``, replacing what is there; a bucket
        records ``sha256`` and ``source_etag`` in the object's metadata."""

    def needs_sha256(self, size: int) -> bool:
        """Whether ``write`` should be given the SHA-256 up front for a file of ``size`` bytes."""

    def delete(self, name: str) -> None:
        """Remove ``name``."""

    def check_name(self, name: str) -> None:
        """Raise ``SuspiciousFileOperation`` when ``name`` cannot be stored on this side."""

    def references(self, stored_name: str) -> str | None:
        """The transfer name of a file a ``FileField`` of this side's storage names, if under
        the root."""

    def identity(self) -> tuple[str, ...]:
        """What this side stores into (equal for two sides on the same files)."""


class BucketSide:
    """A bucket of a profile, under an optional root prefix, written the way ``storage`` writes
    (its content type rules and object options; the SHA-256 added to multipart objects)."""

    def __init__(self, storage: MinioBackend, root: str, label: str) -> None:
        self.storage = storage
        self.profile_name = storage.profile_name
        self.bucket = storage.bucket_name
        self.clients = profile_clients(self.profile_name)
        self.root = root
        self.label = label

    def _errors(self, name: str | None = None) -> contextlib.AbstractContextManager[None]:
        key = None if name is None else self.root + name
        return server_errors(
            self.profile_name,
            self.clients.profile,
            bucket=None if key is None else self.bucket,
            key=key,
        )

    def check(self, *, writing: bool) -> None:
        with self._errors():
            found = self.clients.internal.bucket_exists(bucket_name=self.bucket)
        if not found:
            raise TransferError(
                f"{self.label}: bucket {self.bucket!r} of profile {self.profile_name!r} does not "
                "exist (create it with `manage.py initialize_buckets`)"
            )

    def entries(self, prefix: str) -> Iterator[Entry]:
        with self._errors():
            for item in self.clients.internal.list_objects(
                bucket_name=self.bucket, prefix=self.root + prefix, recursive=True
            ):
                key = item.object_name
                if item.is_dir or not key or key.endswith("/"):
                    continue  # a folder marker, not a file
                etag = (item.etag or "").strip('"') or None
                yield Entry(key[len(self.root) :], int(item.size or 0), _plain_md5(etag), etag)

    def stored(self, name: str) -> Stored | None:
        try:
            with self._errors(name):
                stat = self.clients.internal.stat_object(
                    bucket_name=self.bucket, object_name=self.root + name
                )
        except FileNotFoundError:
            return None
        metadata = stat.metadata or {}
        sha256 = metadata.get(f"x-amz-meta-{SHA256_METADATA}")
        source_etag = metadata.get(f"x-amz-meta-{SOURCE_ETAG_METADATA}")
        return Stored(int(stat.size or 0), _plain_md5(stat.etag), sha256 or None, source_etag)

    def stored_sha256(self, name: str) -> str | None:
        stored = self.stored(name)
        return None if stored is None else stored.sha256

    def open(self, name: str) -> IO[bytes]:
        with self._errors(name):
            reader = open_object(
                self.clients.internal, self.bucket, self.root + name, profile=self.profile_name
            )
        return cast(IO[bytes], reader)  # a binary stream; typeshed's IO is no protocol

    def needs_sha256(self, size: int) -> bool:
        # A single PUT's ETag is the MD5 already; a multipart ETag is no checksum of the content.
        return size > self.clients.profile.multipart_threshold

    def write(
        self, name: str, stream: IO[bytes], size: int, sha256: str | None, source_etag: str | None
    ) -> None:
        content = _Described(getattr(stream, "content_type", None))
        headers = self.storage.object_headers(name, content)
        if sha256 is not None:
            headers[f"x-amz-meta-{SHA256_METADATA}"] = sha256
        if source_etag is not None:
            headers[f"x-amz-meta-{SOURCE_ETAG_METADATA}"] = source_etag
        profile = self.clients.profile
        with self._errors(name):
            upload(
                self.clients.internal,
                self.bucket,
                self.root + name,
                stream,
                size,
                headers=headers,
                if_none_match=False,
                multipart_threshold=profile.multipart_threshold,
                part_size=profile.multipart_part_size,
                abort_client=self.clients.cleanup,
            )

    def delete(self, name: str) -> None:
        with self._errors(name):
            self.clients.internal.remove_object(
                bucket_name=self.bucket, object_name=self.root + name
            )

    def check_name(self, name: str) -> None:
        object_key(self.root + name)

    def references(self, stored_name: str) -> str | None:
        if not stored_name.startswith(self.root):
            return None
        return stored_name[len(self.root) :] or None

    def identity(self) -> tuple[str, ...]:
        return ("bucket", self.clients.profile.base_url, self.bucket, self.root)


class DirectorySide:
    """A local directory (the files of a ``FileSystemStorage``)."""

    def __init__(self, root: Path, label: str) -> None:
        self.root = root
        self.label = label

    def check(self, *, writing: bool) -> None:
        if writing:
            self.root.mkdir(parents=True, exist_ok=True)
        elif not self.root.is_dir():
            raise TransferError(f"{self.label}: no such directory")

    def entries(self, prefix: str) -> Iterator[Entry]:
        yield from self._walk(self.root, "", prefix)

    def _walk(self, directory: Path, relative: str, prefix: str) -> Iterator[Entry]:
        with os.scandir(directory) as listing:
            items = sorted(listing, key=lambda item: item.name)
        for item in items:
            name = relative + item.name
            if item.name.startswith(TEMPORARY_PREFIX):
                continue
            if item.is_dir(follow_symlinks=False):
                if name.startswith(prefix[: len(name)]):
                    yield from self._walk(Path(item.path), name + "/", prefix)
            elif item.is_file() and name.startswith(prefix):
                yield Entry(name, item.stat().st_size)

    def _path(self, name: str) -> Path:
        return self.root.joinpath(*name.split("/"))

    def stored(self, name: str) -> Stored | None:
        try:
            return Stored(self._path(name).stat().st_size)
        except (FileNotFoundError, NotADirectoryError):
            return None

    def stored_sha256(self, name: str) -> str | None:
        return None

    def open(self, name: str) -> IO[bytes]:
        return self._path(name).open("rb")

    def needs_sha256(self, size: int) -> bool:
        return False

    def write(
        self, name: str, stream: IO[bytes], size: int, sha256: str | None, source_etag: str | None
    ) -> None:
        path = self._path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=TEMPORARY_PREFIX)
        try:
            with os.fdopen(handle, "wb") as target:
                while chunk := stream.read(HASH_CHUNK):
                    target.write(chunk)
            Path(temporary).replace(path)  # complete or absent, never half written
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, name: str) -> None:
        path = self._path(name)
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root and self.root in parent.parents:
            try:
                parent.rmdir()  # only when empty
            except OSError:
                break
            parent = parent.parent

    def check_name(self, name: str) -> None:
        object_key(name)

    def references(self, stored_name: str) -> str | None:
        return stored_name

    def identity(self) -> tuple[str, ...]:
        return ("directory", str(self.root))


class StorageSide:
    """Any other Django storage, through the Storage API (``listdir``, ``open``, ``save``)."""

    def __init__(self, storage: Storage, label: str) -> None:
        self.storage = storage
        self.label = label

    def check(self, *, writing: bool) -> None:
        pass

    def entries(self, prefix: str) -> Iterator[Entry]:
        yield from self._walk("", prefix)

    def _walk(self, directory: str, prefix: str) -> Iterator[Entry]:
        directories, files = self.storage.listdir(directory)
        base = f"{directory}/" if directory else ""
        for file_name in sorted(files):
            name = base + file_name
            if name.startswith(prefix):
                yield Entry(name, self.storage.size(name))
        for child in sorted(directories):
            name = base + child
            if name.startswith(prefix[: len(name)]):
                yield from self._walk(name, prefix)

    def stored(self, name: str) -> Stored | None:
        if not self.storage.exists(name):
            return None
        return Stored(self.storage.size(name))

    def stored_sha256(self, name: str) -> str | None:
        return None

    def open(self, name: str) -> IO[bytes]:
        return self.storage.open(name, "rb")

    def needs_sha256(self, size: int) -> bool:
        return False

    def write(
        self, name: str, stream: IO[bytes], size: int, sha256: str | None, source_etag: str | None
    ) -> None:
        if self.storage.exists(name):
            self.storage.delete(name)
        saved = self.storage.save(name, File(stream, name))
        if saved != name:
            self.storage.delete(saved)
            raise TransferError(f"the storage stored {name!r} as {saved!r}; removed it again")

    def delete(self, name: str) -> None:
        self.storage.delete(name)

    def check_name(self, name: str) -> None:
        object_key(name)

    def references(self, stored_name: str) -> str | None:
        return stored_name

    def identity(self) -> tuple[str, ...]:
        return ("storage", str(id(self.storage)))


@attrs.frozen
class _Described:
    """What ``object_headers`` looks at: the source's content type, when it has one."""

    content_type: str | None


def _plain_md5(etag: str | None) -> str | None:
    """The MD5 of the content when ``etag`` is one (a single PUT, not multipart)."""
    if not etag:
        return None
    etag = etag.strip('"').lower()
    if len(etag) == 32 and all(char in "0123456789abcdef" for char in etag):
        return etag
    return None


def open_side(spec: str) -> Side:
    """The side ``spec`` names: an absolute directory path, ``profile:bucket[/prefix]`` or a
    ``STORAGES`` alias. Raises ``TransferError`` (or ``ConfigurationError``) naming it."""
    if spec.startswith("/"):
        return DirectorySide(Path(spec).resolve(), f"directory {spec!r}")
    if ":" in spec:
        return _bucket_side(spec)
    if "/" in spec or "\\" in spec or spec.startswith("."):
        raise TransferError(
            f"{spec!r}: give a local directory as an absolute path, a bucket as "
            "profile:bucket[/prefix], or a STORAGES alias"
        )
    try:
        storage = storages[spec]
    except InvalidStorageError:
        known = ", ".join(repr(alias) for alias in storages.backends) or "none"
        raise TransferError(
            f"{spec!r} is no STORAGES alias (known: {known}), no profile:bucket and no absolute "
            "directory path"
        ) from None
    return _storage_side(storage, f"STORAGES[{spec!r}]")


def _storage_side(storage: Storage, label: str) -> Side:
    if isinstance(storage, MinioBackend):
        return BucketSide(storage, "", label)
    if isinstance(storage, FileSystemStorage):
        return DirectorySide(Path(storage.location).resolve(), label)
    return StorageSide(storage, label)


def _bucket_side(spec: str) -> BucketSide:
    profile, _, rest = spec.partition(":")
    bucket, _, prefix = rest.partition("/")
    if not profile or not bucket:
        raise TransferError(f"{spec!r}: expected profile:bucket[/prefix]")
    problem = bucket_name_problem(bucket)
    if problem is not None:
        raise TransferError(f"{spec!r}: bucket name {bucket!r}: {problem}")
    prefix = prefix.strip("/")
    if prefix:
        try:
            object_key(prefix)
        except SuspiciousFileOperation as exc:
            raise TransferError(f"{spec!r}: invalid prefix: {exc}") from None
    storage = MinioBackend(bucket_name=bucket, profile=profile, replace_existing=True)
    profile_clients(profile)  # an unknown or invalid profile: ConfigurationError, now
    return BucketSide(storage, f"{prefix}/" if prefix else "", spec)


# --- references ----------------------------------------------------------------------------------


def referenced_names(*sides: Side) -> set[str] | None:
    """The transfer names that a ``FileField`` whose storage is one of ``sides`` refers to;
    ``None`` when no ``FileField`` stores files on any of them."""
    wanted = {side.identity(): side for side in sides}
    names: set[str] = set()
    matched = False
    for field in _file_fields():
        side = _side_of_field(field, wanted)
        if side is None:
            continue
        matched = True
        for stored_name in _field_names(field):
            name = side.references(stored_name)
            if name is not None:
                names.add(name)
    return names if matched else None


def _file_fields() -> Iterator[FileField]:
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.get_fields(include_parents=False):
            if isinstance(field, FileField):
                yield field


def _side_of_field(field: FileField, wanted: dict[tuple[str, ...], Side]) -> Side | None:
    storage = field.storage
    if storage is default_storage:
        storage = storages["default"]
    try:
        side = _storage_side(storage, field.name)
        return wanted.get(side.identity())
    except ConfigurationError:
        return None  # a field on a broken profile is no side of this transfer


def _field_names(field: FileField) -> Iterator[str]:
    column = field.attname
    rows = (
        field.model._base_manager.exclude(**{f"{column}__isnull": True})
        .exclude(**{column: ""})
        .values_list(column, flat=True)
    )
    for name in rows.iterator(chunk_size=DB_CHUNK):
        yield str(name)


# --- the transfer ---------------------------------------------------------------------------------


class _Counting(io.RawIOBase):
    """Reads ``stream``, hashing (SHA-256) and counting what passes; tells ``on_bytes``."""

    def __init__(self, stream: IO[bytes], on_bytes: Callable[[int], object]) -> None:
        super().__init__()
        self._stream = stream
        self._on_bytes = on_bytes
        self.sha256 = hashlib.sha256()
        self.count = 0
        self.content_type = getattr(stream, "content_type", None)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        if data:
            self.sha256.update(data)
            self.count += len(data)
            self._on_bytes(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        data = self.read(len(view))
        view[: len(data)] = data
        return len(data)


def _digests(side: Side, name: str) -> tuple[str, str]:
    """MD5 and SHA-256 of ``name`` on ``side``, read in chunks."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    with side.open(name) as stream:
        while chunk := stream.read(HASH_CHUNK):
            md5.update(chunk)
            sha256.update(chunk)
    return md5.hexdigest(), sha256.hexdigest()


@attrs.define
class _Job:
    source: Side
    destination: Side
    dry_run: bool
    verify: bool
    delete_source: bool
    observer: TransferObserver

    def run(self, entry: Entry) -> FileOutcome:
        try:
            return self._run(entry)
        except Exception as exc:
            return FileOutcome(entry.name, entry.size, "failed", reason=_reason(exc))

    def _run(self, entry: Entry) -> FileOutcome:
        name = entry.name
        try:
            self.destination.check_name(name)
        except SuspiciousFileOperation as exc:
            return FileOutcome(
                name, entry.size, "failed", reason=f"invalid name, not copied: {exc}"
            )
        source_sha256: str | None = None
        stored = self.destination.stored(name)
        same = False
        if stored is not None:
            same, source_sha256 = self._same(entry, stored)
        if same and not self.verify:
            return self._finish(entry, "present", replaced=False)
        if self.dry_run:
            if same:
                return FileOutcome(name, entry.size, "present")
            return FileOutcome(name, entry.size, "would-copy", replaced=stored is not None)
        action: Action = "present"
        if not same:
            source_sha256 = self._copy(entry, source_sha256)
            action = "copied"
        if not self.verify:
            return self._finish(entry, action, replaced=stored is not None)
        source_sha256 = source_sha256 if action == "copied" else None
        source_sha256 = source_sha256 or _digests(self.source, name)[1]
        if _digests(self.destination, name)[1] != source_sha256:
            if action == "copied":
                raise TransferError("verification failed: the copy read back differs")
            # "Same" by its stored checksum, different when read: the destination is corrupt.
            source_sha256 = self._copy(entry, source_sha256)
            action = "copied"
            if _digests(self.destination, name)[1] != source_sha256:
                raise TransferError("verification failed: the copy read back differs")
        return self._finish(entry, action, replaced=stored is not None, verified=True)

    def _finish(
        self, entry: Entry, action: Action, *, replaced: bool, verified: bool = False
    ) -> FileOutcome:
        deleted = False
        if self.delete_source and verified:
            self.source.delete(entry.name)
            deleted = True
        return FileOutcome(
            entry.name,
            entry.size,
            action,
            replaced=replaced and action == "copied",
            verified=verified,
            source_deleted=deleted,
        )

    def _same(self, entry: Entry, stored: Stored) -> tuple[bool, str | None]:
        """Whether ``stored`` holds the content of ``entry``, and the source's SHA-256 if it
        had to be found."""
        if stored.size != entry.size:
            return False, None
        if entry.etag is not None and stored.source_etag == entry.etag:
            return True, None  # copied from this very source object, unchanged since
        if entry.md5 is not None and stored.md5 is not None:
            return entry.md5 == stored.md5, None
        if stored.sha256 is not None:
            known = self.source.stored_sha256(entry.name)
            source_sha256 = known or _digests(self.source, entry.name)[1]
            return source_sha256 == stored.sha256, source_sha256
        source_md5, source_sha256 = _digests(self.source, entry.name)
        if stored.md5 is not None:
            return source_md5 == stored.md5, source_sha256
        return _digests(self.destination, entry.name)[1] == source_sha256, source_sha256

    def _copy(self, entry: Entry, known_sha256: str | None) -> str:
        """Copy ``entry``; return the SHA-256 of what was copied."""
        name = entry.name
        expected = known_sha256
        if expected is None and self.destination.needs_sha256(entry.size):
            expected = self.source.stored_sha256(name) or _digests(self.source, name)[1]
        with self.source.open(name) as stream:
            counting = _Counting(stream, self.observer.moved)
            self.destination.write(
                name, cast(IO[bytes], counting), entry.size, expected, entry.etag
            )
        copied = counting.sha256.hexdigest()
        if counting.count != entry.size or (expected is not None and copied != expected):
            with contextlib.suppress(Exception):
                self.destination.delete(name)  # its size or stored checksum would be wrong
            raise TransferError(
                f"the source changed while it was copied ({counting.count} bytes read, "
                f"{entry.size} listed); the copy was removed: run again"
            )
        return copied


def _reason(exc: BaseException) -> str:
    if isinstance(exc, S3Error):
        return f"{exc.code}: {exc.message}"
    text = str(exc) or type(exc).__name__
    return text if isinstance(exc, TransferError | OSError) else f"{type(exc).__name__}: {text}"


def transfer(
    source: Side,
    destination: Side,
    *,
    prefix: str = "",
    dry_run: bool = False,
    workers: int = DEFAULT_WORKERS,
    only_referenced: bool = False,
    verify: bool = False,
    delete_source: bool = False,
    observer: TransferObserver | None = None,
) -> TransferReport:
    """Copy the files of ``source`` whose names start with ``prefix`` to ``destination``.

    Files already there with the same content are left alone. ``verify`` reads both sides back
    and compares their SHA-256 (a destination found different is copied again);
    ``delete_source`` deletes a source file once its copy is verified (it implies ``verify``).
    ``only_referenced`` keeps the files some ``FileField`` on either side refers to, and lists
    the references found on neither side. Per-file failures are in the report; a side that
    cannot be used raises ``TransferError``.
    """
    if workers < 1:
        raise TransferError(f"workers must be at least 1, got {workers}")
    if source.identity() == destination.identity():
        raise TransferError(f"source and destination are the same: {source.label}")
    observer = observer or _Silent()
    verify = verify or delete_source
    source.check(writing=False)
    destination.check(writing=not dry_run)
    report = TransferReport(source.label, destination.label)
    wanted: set[str] | None = None
    if only_referenced:
        wanted = referenced_names(source, destination)
        if wanted is None:
            raise TransferError(
                f"--only-referenced: no FileField stores files in {source.label} or "
                f"{destination.label}"
            )
        wanted = {name for name in wanted if name.startswith(prefix)}
    entries: Iterable[Entry] = source.entries(prefix)
    if wanted is not None:
        entries = _referenced(entries, wanted)
    job = _Job(source, destination, dry_run, verify, delete_source, observer)
    _run_all(entries, job, workers, observer, report)
    if wanted:  # references to files the source did not list
        report.missing_references = sorted(
            name for name in wanted if _safe_stored(destination, name) is None
        )
    return report


def _referenced(entries: Iterable[Entry], wanted: set[str]) -> Iterator[Entry]:
    for entry in entries:
        if entry.name in wanted:
            wanted.discard(entry.name)
            yield entry


def _safe_stored(side: Side, name: str) -> Stored | None:
    try:
        side.check_name(name)
    except SuspiciousFileOperation:
        return None
    return side.stored(name)


def _run_all(
    entries: Iterable[Entry],
    job: _Job,
    workers: int,
    observer: TransferObserver,
    report: TransferReport,
) -> None:
    """Run ``job`` on every entry, ``workers`` at a time, listing no further ahead than needed."""
    pending: set[Future[FileOutcome]] = set()

    def collect(done: Iterable[Future[FileOutcome]]) -> None:
        for future in done:
            outcome = future.result()
            report.add(outcome)
            observer.finished(outcome)

    with ThreadPoolExecutor(workers, thread_name_prefix="minio-transfer") as pool:
        try:
            for entry in entries:
                observer.listed(entry)
                pending.add(pool.submit(job.run, entry))
                if len(pending) >= 2 * workers:
                    done, pending = wait(pending, return_when=FIRST_COMPLETED)
                    collect(done)
            while pending:
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                collect(done)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
