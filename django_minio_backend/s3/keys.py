"""Which storage names become S3 object keys, checked before any request is sent."""

from __future__ import annotations

import re
from typing import Final

from django.core.exceptions import SuspiciousFileOperation

__all__ = ["MAX_KEY_BYTES", "MAX_SEGMENT_BYTES", "object_key", "prefix_key"]

MAX_KEY_BYTES: Final = 1024  # S3's limit on the UTF-8 length of a key
MAX_SEGMENT_BYTES: Final = 255  # MinIO and SeaweedFS store keys as paths: a file name's limit
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f\\]")


def object_key(name: str) -> str:
    """The S3 key for a storage ``name``; refuses names that could escape or be rewritten.

    Refused: empty or blank names, invalid Unicode, a leading or trailing ``/``, empty, ``.`` or
    ``..`` segments, control characters (NUL included), backslashes (some servers, SeaweedFS
    among them, turn them into ``/``), keys longer than 1024 bytes and path segments longer than
    255 bytes. The key is the name itself: what is accepted is stored and listed under exactly
    that key.
    """
    if not isinstance(name, str) or not name:
        raise SuspiciousFileOperation(f"object name must be a non-empty string, got {name!r}")
    if _CONTROL.search(name):
        raise SuspiciousFileOperation(
            f"object name {name!r} holds a control character or a backslash"
        )
    if name[0] == "/" or name[-1] == "/":
        raise SuspiciousFileOperation(f"object name {name!r} must not start or end with '/'")
    if "//" in name or ("." in name and any(part in {".", ".."} for part in name.split("/"))):
        raise SuspiciousFileOperation(
            f"object name {name!r} holds an empty, '.' or '..' path segment"
        )
    if not name.strip():
        raise SuspiciousFileOperation(f"object name {name!r} is blank")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise SuspiciousFileOperation(f"object name {name!r} is not valid Unicode") from None
    if size > MAX_KEY_BYTES:
        raise SuspiciousFileOperation(
            f"object name {name[:40]!r}... is longer than {MAX_KEY_BYTES} bytes in UTF-8"
        )
    if size > MAX_SEGMENT_BYTES and any(
        len(part.encode("utf-8")) > MAX_SEGMENT_BYTES for part in name.split("/")
    ):
        raise SuspiciousFileOperation(
            f"object name {name[:40]!r}... has a path segment longer than {MAX_SEGMENT_BYTES} "
            "bytes, which servers refuse"
        )
    return name


def prefix_key(path: str) -> str:
    """The listing prefix for a directory ``path`` (``""`` for the root, else ``"path/"``)."""
    path = path.strip("/") if isinstance(path, str) else path
    if not path:
        return ""
    return object_key(path) + "/"
