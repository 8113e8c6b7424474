"""What a failed request means, decided in one place for every caller.

- an S3 error document with a "missing" code (``MISSING_CODES``), for an object: the one
  ``FileNotFoundError`` of ``errors.missing_object``;
- any other S3 error document (credentials, permissions, ...): ``minio.error.S3Error``, unchanged;
- an answer that is no S3 error document (the SDK's ``ServerError`` for a bare 5xx to a HEAD,
  ``InvalidResponseError`` for a proxy's HTML page, any other ``MinioException``):
  ``ServerResponseError``;
- no usable answer (``NETWORK_ERRORS``: refused, reset, timed out, TLS rejected, cut):
  ``ServerUnavailableError``.

Storages, bucket setup and the health check all go through ``server_errors``, so a failure reads
the same wherever it happens.
"""

from __future__ import annotations

import re
import socket
import ssl
from types import TracebackType
from typing import Final

import urllib3
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from django_minio_backend.errors import (
    MISSING_CODES,
    MinioBackendError,
    ServerResponseError,
    ServerUnavailableError,
    missing_object,
    without_secrets,
)
from django_minio_backend.profiles.model import MinioProfile, secret_values

__all__ = [
    "NETWORK_ERRORS",
    "ServerErrors",
    "describe_error",
    "drop_frames",
    "response_status",
    "sends_secret_headers",
    "server_errors",
]

NETWORK_ERRORS: Final = (
    urllib3.exceptions.HTTPError,  # urllib3 wraps nearly every network error in one of its own
    ConnectionError,
    TimeoutError,
    socket.gaierror,
    ssl.SSLError,
)
"""The errors that mean "no usable answer from the server". Other OS errors (a local file that
cannot be read, the ``FileExistsError`` of a conditional write) are not the server's."""

MAX_REASON: Final = 300
"""Longest description kept of a failure (a proxy's HTML page can be long)."""

_CONNECTION_PREFIX: Final = re.compile(r"^(<[^>]*>|\w*Connection(Pool)?\([^)]*\)): ")
_WHITESPACE: Final = re.compile(r"\s+")


def describe_error(exc: BaseException, profile: MinioProfile) -> str:
    """A one-line, secret-free description of a failed request, at most ``MAX_REASON`` long."""
    if isinstance(exc, S3Error):
        text = f"{exc.code}: {exc.message}"
    elif isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return describe_error(exc.reason, profile)
    else:
        # Some urllib3 errors carry (connection, message): the message is what matters.
        args = exc.args
        text = args[1] if len(args) == 2 and isinstance(args[1], str) else str(exc)
        text = text or type(exc).__name__
        # urllib3 prefixes connection errors with the connection; the caller names the server.
        text = _CONNECTION_PREFIX.sub("", text)
    text = _WHITESPACE.sub(" ", without_secrets(text, secret_values(profile))).strip()
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 3].rstrip() + "..."
    return text


def response_status(exc: MinioException) -> int | None:
    """The HTTP status of an answer the SDK could not turn into an ``S3Error``, when known."""
    if isinstance(exc, ServerError):
        return exc.status_code
    if isinstance(exc, InvalidResponseError):
        # minio 7.2 keeps it only here (tests/s3/test_sdk_requests.py pins it).
        status = getattr(exc, "_code", None)
        return status if isinstance(status, int) else None
    return None


def sends_secret_headers(profile: MinioProfile) -> bool:
    """Whether the profile's requests may carry a secret in a header: a session token (of the
    profile or of a credentials source) or an SSE-C key."""
    encryption = profile.encryption
    return (
        profile.session_token is not None
        or profile.credentials is not None
        or (encryption is not None and encryption.customer_key_env is not None)
        or (encryption is not None and encryption.customer_key is not None)
    )


def drop_frames(exc: BaseException) -> None:
    """Remove the frames of ``exc`` and of the exceptions chained to it.

    The SDK, urllib3 and http.client keep a request's headers (and the bytes sent) as locals;
    when a header holds a session token or an SSE-C key, a traceback showing locals (Django's
    DEBUG page, the admin e-mail) would print it. The messages stay.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        current.__traceback__ = None
        pending += [current.__cause__, current.__context__]


class ServerErrors:
    """The context manager of ``server_errors``: a class, not a generator, so that frames
    dropped from an error re-raised as it is stay dropped (``contextlib.contextmanager`` puts
    the traceback back)."""

    __slots__ = ("bucket", "key", "profile", "profile_name", "secret_headers")

    def __init__(
        self,
        profile_name: str,
        profile: MinioProfile,
        bucket: str | None,
        key: str | None,
        secret_headers: bool,
    ) -> None:
        self.profile_name = profile_name
        self.profile = profile
        self.bucket = bucket
        self.key = key
        self.secret_headers = secret_headers

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Never swallows: returns None (the error goes on) or raises the documented error.
        if not isinstance(exc, Exception):
            return
        if self.secret_headers or sends_secret_headers(self.profile):
            drop_frames(exc)
        documented = _documented(exc, self.profile_name, self.profile, self.bucket, self.key)
        if documented is not None:
            raise documented from exc


def server_errors(
    profile_name: str,
    profile: MinioProfile,
    *,
    bucket: str | None = None,
    key: str | None = None,
    secret_headers: bool = False,
) -> ServerErrors:
    """Turn a failed request of the block into the package's documented errors.

    With ``bucket`` and ``key`` (an operation on one object) a "missing" S3 code becomes
    ``FileNotFoundError``; without them it stays an ``S3Error`` (a missing bucket while listing).
    The package's own errors pass through unchanged. When the requests carried a secret header
    (``secret_headers``, or ``sends_secret_headers(profile)``), the frames below this block are
    dropped from the error (``drop_frames``).
    """
    return ServerErrors(profile_name, profile, bucket, key, secret_headers)


def _documented(
    exc: Exception, profile_name: str, profile: MinioProfile, bucket: str | None, key: str | None
) -> Exception | None:
    """The documented error for ``exc``, or ``None`` when ``exc`` is raised as it is."""
    if isinstance(exc, MinioBackendError):
        return None
    if isinstance(exc, S3Error):
        if bucket is not None and key is not None and exc.code in MISSING_CODES:
            return missing_object(profile_name, bucket, key, exc.code)
        return None
    if isinstance(exc, MinioException):
        return ServerResponseError(
            profile_name, profile.base_url, response_status(exc), describe_error(exc, profile)
        )
    if isinstance(exc, NETWORK_ERRORS):
        return ServerUnavailableError(profile_name, profile.base_url, describe_error(exc, profile))
    return None
