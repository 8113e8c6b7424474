"""Which storages use which profile and bucket: ``STORAGES`` entries and model ``FileField``s.

The one place that finds them, for the system checks, ``initialize_buckets``, ``minio_profiles``
and the orphan search. A storage's profile is what the storage itself says (its
``profile_name``, which maps upstream-style ``MINIO_*`` OPTIONS to their alias), so discovery
and the storages never disagree. Makes no network call: a ``STORAGES`` entry is built from its
OPTIONS the way Django builds it (our storages connect on first use only), never through
``django.core.files.storage.storages``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

import attrs
from django.apps import apps
from django.core.files.storage import default_storage
from django.db.models import FileField
from django.utils.module_loading import import_string

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.encryption import Encryption
from django_minio_backend.profiles.sources import configuration, configured_storages
from django_minio_backend.storage.backend import MinioBackend

__all__ = ["StorageBuildError", "StorageEntry", "StorageUse", "storage_entries", "storage_uses"]

_PACKAGE = "django_minio_backend."


class StorageBuildError(RuntimeError):
    """A storage class raised something unexpected (not a ``ConfigurationError``) when built from
    the OPTIONS of its ``STORAGES`` entry; the message names the entry and the exception."""


@attrs.frozen
class StorageEntry:
    """A ``STORAGES`` entry on one of our storage classes, or naming a ``BACKEND`` in this package
    that cannot be imported (then ``storage_class`` is ``None`` and ``import_error`` says why)."""

    alias: str
    backend: str
    options: Mapping[str, Any]
    storage_class: type[MinioBackend] | None = None
    import_error: str | None = None

    @property
    def label(self) -> str:
        """``STORAGES['alias']``, as messages name the entry."""
        return f"STORAGES[{self.alias!r}]"


@attrs.frozen
class StorageUse:
    """A storage on one of our backends: where it is configured, its profile and its bucket.

    ``alias`` is the ``STORAGES`` entry it comes from (a ``FileField`` on the default storage has
    ``alias="default"`` and its ``field``); ``field`` is the model field for storages given to a
    ``FileField``; ``static`` is true for storages on the profile's static bucket.
    ``profile`` is ``None`` when the storage cannot be built or names no profile, and ``bucket``
    when the profile is unknown or invalid; ``problems`` then says why (the checks report it).
    """

    label: str
    profile: str | None
    bucket: str | None
    static: bool = False
    field: FileField | None = attrs.field(default=None, eq=False)
    alias: str | None = None
    problems: tuple[Problem, ...] = ()
    location: str = ""  # the storage's key prefix ("" for the bucket's root)
    # The storage's own ``encryption`` option (None: the profile's applies).
    encryption: Encryption | None = None


def storage_entries() -> tuple[StorageEntry, ...]:
    """Every ``STORAGES`` entry whose ``BACKEND`` is one of our storage classes (or lies in this
    package and cannot be imported); entries on other backends are left out."""
    entries: list[StorageEntry] = []
    for entry in configured_storages():
        try:
            backend = import_string(entry.backend)
        except ImportError as exc:
            if entry.backend.startswith(_PACKAGE):
                entries.append(
                    StorageEntry(entry.alias, entry.backend, entry.options, import_error=str(exc))
                )
            continue
        if isinstance(backend, type) and issubclass(backend, MinioBackend):
            entries.append(StorageEntry(entry.alias, entry.backend, entry.options, backend))
    return tuple(entries)


def storage_uses(entries: Iterable[StorageEntry] | None = None) -> tuple[StorageUse, ...]:
    """Every ``STORAGES`` entry (from ``entries``, by default ``storage_entries()``) and every
    model ``FileField`` that uses one of our storages, entries first.

    Configuration mistakes are recorded in ``StorageUse.problems``; anything else a storage
    class raises when built from its OPTIONS is raised as ``StorageBuildError``.
    """
    entry_uses = [
        _entry_use(entry, entry.storage_class)
        for entry in (storage_entries() if entries is None else entries)
        if entry.storage_class is not None
    ]
    by_alias = {use.alias: use for use in entry_uses}
    return (*entry_uses, *_field_uses(by_alias))


def _entry_use(entry: StorageEntry, storage_class: type[MinioBackend]) -> StorageUse:
    try:
        storage = storage_class(**entry.options)  # as Django builds it; no network call
    except ConfigurationError as exc:  # invalid OPTIONS: the checks name them
        return StorageUse(
            entry.label,
            None,
            None,
            storage_class.uses_static_bucket,
            alias=entry.alias,
            problems=exc.problems,
        )
    except Exception as exc:
        raise StorageBuildError(
            f"{entry.label}: {entry.backend} raised {type(exc).__name__} when built from its "
            f"OPTIONS: {exc}"
        ) from exc
    return _use_of(storage, entry.label, alias=entry.alias)


def _use_of(
    storage: MinioBackend,
    label: str,
    *,
    field: FileField | None = None,
    alias: str | None = None,
) -> StorageUse:
    static = type(storage).uses_static_bucket
    try:
        profile_name = storage.profile_name
    except ConfigurationError as exc:  # MINIO_* options matching no STORAGES entry
        return StorageUse(label, None, None, static, field, alias, exc.problems)
    return StorageUse(
        label,
        profile_name,
        _bucket_of(storage, profile_name),
        static,
        field,
        alias,
        location=storage.object_options.location,
        encryption=storage.object_options.encryption,
    )


def _bucket_of(storage: MinioBackend, profile_name: str) -> str | None:
    """The storage's bucket: its ``bucket_name`` argument, else the profile's default (or static)
    bucket; ``None`` when that depends on a profile that is unknown or invalid.

    Read from the configuration rather than through ``storage.bucket_name``, which needs every
    profile to be valid: a mistake in one profile does not hide the buckets of the others.
    """
    given = storage.deconstruct()[2].get("bucket_name")
    if isinstance(given, str) and given:
        return given
    profile = configuration().profiles.get(profile_name)
    if profile is None:
        return None
    return profile.static_bucket if storage.uses_static_bucket else profile.default_bucket


def _field_uses(by_alias: Mapping[str | None, StorageUse]) -> list[StorageUse]:
    uses: list[StorageUse] = []
    for model in apps.get_models():
        if model._meta.proxy:
            continue  # the fields of the concrete model it stands for
        for field in model._meta.get_fields(include_parents=False):
            if not isinstance(field, FileField):
                continue
            label = f"{model._meta.label}.{field.name}"
            storage = field.storage
            if storage is default_storage:  # a LazyObject: use its entry, never build it here
                default = by_alias.get("default")
                if default is not None:
                    uses.append(attrs.evolve(default, label=label, field=field))
                continue
            if not issubclass(type(storage), MinioBackend):  # type(): never set up a LazyObject
                continue
            uses.append(_use_of(cast(MinioBackend, storage), label, field=field))
    return uses
