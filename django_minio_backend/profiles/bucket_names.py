"""The S3 bucket naming rules, as one function that explains what is wrong."""

from __future__ import annotations

import re
from typing import Final

__all__ = ["BUCKET_NAME_HINT", "bucket_name_problem"]

BUCKET_NAME_HINT: Final = (
    "S3 bucket names are 3 to 63 characters: lowercase letters, digits, dots and hyphens"
)

_ALLOWED: Final = re.compile(r"[a-z0-9.-]+")
_IP_ADDRESS: Final = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_RESERVED_PREFIXES: Final = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES: Final = ("-s3alias", "--ol-s3", "--x-s3", "--table-s3", ".mrap")


def bucket_name_problem(name: str) -> str | None:
    """Why ``name`` is not a valid S3 bucket name, or ``None`` when it is."""
    if not isinstance(name, str):
        return f"bucket name must be a string, got {type(name).__name__}"
    if not 3 <= len(name) <= 63:
        return f"bucket name {name!r} must be 3 to 63 characters long"
    if not _ALLOWED.fullmatch(name):
        return f"bucket name {name!r} may hold only lowercase letters, digits, dots and hyphens"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return f"bucket name {name!r} must start and end with a letter or digit"
    if ".." in name or ".-" in name or "-." in name:
        return f"bucket name {name!r} must not contain '..', '.-' or '-.'"
    if _IP_ADDRESS.fullmatch(name):
        return f"bucket name {name!r} must not look like an IP address"
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        return f"bucket name {name!r} uses a prefix or suffix that S3 reserves"
    return None
