"""The keyword arguments (``STORAGES[alias]["OPTIONS"]``) a MinIO storage accepts, by name."""

from __future__ import annotations

import base64
import difflib
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, urlencode, urlsplit

import attrs
from django.core.exceptions import SuspiciousFileOperation
from django.utils.http import http_date

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.encryption import Encryption, as_encryption, encryption_problem
from django_minio_backend.s3.keys import object_key

__all__ = [
    "OBJECT_PARAMETERS",
    "STORAGE_OPTIONS",
    "ObjectOptions",
    "object_options_from",
    "object_parameter_problems",
    "object_parameters_headers",
    "storage_option_problems",
]

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
    "location",
    "public_base_url",
    "object_parameters",
)

# The keys of ``object_parameters`` (django-storages' names) and the PUT header each one sets;
# Metadata and Tagging take a dict.
OBJECT_PARAMETERS: Final = {
    "CacheControl": "Cache-Control",
    "ContentDisposition": "Content-Disposition",
    "ContentEncoding": "Content-Encoding",
    "ContentLanguage": "Content-Language",
    "Expires": "Expires",
    "Metadata": "x-amz-meta-",
    "Tagging": "x-amz-tagging",
    "StorageClass": "x-amz-storage-class",
}
_STORAGE_CLASS: Final = re.compile(r"[A-Z][A-Z0-9_]{0,63}")
_MAX_TAGS: Final = 10  # S3's limit per object


@attrs.frozen
class ObjectOptions:
    """Headers applied to every object a storage writes."""

    cache_control: str | None = None
    content_disposition: str | None = None
    metadata: Mapping[str, str] = attrs.field(factory=dict)
    # Off: on a public bucket, HTML, SVG, XML and JavaScript are stored as attachments.
    inline_active_content: bool = False
    location: str = ""
    """The key prefix of every object, without slashes at either end ("" for none)."""
    public_base_url: str | None = None
    """Without a trailing slash."""
    object_parameters: Mapping[str, Any] = attrs.field(factory=dict)
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


def object_parameters_headers(parameters: Mapping[str, Any]) -> dict[str, str]:
    """The PUT headers of checked ``object_parameters`` (see ``object_parameter_problems``)."""
    headers: dict[str, str] = {}
    for key, value in parameters.items():
        header = OBJECT_PARAMETERS[key]
        if key == "Metadata":
            headers.update({f"x-amz-meta-{k}": _header_value(v) for k, v in value.items()})
        elif key == "Tagging":
            headers[header] = value if isinstance(value, str) else urlencode(value, quote_via=quote)
        elif key == "Expires" and isinstance(value, datetime):
            headers[header] = http_date(value.timestamp())
        else:
            headers[header] = value
    return headers


def _text_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if not value.isascii() or not value.isprintable():
        return "must be printable ASCII on one line (HTTP headers are)"
    return None


def _metadata_problem(value: Any) -> str | None:
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


def _object_parameter_problem(key: str, value: Any) -> str | None:
    if key == "Metadata":
        return _metadata_problem(value)
    if key == "Tagging":
        if isinstance(value, str):
            return _text_problem(value)
        if not isinstance(value, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return "expected a dict of tag -> value (or a URL-encoded string)"
        if len(value) > _MAX_TAGS:
            return f"S3 keeps at most {_MAX_TAGS} tags per object, got {len(value)}"
        return None
    if key == "Expires":
        if isinstance(value, datetime):
            return None if value.tzinfo is not None else "expected an aware datetime"
        return _text_problem(value)
    if key == "StorageClass":
        if not isinstance(value, str) or not _STORAGE_CLASS.fullmatch(value):
            return f"expected a storage class such as 'STANDARD', got {value!r}"
        return None
    return _text_problem(value)


def object_parameter_problems(parameters: Any) -> list[str]:
    """What is wrong with an ``object_parameters`` dict (or a ``get_object_parameters`` result)."""
    if not isinstance(parameters, Mapping):
        return [f"expected a dict, got {type(parameters).__name__}"]
    problems = []
    for key, value in parameters.items():
        if key not in OBJECT_PARAMETERS:
            guess = difflib.get_close_matches(str(key), OBJECT_PARAMETERS, n=1)
            extra = f" (did you mean {guess[0]!r}?)" if guess else ""
            problems.append(
                f"unknown object parameter {key!r}{extra}; valid: " + ", ".join(OBJECT_PARAMETERS)
            )
            continue
        message = _object_parameter_problem(key, value)
        if message:
            problems.append(f"{key}: {message}")
    return problems


def _location_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    prefix = value.strip("/")
    if not prefix:
        return None
    try:
        object_key(prefix)
    except SuspiciousFileOperation as exc:
        return f"must be a valid key prefix: {exc}"
    if len(prefix.encode("utf-8", "surrogatepass")) > _MAX_LOCATION_BYTES:
        return f"must be at most {_MAX_LOCATION_BYTES} bytes in UTF-8"
    return None


def _public_base_url_problem(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        return (
            f"expected a string such as 'https://cdn.example.com/media', got {type(value).__name__}"
        )
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return (
            f"must be an http or https URL such as 'https://cdn.example.com/media', got {value!r}"
        )
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        return f"must have no query or fragment, got {value!r}"
    if not value.isascii() or not value.isprintable() or " " in value:
        return f"must be printable ASCII without spaces (quote it), got {value!r}"
    return None


_MAX_LOCATION_BYTES: Final = 512


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
        return _metadata_problem(value)
    if key == "location":
        return _location_problem(value)
    if key == "public_base_url":
        return _public_base_url_problem(value)
    if key == "object_parameters":
        return "; ".join(object_parameter_problems(value)) or None
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
        location=str(options.get("location") or "").strip("/"),
        public_base_url=(options.get("public_base_url") or "").rstrip("/") or None,
        object_parameters=dict(options.get("object_parameters") or {}),
        encryption=as_encryption(options.get("encryption")),
    )
