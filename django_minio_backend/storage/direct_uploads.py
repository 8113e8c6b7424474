"""The rules of direct (browser) uploads that do not depend on Django forms: expiry, content
types, the random part of an upload's name."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Final, Literal

from django_minio_backend.profiles.model import MinioProfile

__all__ = [
    "DEFAULT_UPLOAD_EXPIRY",
    "MAX_UPLOAD_EXPIRY",
    "content_type_allowed",
    "content_type_condition",
    "normalized_content_type",
    "random_name",
    "upload_expiry",
]

DEFAULT_UPLOAD_EXPIRY: Final = timedelta(hours=1)
"""An upload's signature is valid for this long, or for the profile's ``url_expiry`` if shorter."""
MAX_UPLOAD_EXPIRY: Final = timedelta(days=7)  # SigV4's limit
RANDOM_BYTES: Final = 8


def upload_expiry(expire: timedelta | int | float | None, profile: MinioProfile) -> int:
    """``expire`` in whole seconds (1 s to 7 days); ``None``: one hour, or the profile's
    ``url_expiry`` when that is shorter."""
    if expire is None:
        return int(min(DEFAULT_UPLOAD_EXPIRY, profile.url_expiry).total_seconds())
    if isinstance(expire, bool) or not isinstance(expire, timedelta | int | float):
        raise TypeError(f"expire must be a timedelta or a number of seconds, got {expire!r}")
    seconds = expire.total_seconds() if isinstance(expire, timedelta) else float(expire)
    if not 1 <= seconds <= MAX_UPLOAD_EXPIRY.total_seconds():
        raise ValueError(f"expire must be between 1 second and 7 days, got {seconds:g} seconds")
    return int(seconds)


def random_name(root: str, ext: str) -> str:
    """``root`` and ``ext`` with a random part between them: ``report_3f9a0c1d2b4e5f60.pdf``."""
    return f"{root}_{secrets.token_hex(RANDOM_BYTES)}{ext}"


def normalized_content_type(value: str) -> str:
    """``Image/PNG; charset=x`` -> ``image/png``."""
    return value.split(";", 1)[0].strip().lower()


def _pattern(entry: str) -> str:
    entry = normalized_content_type(entry)
    if not entry or entry.count("/") != 1 or entry.startswith("/"):
        raise ValueError(
            f"content type {entry!r} must look like 'image/png' or 'image/*' (a whole family)"
        )
    return entry


def content_type_allowed(content_type: str, allowed: Iterable[str] | None) -> bool:
    """Whether ``content_type`` matches one of ``allowed`` (``None``: any); an entry
    ``image/*`` matches every ``image/...`` type."""
    if allowed is None:
        return True
    value = normalized_content_type(content_type)
    for entry in map(_pattern, allowed):
        if entry.endswith("/*"):
            if value.startswith(entry[:-1]) and len(value) > len(entry) - 1:
                return True
        elif value == entry:
            return True
    return False


def content_type_condition(
    content_types: Sequence[str] | None,
) -> tuple[Literal["eq", "starts-with"], str] | None:
    """The ``Content-Type`` condition of a POST policy for ``content_types``.

    A policy can only say "equals" or "starts with": one exact type is pinned, one family
    (``image/*``) or several types of one family become "starts with ``image/``". Types of
    several families cannot be expressed: ``ValueError``.
    """
    if content_types is None:
        return None
    patterns = [_pattern(entry) for entry in content_types]
    if not patterns:
        raise ValueError("content_types is empty: no upload could ever be accepted")
    if len(patterns) == 1 and not patterns[0].endswith("/*"):
        return ("eq", patterns[0])
    families = {pattern.split("/", 1)[0] for pattern in patterns}
    if len(families) != 1:
        raise ValueError(
            f"content types {patterns} are of several families; an upload policy can only "
            "require one exact type or one family (e.g. 'image/*'): sign one upload per type"
        )
    return ("starts-with", families.pop() + "/")
