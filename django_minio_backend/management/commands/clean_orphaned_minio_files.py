"""``manage.py clean_orphaned_minio_files --profile NAME --bucket NAME [--delete]``.

Orphans are objects of the bucket that no ``FileField`` on a storage of that profile and bucket
references. Only that one bucket is read, and written to only with ``--delete``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any, Final

import urllib3
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from minio.deleteobjects import DeleteObject
from minio.error import MinioException, S3Error

from django_minio_backend.administration.storage_usage import StorageUse, storage_uses
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.management.selection import known_profiles, valid_configuration
from django_minio_backend.s3.clients import ProfileClients, profile_clients
from django_minio_backend.s3.health import describe_error

DB_CHUNK: Final = 2000


def _referenced_names(uses: list[StorageUse]) -> set[str]:
    """Every file name stored in the given fields (rows read in chunks)."""
    names: set[str] = set()
    for use in uses:
        field = use.field
        assert field is not None
        rows = (
            field.model._base_manager.exclude(**{f"{field.attname}__isnull": True})
            .exclude(**{field.attname: ""})
            .values_list(field.attname, flat=True)
        )
        names.update(str(name) for name in rows.iterator(chunk_size=DB_CHUNK))
    return names


class Command(BaseCommand):
    help = "List the objects of one bucket that no FileField references; delete them with --delete."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--profile", required=True, metavar="NAME", help="the profile")
        parser.add_argument("--bucket", required=True, metavar="NAME", help="the bucket")
        parser.add_argument(
            "--delete", action="store_true", help="delete the orphans (default: only list them)"
        )
        parser.add_argument(
            "--min-age",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="keep objects modified less than SECONDS before the database was read "
            "(protects uploads whose database row is not committed yet); default 0",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        profile_name: str = options["profile"]
        bucket: str = options["bucket"]
        current = valid_configuration()
        if profile_name not in current.profiles:
            raise CommandError(
                f"unknown profile {profile_name!r}; known profiles: {known_profiles(current)}"
            )
        try:
            clients = profile_clients(profile_name)
        except ConfigurationError as exc:  # pragma: no cover - validated just above
            raise CommandError(str(exc)) from exc
        uses = [
            use
            for use in storage_uses()
            if use.field is not None and use.profile == profile_name and use.bucket == bucket
        ]
        if not uses:
            raise CommandError(
                f"no FileField stores files in bucket {bucket!r} of profile {profile_name!r}: "
                "every object would count as orphaned, so nothing was listed"
            )
        read_at = timezone.now()
        referenced = _referenced_names(uses)
        cutoff = read_at - timedelta(seconds=max(options["min_age"], 0.0))
        try:
            self._clean(clients, bucket, referenced, cutoff, delete=options["delete"])
        except S3Error as exc:
            raise CommandError(
                f"profile {profile_name!r} bucket {bucket!r}: "
                f"{describe_error(exc, clients.profile)}"
            ) from exc
        except (urllib3.exceptions.HTTPError, OSError, MinioException) as exc:
            raise CommandError(
                f"profile {profile_name!r}: the server at {clients.profile.base_url} is "
                f"unreachable: {describe_error(exc, clients.profile)}"
            ) from exc

    def _clean(
        self,
        clients: ProfileClients,
        bucket: str,
        referenced: set[str],
        cutoff: datetime,
        *,
        delete: bool,
    ) -> None:
        client = clients.internal
        total = present = recent = 0
        orphans: list[str] = []
        for item in client.list_objects(bucket, recursive=True):
            name = item.object_name
            if item.is_dir or name is None or name.endswith("/"):
                continue  # a folder marker, not a file
            total += 1
            if name in referenced:
                present += 1
            elif item.last_modified is not None and item.last_modified >= cutoff:
                recent += 1
            else:
                orphans.append(name)
                self.stdout.write(name)
        failures = list(client.remove_objects(bucket, _deletions(orphans))) if delete else []
        for failure in failures:
            self.stderr.write(
                f"could not delete {failure.name!r}: {failure.code}: {failure.message}"
            )
        parts = [_count(total, "object"), f"{present} referenced", f"{len(orphans)} orphaned"]
        if recent:
            parts.append(f"{recent} unreferenced but too recent to judge (kept)")
        if delete:
            parts.append(f"{len(orphans) - len(failures)} deleted")
        summary = f"bucket {bucket!r}: " + ", ".join(parts)
        if len(referenced) > present:
            summary += f"; {_count(len(referenced) - present, 'referenced name')} without an object"
        if orphans and not delete:
            summary += " (listed only: add --delete to delete them)"
        self.stdout.write(summary)
        if failures:
            raise CommandError(
                f"{len(failures)} orphaned objects of bucket {bucket!r} were not deleted"
            )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _deletions(names: list[str]) -> Iterator[DeleteObject]:
    return (DeleteObject(name) for name in names)
