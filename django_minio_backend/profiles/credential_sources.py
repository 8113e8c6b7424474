"""Where a profile's keys come from when they are not written in it: the profile field
``credentials``, ``"env"``, ``{"file": path, "profile": name}`` or a ``minio.credentials.Provider``.

Only the description lives here; ``s3.credentials`` turns it into a provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs
from minio.credentials.providers import Provider

__all__ = [
    "CREDENTIALS_HINT",
    "ENV",
    "CredentialsFile",
    "as_credentials",
    "credentials_problem",
    "describe_credentials",
]

ENV: Final = "env"
DEFAULT_FILE_PROFILE: Final = "default"
CREDENTIALS_HINT: Final = (
    "use 'env', {'file': '/path/to/credentials', 'profile': 'NAME'} or a "
    "minio.credentials.Provider, or leave it out and set access_key and secret_key"
)


@attrs.frozen
class CredentialsFile:
    """An AWS-style credentials file (``aws_access_key_id``, ``aws_secret_access_key``,
    ``aws_session_token``) and the ``[profile]`` section to read."""

    path: str
    profile: str = DEFAULT_FILE_PROFILE


def credentials_problem(value: Any) -> str | None:
    """Why ``value`` is no credentials source, or ``None``."""
    if value is None or value == ENV or isinstance(value, CredentialsFile | Provider):
        return None
    if isinstance(value, str):
        return f"expected 'env', a dict or a Provider, got {value[:20]!r}"
    if not isinstance(value, Mapping):
        return f"expected 'env', a dict or a minio.credentials.Provider, got {type(value).__name__}"
    unknown = sorted(str(key) for key in value if key not in {"file", "profile"})
    if unknown or "file" not in value:
        return f"expected the keys 'file' and (optionally) 'profile', got {sorted(map(str, value))}"
    for key in ("file", "profile"):
        if key in value and (not isinstance(value[key], str) or not value[key].strip()):
            return f"{key}: expected a non-empty string"
    return None


def as_credentials(value: Any) -> Any:
    """``{"file": ..., "profile": ...}`` as a ``CredentialsFile``; anything else unchanged."""
    if isinstance(value, Mapping) and credentials_problem(value) is None:
        return CredentialsFile(value["file"], value.get("profile", DEFAULT_FILE_PROFILE))
    return value


def describe_credentials(value: Any) -> str:
    """Where the keys come from, without any key: for ``repr`` and ``minio_profiles``."""
    if value is None:
        return "access_key/secret_key"
    if value == ENV:
        return "env (MINIO_ACCESS_KEY/MINIO_SECRET_KEY, else AWS_ACCESS_KEY_ID/...)"
    if isinstance(value, CredentialsFile):
        return f"file {value.path} [{value.profile}]"
    return f"provider {type(value).__name__}"
