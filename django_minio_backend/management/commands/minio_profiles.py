"""``manage.py minio_profiles [--json]``: every profile, where it comes from and who uses it."""

from __future__ import annotations

import json
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_minio_backend.administration.storage_usage import storage_uses
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.sources import configuration

MASK: Final = "***"  # what secrets are shown as


def _describe(
    name: str, source: str, profile: MinioProfile | None, uses: list[str]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "source": source, "valid": profile is not None}
    if profile is not None:
        entry.update(
            endpoint=profile.base_url,
            external_endpoint=profile.external_base_url,
            region=profile.region,
            access_key=MASK,
            secret_key=MASK,
            private_buckets=list(profile.private_buckets),
            public_buckets=list(profile.public_buckets),
            default_bucket=profile.default_bucket,
            static_bucket=profile.static_bucket,
            policy_hooks=[bucket for bucket, _policy in profile.policy_hooks],
            url_expiry_seconds=int(profile.url_expiry.total_seconds()),
            bucket_check_on_save=profile.bucket_check_on_save,
            consistency_check_on_start=profile.consistency_check_on_start,
        )
    entry["storages"] = uses
    return entry


_TEXT_FIELDS: Final = (
    ("endpoint", "endpoint"),
    ("external_endpoint", "external endpoint"),
    ("region", "region"),
    ("access_key", "access key"),
    ("secret_key", "secret key"),
    ("private_buckets", "private buckets"),
    ("public_buckets", "public buckets"),
    ("default_bucket", "default bucket"),
    ("static_bucket", "static bucket"),
    ("policy_hooks", "policy hooks on"),
    ("url_expiry_seconds", "URL expiry (s)"),
    ("bucket_check_on_save", "bucket check on save"),
    ("consistency_check_on_start", "consistency check on start"),
    ("storages", "used by"),
)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    return str(value)


class Command(BaseCommand):
    help = "List every MinIO profile: its source, endpoints, buckets and the storages using it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON for machines")

    def handle(self, *args: Any, **options: Any) -> None:
        current = configuration()
        try:
            uses = storage_uses()
        except ConfigurationError:  # pragma: no cover - storage_uses skips broken entries
            uses = ()
        entries = [
            _describe(
                name,
                source,
                current.profiles.get(name),
                [use.label for use in uses if use.profile == name],
            )
            for name, source in current.sources.items()
        ]
        problems = [str(problem) for problem in current.problems]
        if options["json"]:
            self.stdout.write(json.dumps({"profiles": entries, "problems": problems}, indent=2))
        else:
            self._print(entries)
        if problems:
            raise CommandError(
                f"the MinIO configuration has {len(problems)} problem(s):\n"
                + "\n".join(f"  - {problem}" for problem in problems)
                + "\nRun `manage.py check` for how to fix them."
            )

    def _print(self, entries: list[dict[str, Any]]) -> None:
        if not entries:
            self.stdout.write("no MinIO profile is configured")
        width = max(len(label) for _key, label in _TEXT_FIELDS) + 1
        for entry in entries:
            self.stdout.write(self.style.MIGRATE_HEADING(f"{entry['name']} ({entry['source']})"))
            if not entry["valid"]:
                self.stdout.write(f"  {'invalid:':<{width}} see the problems below")
            for key, label in _TEXT_FIELDS:
                if key in entry:
                    self.stdout.write(f"  {label + ':':<{width}} {_text(entry[key])}")
