"""``manage.py clean_orphaned_minio_files --profile NAME --bucket NAME [--delete]``.

Orphans are objects of the bucket that no ``FileField`` on a storage of that profile and bucket
references (``administration.orphans`` finds and deletes them). Only that one bucket is read,
and written to only with ``--delete``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_minio_backend.administration.orphans import OrphanError, OrphanReport, clean_orphans
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.management.selection import selected_profiles


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
        (profile_name,) = selected_profiles([options["profile"]])
        try:
            report = clean_orphans(
                profile_name,
                options["bucket"],
                delete=options["delete"],
                min_age=timedelta(seconds=max(options["min_age"], 0.0)),
                on_orphan=self.stdout.write,
            )
        except (ConfigurationError, OrphanError) as exc:
            raise CommandError(str(exc)) from exc
        self._print(report)

    def _print(self, report: OrphanReport) -> None:
        deletion = report.deletion
        if deletion is not None:
            for failure in deletion.failures:
                self.stderr.write(
                    f"could not delete {failure.name!r}: {failure.code}: {failure.message}"
                )
            if deletion.failed > len(deletion.failures):
                self.stderr.write(f"... and {deletion.failed - len(deletion.failures)} more")
        self.stdout.write(_summary(report))
        if deletion is not None and deletion.failed:
            raise CommandError(
                f"{deletion.failed} orphaned objects of bucket {report.bucket!r} were not deleted"
            )


def _summary(report: OrphanReport) -> str:
    """``bucket 'media': 4 objects, 2 referenced, 2 orphaned; ...``."""
    parts = [
        _count(report.objects, "object"),
        f"{report.referenced} referenced",
        f"{report.orphaned} orphaned",
    ]
    if report.recent:
        parts.append(f"{report.recent} unreferenced but too recent to judge (kept)")
    if report.deletion is not None:
        parts.append(f"{report.deletion.deleted} deleted")
    summary = f"bucket {report.bucket!r}: " + ", ".join(parts)
    if report.missing:
        summary += f"; {_count(report.missing, 'referenced name')} without an object"
    if report.orphaned and report.deletion is None:
        summary += " (listed only: add --delete to delete them)"
    return summary


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
