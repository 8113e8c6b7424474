"""The rules of profile fields: each says why a value is wrong, or returns ``None``.

A rule receives the value after the field's converter and checks its type and its value, so it
works for ``MinioProfile(...)`` as well as for the structured dict form. A rule never echoes a
secret: ``secret`` describes a wrong value by its type only.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Final

import urllib3

from django_minio_backend.profiles.bucket_names import bucket_name_problem

__all__ = [
    "MAX_PART_SIZE",
    "MAX_RETRIES",
    "MAX_SINGLE_PUT",
    "MAX_URL_EXPIRY",
    "MIN_PART_SIZE",
    "GiB",
    "MiB",
    "Rule",
    "boolean",
    "bucket",
    "bucket_list",
    "byte_size",
    "endpoint",
    "human_duration",
    "human_size",
    "integer",
    "optional_path",
    "optional_secret",
    "policy_hooks",
    "pool_manager",
    "positive_seconds",
    "region",
    "secret",
    "shown",
    "url_expiry",
    "url_signing_window",
]

Rule = Callable[[Any], "str | None"]

MiB: Final = 1024 * 1024
GiB: Final = 1024 * MiB
MAX_URL_EXPIRY: Final = timedelta(days=7)  # the longest validity SigV4 allows
MIN_PART_SIZE: Final = 5 * MiB  # S3's smallest multipart part (but the last)
MAX_PART_SIZE: Final = 5 * GiB
MAX_SINGLE_PUT: Final = 5 * GiB  # S3's largest object in one PUT
MAX_RETRIES: Final = 100

# ASCII classes, no IGNORECASE: with it, [a-z] also matches the Kelvin sign and the long s.
_HOST_LABEL: Final = re.compile(r"(?!-)[A-Za-z0-9_-]{1,63}(?<!-)")
_REGION: Final = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def shown(value: Any) -> str:
    """A short description of a wrong value: the value itself for small scalars, else its type."""
    if isinstance(value, bool | int | float | str) and len(repr(value)) <= 60:
        return repr(value)
    return type(value).__name__


def human_size(size: int) -> str:
    """``5 GiB``, ``16 MiB``, ``1 byte``: a byte count in the largest binary unit dividing it."""
    for unit, factor in (("GiB", GiB), ("MiB", MiB), ("KiB", 1024)):
        if size and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} byte" + ("" if size == 1 else "s")


def _string(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"expected a string, got {shown(value)}"
    if not value.strip():
        return "must not be empty"
    return None


def secret(value: Any) -> str | None:
    """A non-empty string; a wrong value is described by its type, never echoed."""
    if not isinstance(value, str):
        return f"expected a string, got {type(value).__name__}"
    if not value:
        return "must not be empty (is the environment variable holding it set?)"
    return None


def optional_secret(value: Any) -> str | None:
    """``None`` or a non-empty string, described by its type only."""
    return None if value is None else secret(value)


def boolean(value: Any) -> str | None:
    """``True`` or ``False``; ``"false"`` and ``1`` are mistakes, not booleans."""
    if isinstance(value, bool):
        return None
    return f"expected True or False, got {shown(value)}"


def endpoint(value: Any) -> str | None:
    """``host`` or ``host:port`` as the minio SDK takes it: no scheme, path or user name."""
    return _string(value) or _endpoint_problem(value)


def _endpoint_problem(value: str) -> str | None:
    # Checked first and never echoed: what precedes the '@' may be a password.
    if "@" in value:
        return (
            "must not hold a user name or password ('...@'); "
            "credentials go in access_key and secret_key"
        )
    if "://" in value:
        return f"must be host or host:port without a scheme, got {value!r} (drop the scheme)"
    if "/" in value or "?" in value or "#" in value:
        return f"must be host or host:port without a path, got {value!r}"
    if any(ch.isspace() for ch in value):
        return f"must not contain whitespace, got {value!r}"
    if value.startswith("["):
        address, closed, rest = value[1:].partition("]")
        if not closed or (rest and not rest.startswith(":")):
            return f"must be [IPv6 address] or [IPv6 address]:port, got {value!r}"
        problem = _ipv6_problem(address, value)
        port = rest[1:] if rest else None
    else:
        if value.count(":") > 1:
            if _is_ipv6(value) or _is_ipv6(value.rpartition(":")[0]):
                return f"an IPv6 address must be in brackets, such as '[::1]:9000', got {value!r}"
            return f"must hold at most one ':' (host:port), got {value!r}"
        host, colon, after = value.partition(":")
        problem = _host_problem(host, value)
        port = after if colon else None
    return problem or (None if port is None else _port_problem(port, value))


def _is_ipv6(text: str) -> bool:
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return "%" not in text


def _ipv6_problem(address: str, value: str) -> str | None:
    if _is_ipv6(address):
        return None
    return f"brackets must hold an IPv6 address (without a zone id), got {value!r}"


def _host_problem(host: str, value: str) -> str | None:
    if not host:
        return f"host is missing in {value!r}"
    if not host.isascii():
        return f"host must be ASCII: write a non-ASCII name in IDNA form (xn--...), got {value!r}"
    if len(host) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in host.split(".")):
        return (
            f"host {host!r} is not a host name: labels of letters, digits, hyphens and "
            "underscores (1 to 63 each, no hyphen first or last) separated by single dots"
        )
    return None


def _port_problem(port: str, value: str) -> str | None:
    if not port:
        return f"port is missing after ':' in {value!r}"
    if port.isdigit() and not port.isascii():
        return f"port must be written in ASCII digits (0-9), got {value!r}"
    if not (port.isascii() and port.isdigit()) or not 0 < int(port) < 65536:
        return f"port must be a number from 1 to 65535, got {value!r}"
    return None


def region(value: Any) -> str | None:
    """An S3 region name such as ``us-east-1``: letters, digits and hyphens."""
    problem = _string(value)
    if problem is None and not _REGION.fullmatch(value):
        problem = (
            "must look like an S3 region such as 'us-east-1' (letters, digits and hyphens, "
            f"at most 63 characters), got {value!r}"
        )
    return problem


def url_expiry(value: Any) -> str | None:
    """A timedelta from 1 second to 7 days (SigV4's limit)."""
    if not isinstance(value, timedelta):
        return f"expected a timedelta or a number of seconds, got {shown(value)}"
    if not timedelta(seconds=1) <= value <= MAX_URL_EXPIRY:
        return f"must be between 1 second and 7 days, got {human_duration(value)}"
    return None


def url_signing_window(value: Any) -> str | None:
    """``None`` (off) or a whole number of seconds, at least 1 second and at most 7 days."""
    if value is None:
        return None
    if not isinstance(value, timedelta):
        return f"expected a timedelta, a number of seconds or None, got {shown(value)}"
    if not timedelta(seconds=1) <= value <= MAX_URL_EXPIRY:
        return f"must be between 1 second and 7 days, got {human_duration(value)}"
    if value % timedelta(seconds=1):
        return f"must be a whole number of seconds, got {human_duration(value)}"
    return None


def human_duration(value: timedelta) -> str:
    if value.total_seconds() and value % timedelta(days=1) == timedelta(0):
        days = value.days
        return f"{days} day" + ("s" if abs(days) != 1 else "")
    return f"{value.total_seconds():g} seconds"


def bucket_list(value: Any) -> str | None:
    """A tuple of valid S3 bucket names (a lone string is the classic mistake)."""
    if isinstance(value, str):
        return f"expected a list of bucket names, got the string {value!r} (write [{value!r}])"
    if not isinstance(value, tuple):
        return f"expected a list of bucket names, got {type(value).__name__}"
    found = [problem for problem in map(bucket_name_problem, value) if problem]
    return "; ".join(found) or None


def bucket(value: Any) -> str | None:
    """One valid S3 bucket name."""
    return _string(value) or bucket_name_problem(value)


def policy_hooks(value: Any) -> str | None:
    """A tuple of ``(bucket, policy dict)`` pairs."""
    if not isinstance(value, tuple):
        return f"expected a list of (bucket, policy dict) pairs, got {type(value).__name__}"
    for index, hook in enumerate(value):
        if not (isinstance(hook, tuple) and len(hook) == 2):
            return f"item {index}: expected a (bucket, policy dict) pair, got {type(hook).__name__}"
        name, policy = hook
        if not isinstance(name, str):
            return f"item {index}: bucket must be a string, got {type(name).__name__}"
        if not isinstance(policy, dict):
            return f"item {index}: policy must be a dict, got {type(policy).__name__}"
    return None


def pool_manager(value: Any) -> str | None:
    """A ``urllib3.PoolManager`` or ``None``."""
    if value is None or isinstance(value, urllib3.PoolManager):
        return None
    return f"expected a urllib3.PoolManager or None, got {type(value).__name__}"


def positive_seconds(value: Any) -> str | None:
    """A finite number of seconds above zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number of seconds, got {shown(value)}"
    if not (math.isfinite(value) and value > 0):
        return f"must be a positive number of seconds, got {value!r}"
    return None


def integer(minimum: int, maximum: int) -> Rule:
    """An int from ``minimum`` to ``maximum`` (``True`` is no int here)."""

    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer, got {shown(value)}"
        if not minimum <= value <= maximum:
            return f"must be at least {minimum} and at most {maximum}, got {value}"
        return None

    return check


def byte_size(minimum: int, maximum: int) -> Rule:
    """A number of bytes from ``minimum`` to ``maximum``."""

    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer number of bytes, got {shown(value)}"
        if not minimum <= value <= maximum:
            return (
                f"must be at least {minimum} and at most {maximum} bytes "
                f"({human_size(minimum)} to {human_size(maximum)}), got {value}"
            )
        return None

    return check


def optional_path(value: Any) -> str | None:
    """A non-empty path string, or ``None``."""
    return None if value is None else _string(value)
