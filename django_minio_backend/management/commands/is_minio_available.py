"""``manage.py is_minio_available [--profile NAME ...] [--silenced]``."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_minio_backend.management.selection import add_profile_argument, selected_profiles
from django_minio_backend.s3.health import MinioServerStatus, check_server

MAX_PARALLEL_CHECKS: Final = 8


class Command(BaseCommand):
    help = (
        "Check that the server of each profile answers and accepts its credentials; "
        "exit status 1 if any is down."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_profile_argument(parser, "only these profiles (default: every profile)")
        parser.add_argument("--silenced", action="store_true", help="print nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        names = selected_profiles(options["profiles"])
        with ThreadPoolExecutor(min(MAX_PARALLEL_CHECKS, len(names))) as pool:
            statuses = list(pool.map(check_server, names))
        if not options["silenced"]:
            self._print(statuses)
        down = [status.profile for status in statuses if not status]
        if down:
            raise CommandError(
                f"MinIO is not available for profile {', '.join(map(repr, down))}",
                returncode=1,
            )

    def _print(self, statuses: list[MinioServerStatus]) -> None:
        name_width = max(len(status.profile) for status in statuses)
        url_width = max(len(status.endpoint) for status in statuses)
        for status in statuses:
            state = "available" if status else "DOWN"
            line = (
                f"{status.profile:<{name_width}}  {status.endpoint:<{url_width}}  "
                f"{state:<9}  {status.latency_ms:6.0f} ms"
            )
            if status:
                self.stdout.write(line)
            else:
                self.stdout.write(self.style.ERROR(f"{line}  {status.details}"))
