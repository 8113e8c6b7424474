"""Choosing profiles for a management command: ``--profile NAME ...`` or all of them."""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches
from typing import Any

from django.core.management.base import CommandError, CommandParser

from django_minio_backend.profiles.sources import ProfileConfiguration, configuration

__all__ = ["add_profile_argument", "known_profiles", "selected_profiles", "valid_configuration"]


def add_profile_argument(parser: CommandParser, help_text: str) -> None:
    """``--profile NAME [NAME ...]``, repeatable; absent means every profile."""
    parser.add_argument(
        "--profile",
        dest="profiles",
        action="extend",
        nargs="+",
        metavar="NAME",
        help=help_text,
    )


def known_profiles(current: ProfileConfiguration) -> str:
    """The configured profile names, for messages."""
    return ", ".join(repr(name) for name in current.sources) or "none (no profile is configured)"


def valid_configuration() -> ProfileConfiguration:
    """The profile configuration; a ``CommandError`` listing every problem when it is invalid."""
    current = configuration()
    if current.problems:
        lines = "\n".join(f"  - {problem}" for problem in current.problems)
        raise CommandError(
            f"the MinIO configuration has {len(current.problems)} problem(s):\n{lines}\n"
            "Run `manage.py check` for how to fix them."
        )
    return current


def selected_profiles(names: Sequence[str] | None, **_options: Any) -> list[str]:
    """The profiles named on the command line, or every profile; unknown names are an error."""
    current = valid_configuration()
    if not names:
        if not current.profiles:
            raise CommandError(
                "no MinIO profile is configured: define MINIO_PROFILES (or the flat MINIO_* "
                "settings)"
            )
        return list(current.profiles)
    unknown = [name for name in dict.fromkeys(names) if name not in current.profiles]
    if unknown:
        guesses = [
            guess for name in unknown for guess in get_close_matches(name, current.profiles, n=1)
        ]
        guess = f" (did you mean {', '.join(map(repr, guesses))}?)" if guesses else ""
        raise CommandError(
            f"unknown profile {', '.join(map(repr, unknown))}{guess}; known profiles: "
            f"{known_profiles(current)}"
        )
    return list(dict.fromkeys(names))
