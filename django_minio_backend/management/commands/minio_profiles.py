"""``manage.py minio_profiles [--json]``: every profile, where it comes from and who uses it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any, Final

import attrs
from django.core.management.base import BaseCommand, CommandError, CommandParser

from django_minio_backend.administration.storage_usage import storage_uses
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.profiles.credential_sources import describe_credentials
from django_minio_backend.profiles.encryption import Encryption
from django_minio_backend.profiles.model import FIELD_SPECS, MinioProfile
from django_minio_backend.profiles.rules import human_size
from django_minio_backend.profiles.sources import configuration

MASK: Final = "***"  # what secrets are shown as


def _json_value(value: Any) -> Any:
    """A field's value for JSON: tuples as lists, a timedelta in seconds (as the dict form takes
    it), a policy hook as its bucket, encryption as its mode (never a key), any other object (a
    PoolManager) as its type name."""
    if isinstance(value, Encryption):
        return value.describe()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        return int(seconds) if seconds.is_integer() else seconds
    if isinstance(value, tuple):
        return [item[0] if isinstance(item, tuple) else _json_value(item) for item in value]
    return type(value).__name__


def _describe(
    name: str, source: str, profile: MinioProfile | None, uses: list[str]
) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name, "source": source, "valid": profile is not None}
    if profile is not None:
        entry.update(base_url=profile.base_url, external_base_url=profile.external_base_url)
        for field, spec in FIELD_SPECS.items():
            value = getattr(profile, field)
            if spec.secret:
                entry[field] = None if value is None else MASK
            elif field == "credentials":
                entry[field] = describe_credentials(value)
            else:
                entry[field] = _json_value(value)
    entry["storages"] = uses
    return entry


def _label(field: str) -> str:
    # Durations are listed in seconds (as in the JSON), so their label says so.
    duration = "timedelta" in str(attrs.fields_dict(MinioProfile)[field].type)
    return field.replace("_", " ") + (" (s)" if duration else "")


# The text listing: every field of the JSON, labelled like the field.
_LABELS: Final = {
    "base_url": "base URL",
    "external_base_url": "external base URL",
    **{field: _label(field) for field in FIELD_SPECS},
    "storages": "used by",
}


def _text(key: str, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "-"
    spec = FIELD_SPECS.get(key)
    if spec is not None and spec.size and isinstance(value, int):
        return f"{value} ({human_size(value)})"
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
        width = max(map(len, _LABELS.values())) + 1
        for entry in entries:
            self.stdout.write(self.style.MIGRATE_HEADING(f"{entry['name']} ({entry['source']})"))
            if not entry["valid"]:
                self.stdout.write(f"  {'invalid:':<{width}} see the problems below")
            for key, label in _LABELS.items():
                if key in entry:
                    self.stdout.write(f"  {label + ':':<{width}} {_text(key, entry[key])}")
