"""The keyword arguments (``STORAGES[alias]["OPTIONS"]``) a MinIO storage accepts, by name."""

from __future__ import annotations

import base64
import difflib
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.encryption import Encryption, as_encryption, encryption_problem

__all__ = ["STORAGE_OPTIONS", "ObjectOptions", "object_options_from", "storage_option_problems"]

# The storage's own arguments; upper-case MINIO_* keys (upstream 4.x layout) are handled separately.
STORAGE_OPTIONS: Final = (
    "profile",
    "bucket_name",
    "replace_existing",
    "cache_control",
    "content_disposition",
    "metadata",
    "encryption",
    "inline_active_content",
)


@attrs.frozen
class ObjectOptions:
    """Headers applied to every object a storage writes."""

    cache_control: str | None = None
    content_disposition: str | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict)
    # Off: on a public bucket, HTML, SVG, XML and JavaScript are stored as attachments.
    inline_active_content: bool = False
    # None: the profile's. Its repr never shows an SSE-C key.
    encryption: Encryption | None = None

    def headers(self) -> dict[str, str]:
        """The HTTP headers these options add to a PUT (user metadata as ``x-amz-meta-*``;
        a non-ASCII value as an RFC 2047 encoded word, as S3 returns such values)."""
        headers = {
            f"x-amz-meta-{key}": _header_value(value) for key, value in self.metadata.items()
        }
        if self.cache_control:
            headers["Cache-Control"] = self.cache_control
        if self.content_disposition:
            headers["Content-Disposition"] = self.content_disposition
        return headers


def _header_value(value: str) -> str:
    if value.isascii():
        return value
    return "=?UTF-8?B?" + base64.b64encode(value.encode("utf-8")).decode("ascii") + "?="


_METADATA_KEY: Final = re.compile(r"[A-Za-z0-9!#$%&'*+.^_`|~-]+")


def _option_problem(key: str, value: Any) -> str | None:
    if key in {"profile", "bucket_name"}:
        return None if isinstance(value, str) else f"expected a string, got {type(value).__name__}"
    if key in {"replace_existing", "inline_active_content"}:
        return None if isinstance(value, bool) else f"expected True or False, got {value!r}"
    if key in {"cache_control", "content_disposition"}:
        if value is None:
            return None
        if not isinstance(value, str):
            return f"expected a string, got {type(value).__name__}"
        if not value.isascii() or "\n" in value or "\r" in value:
            return (
                "must be ASCII on one line (HTTP headers are); for a non-ASCII file name use "
                "filename*=UTF-8''<percent-encoded name> (RFC 6266)"
            )
        return None
    if key == "encryption":
        return encryption_problem(value)
    if key == "metadata":
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return "expected a dict of str -> str"
        for name, item in value.items():
            if not _METADATA_KEY.fullmatch(name):
                return f"metadata key {name!r} must be an ASCII token (letters, digits, - _ .)"
            if "\n" in item or "\r" in item:
                return f"metadata value of {name!r} must be on one line"
        return None
    return None


def storage_option_problems(options: Mapping[str, Any], where: str) -> list[Problem]:
    """Problems with a storage's lower-case options; ``where`` names them (e.g. the alias)."""
    problems = []
    for key, value in options.items():
        if isinstance(key, str) and key.startswith("MINIO_"):
            continue  # upstream layout: a profile of its own, validated with the profiles
        if key not in STORAGE_OPTIONS:
            guess = difflib.get_close_matches(str(key), STORAGE_OPTIONS, n=1)
            hint = (
                f"did you mean {guess[0]!r}?" if guess else "valid: " + ", ".join(STORAGE_OPTIONS)
            )
            problems.append(
                Problem(f"unknown option {key!r}", setting=where, hint=hint, code="E008")
            )
            continue
        message = _option_problem(key, value)
        if message:
            problems.append(Problem(message, setting=f"{where} option {key!r}", code="E008"))
    return problems


def object_options_from(options: Mapping[str, Any], where: str) -> ObjectOptions:
    """Validate ``options`` (raising ``ConfigurationError``) and return the object options."""
    problems = storage_option_problems(options, where)
    if problems:
        raise ConfigurationError.from_problems(problems)
    return ObjectOptions(
        cache_control=options.get("cache_control"),
        content_disposition=options.get("content_disposition"),
        metadata=dict(options.get("metadata") or {}),
        inline_active_content=bool(options.get("inline_active_content", False)),
        encryption=as_encryption(options.get("encryption")),
    )
