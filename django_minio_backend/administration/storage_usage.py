"""Which storages use which profile and bucket: ``STORAGES`` entries and model ``FileField``s.

Used by the system checks, ``initialize_buckets`` and ``clean_orphaned_minio_files``. Makes no
network call and never builds a ``STORAGES`` entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import attrs

from django_minio_backend.errors import ConfigurationError
from django_minio_backend.profiles.sources import configuration, configured_storages
from django_minio_backend.storage.backend import MinioBackend

if TYPE_CHECKING:
    from django.db.models import FileField

__all__ = ["StorageUse", "storage_uses"]


@attrs.frozen
class StorageUse:
    """A storage on one of our backends: where it is configured, its profile and its bucket.

    ``bucket`` is ``None`` when the profile cannot be resolved (the checks report why);
    ``field`` is the model field for storages given to a ``FileField``; ``alias`` is the
    ``STORAGES`` entry it comes from (a field on the default storage has ``alias="default"``).
    """

    label: str
    profile: str
    bucket: str | None
    field: FileField | None = attrs.field(default=None, eq=False)
    alias: str | None = None


def _configured_bucket(profile_name: str, bucket: str, static: bool) -> str | None:
    profile = configuration().profiles.get(profile_name)
    if bucket or profile is None:
        return bucket or None
    return profile.static_bucket if static else profile.default_bucket


def storage_uses() -> tuple[StorageUse, ...]:
    """Every ``STORAGES`` entry and every model ``FileField`` that uses one of our storages.

    Makes no network call and never builds a ``STORAGES`` entry: a broken entry is skipped here
    (the system checks report it).
    """
    entries = _entry_uses()
    return (*entries, *_field_uses({use.alias: use for use in entries}))


def _entry_uses() -> list[StorageUse]:
    from django.utils.module_loading import import_string

    uses: list[StorageUse] = []
    options_aliases = configuration().options_aliases
    for entry in configured_storages():
        try:
            backend = import_string(entry.backend)
        except ImportError:
            continue
        if not (isinstance(backend, type) and issubclass(backend, MinioBackend)):
            continue
        profile_name = options_aliases.get(entry.alias) or entry.options.get("profile", "default")
        bucket = entry.options.get("bucket_name", "")
        if not (isinstance(profile_name, str) and isinstance(bucket, str)):
            continue
        resolved = _configured_bucket(profile_name, bucket, backend.uses_static_bucket)
        uses.append(
            StorageUse(f"STORAGES[{entry.alias!r}]", profile_name, resolved, alias=entry.alias)
        )
    return uses


def _field_uses(by_alias: Mapping[str | None, StorageUse]) -> list[StorageUse]:
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db.models import FileField

    uses: list[StorageUse] = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
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
            storage = cast(MinioBackend, storage)
            try:
                profile_name = storage.profile_name
            except ConfigurationError:
                continue
            try:
                resolved: str | None = storage.bucket_name
            except ConfigurationError:
                resolved = None
            uses.append(StorageUse(label, profile_name, resolved, field))
    return uses
