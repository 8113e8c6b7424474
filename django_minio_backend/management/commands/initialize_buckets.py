"""``manage.py initialize_buckets [--profile NAME ...] [--silenced]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_minio_backend.administration.bucket_setup import failure_summary, initialize_profiles
from django_minio_backend.management.selection import add_profile_argument, selected_profiles


class Command(BaseCommand):
    help = (
        "Create missing buckets and set their policies: public buckets readable by anyone, "
        "private buckets without anonymous access, policy hooks applied. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_profile_argument(parser, "only these profiles (default: every profile)")
        parser.add_argument(
            "--silenced", action="store_true", help="print nothing unless something fails"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        names = selected_profiles(options["profiles"])
        reports = initialize_profiles(names)
        if not options["silenced"]:
            for report in reports:
                line = str(report)
                self.stdout.write(line if report.ok else self.style.ERROR(line))
        failed = [report for report in reports if not report.ok]
        if failed:
            raise CommandError("bucket initialisation failed:\n" + failure_summary(failed))
