"""The errors of django_minio_backend, and the one wording of each kind of failure.

Every error the package defines derives from ``MinioBackendError`` and also from the standard
type callers already catch::

    MinioBackendError(Exception)
    ├── ConfigurationError(ImproperlyConfigured)       every problem named, all reported at once
    │   └── PrivatePublicMixedError                     a bucket both private and public
    ├── ServerUnavailableError(ConnectionError)         no answer: refused, reset, timed out, TLS
    ├── ServerResponseError(OSError)                    an answer that is no S3 error document
    ├── ObjectReadError(OSError)                        (s3.object_reader) reading an opened object
    │   ├── ObjectChangedError, TruncatedObjectError
    └── TransferError(RuntimeError)                     a transfer side or one file's copy failed

A missing object is a plain ``FileNotFoundError`` (``missing_object``), as Django expects; an S3
error document (credentials, permissions...) propagates as ``minio.error.S3Error``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import attrs
from django.core.exceptions import ImproperlyConfigured

__all__ = [
    "MISSING_CODES",
    "ConfigurationError",
    "MinioBackendError",
    "PrivatePublicMixedError",
    "Problem",
    "ServerResponseError",
    "ServerUnavailableError",
    "TransferError",
    "missing_object",
    "unexpected_answer",
    "unreachable",
    "without_secrets",
]

# S3 error codes that mean "this object is not there" (NoSuchBucket: nor is its bucket).
MISSING_CODES: Final = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound", "NoSuchBucket"})
MISSING_BUCKET_CODE: Final = "NoSuchBucket"


def without_secrets(text: str, secrets: Iterable[object]) -> str:
    """``text`` with each secret (a string of 3 characters or more) replaced by ``***``; the
    longest first, so that no part of a longer secret is left when a shorter one is inside it."""
    for secret in sorted((s for s in secrets if isinstance(s, str) and len(s) >= 3), key=len)[::-1]:
        text = text.replace(secret, "***")
    return text


class MinioBackendError(Exception):
    """Base class of every error django_minio_backend raises."""


@attrs.frozen
class Problem:
    """One configuration mistake: where it is, what is wrong and how to fix it.

    ``code`` is the number of the system check that reports it (``E001``, ``W002``...).
    Messages never contain a secret: validators describe secret values, they never echo them.
    """

    message: str
    setting: str | None = None
    profile: str | None = None
    hint: str | None = None
    code: str = "E001"

    def for_profile(self, profile: str) -> Problem:
        """The same problem, attributed to ``profile``."""
        return attrs.evolve(self, profile=profile)

    def __str__(self) -> str:
        parts = []
        if self.profile is not None:
            parts.append(f"profile {self.profile!r}")
        if self.setting is not None:
            parts.append(self.setting)
        parts.append(self.message)
        text = ": ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        return text


# The check id of a bucket listed as both private and public; it selects PrivatePublicMixedError.
MIXED_BUCKET_CODE = "E004"


class ConfigurationError(MinioBackendError, ImproperlyConfigured):
    """The MinIO configuration is wrong. ``problems`` lists every mistake found."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: str | Problem | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            problems = (Problem(problems),)
        elif isinstance(problems, Problem):
            problems = (problems,)
        self.problems = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the MinIO configuration:"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)

    @staticmethod
    def from_problems(problems: Iterable[Problem]) -> ConfigurationError:
        """The right error class for ``problems``: mixed buckets get their own subclass."""
        problems = tuple(problems)
        if any(problem.code == MIXED_BUCKET_CODE for problem in problems):
            return PrivatePublicMixedError(problems)
        return ConfigurationError(problems)


class PrivatePublicMixedError(ConfigurationError):
    """A bucket is listed both as private and as public."""


# --- the server ----------------------------------------------------------------------------------


def _for_profile(profile: str, message: str) -> str:
    return f"profile {profile!r}: {message}"


def unreachable(base_url: str, reason: object) -> str:
    """The one wording of "no answer": ``the server at URL is unreachable: REASON``.

    ``base_url`` is the profile's ``scheme://host:port``; ``reason`` must hold no secret.
    """
    return f"the server at {base_url} is unreachable: {reason}"


def unexpected_answer(base_url: str, status: int | None, reason: object) -> str:
    """The one wording of an answer that is no S3 error document (an HTML 502, a bare 500)."""
    shown = f" (HTTP {status})" if status is not None else ""
    return f"the server at {base_url} sent an unexpected answer{shown}: {reason}"


def missing_object(
    profile: str, bucket: str, key: str, code: str | None = None
) -> FileNotFoundError:
    """The one ``FileNotFoundError`` for an object that is not there (``code``: the S3 code)."""
    if code == MISSING_BUCKET_CODE:
        message = f"object {key!r} not found: bucket {bucket!r} does not exist"
    else:
        message = f"object {key!r} not found in bucket {bucket!r}"
    return FileNotFoundError(_for_profile(profile, message))


class ServerUnavailableError(MinioBackendError, ConnectionError):
    """A MinIO server could not be reached, or did not answer within the profile's timeouts.

    ``endpoint`` is the profile's base URL (``http://host:port``); ``detail`` the message
    without the profile; the urllib3 (or socket) error is the ``__cause__``.
    """

    def __init__(self, profile: str, endpoint: str, reason: object) -> None:
        self.profile = profile
        self.endpoint = endpoint
        self._reason = str(reason)
        self.detail = unreachable(endpoint, reason)
        super().__init__(_for_profile(profile, self.detail))

    def __reduce__(self) -> tuple[type[ServerUnavailableError], tuple[str, str, str]]:
        return type(self), (self.profile, self.endpoint, self._reason)


class ServerResponseError(MinioBackendError, OSError):
    """The server answered with an error that is not an S3 error document: a bare 5xx to a HEAD,
    a proxy's HTML 502, an answer the SDK cannot read.

    ``status`` is the HTTP status (``None`` when unknown), ``code`` the S3 error code when one is
    known; ``endpoint`` the profile's base URL; the SDK's error is the ``__cause__``.
    """

    def __init__(
        self,
        profile: str,
        endpoint: str,
        status: int | None,
        reason: object,
        code: str | None = None,
    ) -> None:
        self.profile = profile
        self.endpoint = endpoint
        self.status = status
        self.code = code
        self._reason = str(reason)
        self.detail = unexpected_answer(endpoint, status, reason)
        super().__init__(_for_profile(profile, self.detail))

    def __reduce__(
        self,
    ) -> tuple[type[ServerResponseError], tuple[str, str, int | None, str, str | None]]:
        return type(self), (self.profile, self.endpoint, self.status, self._reason, self.code)


class TransferError(MinioBackendError, RuntimeError):
    """A transfer (``manage.py minio_transfer``) cannot use a side, or one file's copy failed;
    the message names the side or says what happened."""
