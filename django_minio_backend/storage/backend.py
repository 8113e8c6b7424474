"""``MinioBackend`` and ``MinioBackendStatic``: Django storages on the cluster of a named profile.

A storage holds only names (profile, bucket, options); the profile and its shared clients are
looked up on first use, so constructing one makes no network call and never fails because of a
broken profile. Every request goes through the profile's timeouts; a missing object is
``FileNotFoundError`` and anything else (auth, network, server) is raised as such.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import IO, Any, ClassVar, Final, Literal, cast
from urllib.parse import quote

import attrs
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.core.files.utils import validate_file_name
from django.utils import timezone

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.encryption import Encryption, encryption_from_sse
from django_minio_backend.profiles.sources import (
    ProfileConfiguration,
    configuration,
    profile_name_for_alias,
    profile_name_for_options,
)
from django_minio_backend.s3.buckets import ensure_bucket
from django_minio_backend.s3.clients import ProfileClients, profile_clients
from django_minio_backend.s3.encryption import ObjectEncryption, object_encryption
from django_minio_backend.s3.failures import ServerErrors, server_errors
from django_minio_backend.s3.health import MinioServerStatus, check_server
from django_minio_backend.s3.keys import MAX_KEY_BYTES, MAX_SEGMENT_BYTES, object_key, prefix_key
from django_minio_backend.s3.object_reader import ObjectReader, open_object
from django_minio_backend.s3.upload_signing import (
    PresignedUpload,
    post_policy_upload,
    put_upload,
)
from django_minio_backend.s3.uploads import ObjectExistsError, upload
from django_minio_backend.s3.url_signing import expiry_seconds, quote_path, response_parameters
from django_minio_backend.storage.compat import UpstreamStorageMixin
from django_minio_backend.storage.content_types import content_type_for, is_active_content
from django_minio_backend.storage.direct_uploads import (
    content_type_condition,
    random_name,
    upload_expiry,
)
from django_minio_backend.storage.options import (
    ObjectOptions,
    object_options_from,
    object_parameter_problems,
    object_parameters_headers,
)
from django_minio_backend.storage.writable import WRITE_MODES, MinioWriteFile, unsupported_mode

__all__ = ["MinioBackend", "MinioBackendStatic", "MinioObjectFile"]

READ_BUFFER: Final = 64 * 1024
WHOLE_READ_LIMIT: Final = 1024 * 1024
"""Objects up to this size are read in one GET when opened; larger ones are streamed."""
STAT_REUSE_SECONDS: Final = 1.0
MAX_LISTED_DIRECTORIES: Final = 10_000
MAX_RENAMES: Final = 100
MAX_CACHED_URL_NAMES: Final = 4096
UPSTREAM_CACHE_PREFIX: Final = "minio_url_"  # 4.x's default; we keep no URL cache


class MinioObjectFile(File):  # type: ignore[type-arg]
    """A Django ``File`` that streams an object in chunks; memory stays bounded.

    Reopening (``open()`` after ``close()``, as ``FieldFile.open()`` does) fetches the object from
    the server again; it never looks at a local file of the same name, which Django's ``File``
    would open instead.
    """

    def __init__(
        self, reader: ObjectReader, name: str, mode: str, reopen: Callable[[], ObjectReader]
    ) -> None:
        self._reopen = reopen
        self._object_name = name
        self._attach(reader, name, mode)

    def _attach(self, reader: ObjectReader, name: str, mode: str) -> None:
        stream: IO[Any]
        if reader.size <= WHOLE_READ_LIMIT:
            # Read at once: seeks and rereads of a small file (an xlsx, an image header, the
            # size probe of FileResponse) then cost no request.
            with reader:
                stream = io.BytesIO(reader.readall())
        else:
            # Buffered by itself (small reads come from its window): no second buffer to copy
            # every byte through.
            stream = cast("IO[bytes]", reader)
        if "b" not in mode:
            stream = io.TextIOWrapper(stream, encoding="utf-8")
        super().__init__(stream, name)
        self.mode = mode
        self.reader = reader
        # The object's size, never the size of a local file of the same name (Django's File
        # falls back to os.path.getsize(name)).
        self.size = reader.size

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> MinioObjectFile:
        """Back to the start when open (in ``mode`` if given), else fetched anew from the server."""
        mode = mode or self.mode
        if any(flag in mode for flag in "wax+"):
            raise ValueError(
                f"an object opened for reading cannot be reopened in mode {mode!r}; "
                "open it from the storage with 'wb' to replace it"
            )
        if not self.closed and mode == self.mode:
            self.seek(0)
            return self
        self.close()
        self._attach(self._reopen(), self._object_name, mode)
        return self


@attrs.frozen
class _Target:
    """What a storage resolves to under one configuration: clients, bucket, URL prefix."""

    configuration: ProfileConfiguration
    clients: ProfileClients
    profile_name: str
    bucket: str
    public: bool
    public_prefix: str
    encryption: ObjectEncryption
    # url() by storage name: its checked object key, and a public bucket's plain URL. Bounded;
    # dropped with the target when settings change.
    url_keys: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    public_urls: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)


class MinioBackend(UpstreamStorageMixin, Storage):
    """A storage on one bucket of the MinIO cluster of a named profile.

    ``bucket_name`` defaults to the profile's ``default_bucket``. Keyword options
    (``cache_control``, ``content_disposition``, ``metadata``) apply to every object written;
    ``encryption`` (or upstream 4.x's ``sse=``, a ``minio.sse`` object) replaces the profile's.
    Same-name saves get Django's alternative names, decided by a conditional write on the server
    so racing saves never overwrite each other; ``replace_existing=True`` overwrites instead.
    """

    uses_static_bucket: ClassVar[bool] = False
    replaces_by_default: ClassVar[bool] = False
    guards_active_content: ClassVar[bool] = True
    # Where migrations import the class from (the seed's path).
    deconstruct_path: ClassVar[str] = "django_minio_backend.models.MinioBackend"

    def __init__(
        self,
        bucket_name: str = "",
        profile: str = "default",
        *,
        replace_existing: bool | None = None,
        sse: Any = None,
        **options: Any,
    ) -> None:
        options = self._take_upstream_keywords(dict(options))  # storage_name=, http_client=...
        upstream = {key: value for key, value in options.items() if key.startswith("MINIO_")}
        own = {key: value for key, value in options.items() if key not in upstream}
        if replace_existing is not None:
            own["replace_existing"] = replace_existing
        if sse is not None:
            own["encryption"] = _sse_encryption(sse, own, type(self).__name__)
        self.object_options: ObjectOptions = object_options_from(
            {"profile": profile, "bucket_name": bucket_name, **own}, type(self).__name__
        )
        self.replace_existing = (
            self.replaces_by_default if replace_existing is None else replace_existing
        )
        self._profile_arg = profile
        self._upstream_options: Mapping[str, Any] | None = upstream or None
        self._given = {key: value for key, value in own.items() if value is not None}
        encryption = self.object_options.encryption
        if encryption is not None:
            # A migration records where an SSE-C key comes from, never the key itself.
            recordable = encryption.setting()
            if recordable is None:
                del self._given["encryption"]
            else:
                self._given["encryption"] = recordable
        if bucket_name:
            self._given["bucket_name"] = bucket_name
        if profile != "default":
            self._given["profile"] = profile
        self._given.update(self._upstream_given)
        self._bucket_arg = bucket_name
        self._target: _Target | None = None
        self._recent_stats: dict[int, tuple[str, Any, float]] = {}
        self._listed_directories: set[str] = set()

    def __getstate__(self) -> dict[str, Any]:
        """Picklable and deep-copyable: names and options only; clients and caches are rebuilt."""
        state = self.__dict__.copy()
        state.update(_target=None, _recent_stats={}, _listed_directories=set(), _own_clients=None)
        return state

    def deconstruct(self) -> tuple[str, tuple[Any, ...], dict[str, Any]]:
        """What a migration records: the profile name, bucket and options, never keys.

        A storage built from upstream-style ``MINIO_*`` OPTIONS is recorded by its profile (the
        STORAGES alias), so endpoints and secrets stay in settings.
        """
        kwargs = dict(self._given)
        if self._upstream_options is not None:
            kwargs["profile"] = self.profile_name
        return self.deconstruct_path, (), kwargs

    # --- resolution (lazy: no settings or network at construction) --------------------------------

    @property
    def profile_name(self) -> str:
        """The name of the profile this storage uses."""
        if self._storage_name is not None:
            return profile_name_for_alias(self._storage_name)
        if self._upstream_options is None:
            return self._profile_arg
        alias = profile_name_for_options(self._upstream_options)
        if alias is None:
            raise ConfigurationError(
                Problem(
                    "MINIO_* options given to a storage match no STORAGES entry",
                    setting=type(self).__name__,
                    hint="configure it in settings.STORAGES, or use OPTIONS={'profile': NAME}",
                    code="E007",
                )
            )
        return alias

    @property
    def bucket_name(self) -> str:
        """The bucket this storage writes to."""
        return self._resolve().bucket

    def _resolve(self) -> _Target:
        current = configuration()
        target = self._target
        if target is not None and target.configuration is current:
            return target
        name = self.profile_name
        clients = self._storage_clients(profile_clients(name))
        profile = clients.profile
        default = profile.static_bucket if self.uses_static_bucket else profile.default_bucket
        bucket = self._bucket_arg or default
        public = profile.is_public(bucket)
        base_url = self.object_options.public_base_url
        if base_url is None:
            prefix = f"{profile.external_base_url}/{quote(bucket)}/"
        else:
            prefix = f"{base_url}/"
        if self.object_options.encryption is not None:
            setting = f"{type(self).__name__} option 'encryption'"
            encryption = object_encryption(self.object_options.encryption, name, setting)
        else:
            encryption = object_encryption(profile.encryption, name, "encryption")
        target = _Target(current, clients, name, bucket, public, prefix, encryption)
        self._target = target
        return target

    def _clients(self) -> ProfileClients:
        return self._resolve().clients

    def _is_public(self) -> bool:
        return self._resolve().public

    def _requests(self, target: _Target, key: str | None = None) -> ServerErrors:
        """Turn SDK errors into the documented ones (``s3.failures``), naming the profile: with
        ``key``, a missing object is ``FileNotFoundError``; no answer ``ServerUnavailableError``;
        an answer that is no S3 error document ``ServerResponseError``; else ``S3Error``."""
        bucket = None if key is None else target.bucket
        return server_errors(
            target.profile_name,
            target.clients.profile,
            bucket=bucket,
            key=key,
            secret_headers=target.encryption.customer_key,
        )

    # --- writing --------------------------------------------------------------------------------

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        """Store ``content`` under ``name`` or, when taken, under an alternative name."""
        if name is None:
            name = content.name
        if not isinstance(name, str):  # an empty name is refused by validate_file_name below
            raise ValueError(f"save() needs a name: none given and the content has none ({name!r})")
        if not hasattr(content, "chunks"):
            content = File(content, name)
        validate_file_name(name, allow_relative_path=True)
        name = self._checked_name(name, max_length)
        return self._save_available(name, content, max_length)

    def _checked_name(self, name: str, max_length: int | None) -> str:
        """``name`` shortened to fit, then checked as a key.

        Like Django's own storages, the file name's root is cut (the extension and directories
        kept) to fit ``max_length`` characters, and also S3's 1024-byte key and the servers'
        255-byte file name, counted in UTF-8 and cut on whole characters.
        """
        return object_key(_fitted(name, max_length, reserved=self._reserved_bytes))

    @property
    def _reserved_bytes(self) -> int:
        location = self.object_options.location
        return len(location.encode("utf-8")) + 1 if location else 0

    def _key(self, name: str) -> str:
        """The object key of the storage name ``name``: under ``location`` when one is set.

        ``name`` is checked on its own first, so that no name (``..``, ``/abs``) can leave the
        location.
        """
        key = object_key(name)
        location = self.object_options.location
        return object_key(f"{location}/{key}") if location else key

    def _relative(self, key: str) -> str:
        """The storage name of the object key ``key`` (``key`` without ``location/``)."""
        location = self.object_options.location
        return key[len(location) + 1 :] if location else key

    def _save(self, name: str, content: Any) -> str:
        return self._save_available(name, content, None)

    def _save_available(
        self, name: str, content: Any, max_length: int | None = None, *, replace: bool | None = None
    ) -> str:
        replace = self.replace_existing if replace is None else replace
        self._forget_stats()
        target = self._resolve()
        if self.uses_static_bucket or target.clients.profile.bucket_check_on_save:
            # Static storages always do (as 3.8.1 did): collectstatic then works before
            # initialize_buckets ever ran. Once per process and bucket.
            ensure_bucket(target.profile_name, target.bucket)
        headers = {**self.object_headers(name, content), **target.encryption.write}
        if not replace and not _seekable(content):
            # A stream read once cannot be sent again under another name after a clash: pick a
            # free name first (HEAD requests); only a save racing for that name still fails.
            name = self.get_available_name(name, max_length)
        for attempt in range(MAX_RENAMES):
            key = self._key(name)
            _rewind(content, name, attempt)
            stream, size = _upload_stream(content)
            try:
                with self._requests(target):
                    upload(
                        target.clients.internal,
                        target.bucket,
                        key,
                        stream,
                        size,
                        headers=headers,
                        if_none_match=not replace,
                        multipart_threshold=target.clients.profile.multipart_threshold,
                        part_size=target.clients.profile.multipart_part_size,
                        abort_client=target.clients.cleanup,
                        **self._upload_arguments(),
                        part_headers=target.encryption.part_headers(),
                    )
                return name
            except ObjectExistsError:
                name = self._alternative(name, max_length)
        raise SuspiciousFileOperation(f"no free name found for {name!r} after {MAX_RENAMES} tries")

    def _upload_arguments(self) -> dict[str, Any]:
        writes = self.upstream_writes
        if writes is None:
            return {}
        return {
            "progress": writes.progress,
            "parts_in_flight": writes.parts_in_flight,
            "checksum": writes.checksum,
        }

    def object_headers(self, name: str, content: Any) -> dict[str, str]:
        """The headers of the PUT that stores ``content`` as ``name`` (content type, options).

        On a public bucket, content a browser would run (HTML, SVG, XML, JavaScript) is stored
        with ``Content-Disposition: attachment`` unless the ``inline_active_content`` option is
        on: a user's upload must not run scripts on the bucket's host. Static storages, whose
        files come from the project, are exempt.
        """
        content_type = content_type_for(name, content)
        headers = {"Content-Type": content_type}
        headers.update(self.object_options.headers())
        parameters = self.get_object_parameters(name)
        problems = object_parameter_problems(parameters)
        if problems:
            raise ConfigurationError(
                Problem(
                    "; ".join(problems),
                    setting=f"{type(self).__name__}.get_object_parameters({name!r})",
                    hint="return a dict of the keys of the object_parameters option",
                    code="E008",
                )
            )
        headers.update(object_parameters_headers(parameters))
        if self.upstream_writes is not None:
            headers.update(self.upstream_writes.headers)
        if (
            self.guards_active_content
            and not self.object_options.inline_active_content
            and "Content-Disposition" not in headers
            and is_active_content(content_type)
            and self._resolve().public
        ):
            headers["Content-Disposition"] = "attachment"
        return headers

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        """The ``object_parameters`` of the object ``name`` (a storage name); override it for
        per-object values. Called for every write; the keys are those of the option."""
        return dict(self.object_options.object_parameters)

    def _alternative(self, name: str, max_length: int | None) -> str:
        return object_key(
            _fitted(name, max_length, self.get_alternative_name, reserved=self._reserved_bytes)
        )

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """A free name; with ``replace_existing`` the name itself (it will be overwritten)."""
        if self.replace_existing:
            return self._checked_name(name, max_length)
        return super().get_available_name(name, max_length)

    def delete(self, name: str) -> None:
        """Remove the object; a missing object is not an error."""
        self._forget_stats()
        key = self._key(name)
        target = self._resolve()
        with self._requests(target):
            target.clients.internal.remove_object(bucket_name=target.bucket, object_name=key)

    # --- reading ---------------------------------------------------------------------------------

    def _open(self, name: str, mode: str = "rb") -> MinioObjectFile | MinioWriteFile:
        refused = unsupported_mode(type(self).__name__, mode)
        if refused is not None:
            raise refused
        key = self._key(name)
        if mode in WRITE_MODES:
            # Written under exactly this name, replacing an object there, as a file system would.
            return MinioWriteFile(
                name, mode, lambda name, stream: self._save_available(name, stream, replace=True)
            )

        def fetch() -> ObjectReader:
            target = self._resolve()
            with self._requests(target, key):
                return open_object(
                    target.clients.internal,
                    target.bucket,
                    key,
                    profile=target.profile_name,
                    headers=target.encryption.read,
                )

        return MinioObjectFile(fetch(), name, mode, fetch)

    def _stat(self, name: str, *, remember: bool = False) -> Any:
        # exists() followed at once by get_modified_time() or size() of the same name (as
        # collectstatic does for every file) shares one HEAD: the answer is reused once, and only
        # within STAT_REUSE_SECONDS, by the thread that asked.
        thread = threading.get_ident()
        recent = self._recent_stats.pop(thread, None)
        if recent is not None:
            recent_name, recent_stat, taken_at = recent
            if recent_name == name and time.monotonic() - taken_at < STAT_REUSE_SECONDS:
                return recent_stat
        key = self._key(name)
        target = self._resolve()
        with self._requests(target, key):
            stat = target.clients.internal.stat_object(
                bucket_name=target.bucket,
                object_name=key,
                extra_headers=dict(target.encryption.read) or None,
            )
        if remember:
            self._recent_stats[thread] = (name, stat, time.monotonic())
        return stat

    def _forget_stats(self) -> None:
        self._recent_stats.pop(threading.get_ident(), None)

    def exists(self, name: str) -> bool:
        """True when an object is stored under ``name`` (one HEAD request).

        ``""`` (the bucket's root) and directories returned by an earlier ``listdir()`` exist
        too, as ``collectstatic --clear`` expects; that costs no request.
        """
        if name in {"", "/"}:
            return True
        try:
            self._stat(name, remember=True)
        except FileNotFoundError:
            return name.strip("/") in self._listed_directories
        return True

    def uploaded_object(self, name: str) -> tuple[int, str]:
        """The size and content type of the object ``name`` (one HEAD, never reused)."""
        self._forget_stats()
        stat = self._stat(name)
        return int(stat.size), str(stat.content_type or "")

    def size(self, name: str) -> int:
        """The object's size in bytes."""
        return int(self._stat(name).size)

    def get_modified_time(self, name: str) -> datetime:
        """When the object was last written: aware with ``USE_TZ``, else naive local time."""
        modified: datetime = self._stat(name).last_modified
        now = timezone.now()
        if timezone.is_aware(now):
            return modified
        return timezone.make_naive(modified)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        """Directories and files directly under ``path``, like a filesystem (one level)."""
        relative_prefix = prefix_key(path)
        prefix = self._listing_prefix(path)
        target = self._resolve()
        directories: list[str] = []
        files: list[str] = []
        with self._requests(target):
            for item in target.clients.internal.list_objects(
                bucket_name=target.bucket, prefix=prefix
            ):
                relative = item.object_name[len(prefix) :]
                # A folder marker ("dir/", kept by MinIO and SeaweedFS) lists under its own prefix
                # with an empty relative name: it is not an entry of the folder.
                if item.is_dir and relative.rstrip("/"):
                    directories.append(relative.rstrip("/"))
                elif relative and not item.is_dir:
                    files.append(relative)
        if len(self._listed_directories) > MAX_LISTED_DIRECTORIES:
            self._listed_directories.clear()
        self._listed_directories.update(relative_prefix + directory for directory in directories)
        return directories, files

    def _listing_prefix(self, path: str) -> str:
        """The key prefix that lists the directory ``path`` (a storage name)."""
        relative = prefix_key(path)
        if relative:
            return self._key(relative[:-1]) + "/"
        location = self.object_options.location
        return f"{location}/" if location else ""

    def _url_key(self, target: _Target, name: str | None) -> str:
        """``self._key(name)``, remembered: url() is called for the same names again and again."""
        if not isinstance(name, str):
            return self._key(name or "")
        key = target.url_keys.get(name)
        if key is None:
            key = self._key(name)
            _remember(target.url_keys, name, key)
        return key

    def url(
        self,
        name: str | None,
        *,
        expire: timedelta | int | None = None,
        download_name: str | None = None,
        inline: bool | None = None,
        content_type: str | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> str:
        """A browser URL on the external endpoint: plain when public, presigned when private.

        ``expire`` (timedelta or seconds, 1 s to 7 days) overrides the profile's ``url_expiry``;
        ``download_name`` is the file name a browser saves under (``inline=True``: shown in the
        browser); ``content_type`` the type it is served as; ``parameters`` other ``response-*``
        overrides. Any of them gives a presigned URL, also on a public bucket. Makes no network
        call.
        """
        target = self._resolve()
        if (
            expire is None
            and download_name is None
            and inline is None
            and content_type is None
            and not parameters
        ):
            if target.public:
                public_urls = target.public_urls
                public_url = public_urls.get(name) if isinstance(name, str) else None
                if public_url is None:
                    public_url = target.public_prefix + quote_path(self._url_key(target, name))
                    _remember(public_urls, name, public_url)
                return public_url
            return target.clients.signer.presigned_get(target.bucket, self._url_key(target, name))
        key = self._url_key(target, name)
        try:
            expires = None if expire is None else expiry_seconds(expire)
            response = response_parameters(
                download_name=download_name,
                inline=inline,
                content_type=content_type,
                parameters=parameters,
            )
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"url({name!r}): {exc}") from None
        return target.clients.signer.presigned_get(
            target.bucket, key, expires=expires, response=response
        )

    # --- upstream 4.x's URL cache attributes, read from the profile -----------------------------

    @property
    def url_caching_enabled(self) -> bool:
        """True when the profile signs URLs per window (``url_signing_window``)."""
        return self._resolve().clients.profile.url_signing_window is not None

    @property
    def url_cache_timeout(self) -> int:
        """The signing window in seconds; 0 when off."""
        window = self._resolve().clients.profile.url_signing_window
        return 0 if window is None else int(window.total_seconds())

    @property
    def cache_prefix(self) -> str:
        """Upstream's cache-key prefix; kept for code that reads it, used for nothing."""
        return UPSTREAM_CACHE_PREFIX

    def presigned_upload(
        self,
        name: str,
        *,
        max_size: int,
        min_size: int = 0,
        content_types: Sequence[str] | None = None,
        expire: timedelta | int | float | None = None,
        method: Literal["POST", "PUT"] = "POST",
    ) -> PresignedUpload:
        """A signed upload a browser sends straight to the bucket; no network call.

        The object gets the storage name ``.name``: ``name`` with a random component. ``POST``:
        a form policy the server enforces (size range, content type); ``PUT``: a presigned URL
        whose ``Content-Type`` (one exact type) is signed, the size checked only afterwards.
        ``expire``: timedelta or seconds, 1 s to 7 days; default one hour (or ``url_expiry``
        when shorter).
        """
        if isinstance(max_size, bool) or not isinstance(max_size, int) or max_size < 1:
            raise ValueError(f"max_size must be a positive number of bytes, got {max_size!r}")
        if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 0:
            raise ValueError(f"min_size must be 0 or more bytes, got {min_size!r}")
        if min_size > max_size:
            raise ValueError(f"min_size ({min_size}) is larger than max_size ({max_size})")
        if method not in ("POST", "PUT"):
            raise ValueError(f"method must be 'POST' or 'PUT', got {method!r}")
        condition = content_type_condition(content_types)
        if method == "PUT" and condition is not None and condition[0] != "eq":
            raise ValueError(
                "a presigned PUT signs one exact Content-Type; give one type, or use POST"
            )
        validate_file_name(name, allow_relative_path=True)
        storage_name = object_key(
            _fitted(object_key(name), None, random_name, reserved=self._reserved_bytes)
        )
        key = self._key(storage_name)
        target = self._resolve()
        if target.encryption.customer_key:
            raise ValueError(
                f"{type(self).__name__} of profile {target.profile_name!r} encrypts with SSE-C: "
                "a direct upload would need the browser to send the key; save through Django"
            )
        profile = target.clients.profile
        seconds = upload_expiry(expire, profile)
        if method == "PUT":
            upload = put_upload(
                profile,
                target.bucket,
                key,
                content_type=condition[1] if condition else None,
                expires=seconds,
                credentials=target.clients.provider.retrieve(),
                required=target.encryption.write,
            )
        else:
            upload = post_policy_upload(
                profile,
                target.bucket,
                key,
                min_size=min_size,
                max_size=max_size,
                content_type=condition,
                expires=seconds,
                credentials=target.clients.provider.retrieve(),
                required=target.encryption.write,
            )
        # The form and the model keep the storage name; the policy signs the full key.
        return attrs.evolve(upload, name=storage_name)

    def path(self, name: str) -> str:
        raise NotImplementedError("objects in MinIO have no local filesystem path; use open()")

    # --- health ----------------------------------------------------------------------------------

    def is_minio_available(self) -> MinioServerStatus:
        """Whether the profile's server answers and accepts its credentials."""
        return check_server(self.profile_name)


class MinioBackendStatic(MinioBackend):
    """Storage for static files: the profile's ``static_bucket``, overwriting as collectstatic
    expects."""

    uses_static_bucket: ClassVar[bool] = True
    replaces_by_default: ClassVar[bool] = True
    guards_active_content: ClassVar[bool] = False
    deconstruct_path: ClassVar[str] = "django_minio_backend.models.MinioBackendStatic"

    def __init__(
        self,
        profile: str = "default",
        *,
        bucket_name: str = "",
        replace_existing: bool | None = None,
        **options: Any,
    ) -> None:
        super().__init__(bucket_name, profile, replace_existing=replace_existing, **options)


def _remember(cache: dict[str, str], name: str | None, value: str) -> None:
    if name is None:
        return
    if len(cache) >= MAX_CACHED_URL_NAMES:
        cache.clear()
    cache[name] = value


def _sse_encryption(sse: Any, options: Mapping[str, Any], where: str) -> Encryption:
    if options.get("encryption") is not None:
        raise ConfigurationError(
            Problem(
                "sse and encryption given together",
                setting=where,
                hint="keep encryption (sse is upstream 4.x's name for it)",
                code="E008",
            )
        )
    return encryption_from_sse(sse, where)


class _EncodedText(io.RawIOBase):
    """A text stream read as UTF-8 bytes (``ContentFile("text")``, files opened in text mode)."""

    def __init__(self, text: io.TextIOBase) -> None:
        super().__init__()
        self._text = text
        self._pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if not self._pending:
            self._pending = self._text.read(len(view)).encode("utf-8")
        count = min(len(view), len(self._pending))
        view[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def _upload_stream(content: Any) -> tuple[IO[bytes], int | None]:
    """The binary stream to upload for ``content`` and its size, when that size can be trusted.

    Django's ``File.size`` falls back to ``os.path.getsize(name)``, which is 0 for a pipe and the
    compressed length for ``gzip.open()``: a size is trusted only for uploaded files (their
    handler counted the bytes), in-memory buffers and regular files whose descriptor is the
    stream. Anything else is streamed with an unknown length, so that every byte is stored.
    """
    stream = getattr(content, "file", content)
    if isinstance(stream, io.TextIOBase):
        return io.BufferedReader(_EncodedText(stream), READ_BUFFER), None
    if isinstance(content, UploadedFile):
        size = content.size
    elif isinstance(stream, io.BytesIO):
        with stream.getbuffer() as buffer:
            size = buffer.nbytes - stream.tell()
    elif _is_regular_file(stream):
        size = os.fstat(stream.fileno()).st_size - stream.tell()
    else:
        size = None
    return content, size if isinstance(size, int) and size >= 0 else None


def _is_regular_file(stream: object) -> bool:
    if isinstance(stream, io.BufferedReader | io.BufferedRandom):
        stream = stream.raw
    if type(stream) is not io.FileIO:
        return False
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except OSError:
        return False


def _utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _fits(name: str, max_length: int | None, reserved: int = 0) -> bool:
    return (
        (max_length is None or len(name) <= max_length)
        and _utf8_length(name) <= MAX_KEY_BYTES - reserved
        and _utf8_length(posixpath.basename(name)) <= MAX_SEGMENT_BYTES
    )


def _fitted(
    name: str,
    max_length: int | None,
    alternative: Callable[[str, str], str] | None = None,
    *,
    reserved: int = 0,
) -> str:
    """``name`` (or the ``alternative(root, ext)`` of it) with its file root cut until it fits
    ``max_length`` and the key limits (less ``reserved`` bytes, a location's); the cut comes
    before an alternative's random suffix."""
    directory, slash, file_name = name.rpartition("/")  # not posixpath.split: keeps "a//b"
    file_root, file_ext = posixpath.splitext(file_name)

    def candidate() -> str:
        root = alternative(file_root, file_ext) if alternative else file_root + file_ext
        return directory + slash + root

    fitted = candidate()
    while file_root and not _fits(fitted, max_length, reserved):
        file_root = file_root[:-1]
        fitted = candidate()
    if not file_root:
        raise SuspiciousFileOperation(
            f'Storage can not find an available filename for "{name}". Please make sure '
            "that the corresponding file field allows sufficient max_length."
        )
    return fitted


def _seekable(content: Any) -> bool:
    try:
        return bool(content.seekable())
    except (AttributeError, OSError, ValueError):
        return False


def _rewind(content: Any, name: str, attempt: int) -> None:
    """Back to the start of ``content``; a retry under a new name needs it to be seekable."""
    try:
        content.seek(0)
    except (AttributeError, OSError, ValueError):
        if attempt:
            raise OSError(
                f"cannot retry the upload of {name!r} under another name: the content is not "
                "seekable"
            ) from None
