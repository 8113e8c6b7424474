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

import contextlib
import re
import socket
import ssl
from collections.abc import Iterator
from typing import Final

import urllib3
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from django_minio_backend.errors import (
    MISSING_CODES,
    MinioBackendError,
    ServerResponseError,
    ServerUnavailableError,
    missing_object,
)
from django_minio_backend.profiles.model import MinioProfile

__all__ = ["NETWORK_ERRORS", "describe_error", "response_status", "server_errors"]

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


def _scrub(text: str, profile: MinioProfile) -> str:
    # Server and library messages should never carry a key; this makes sure of it.
    for secret in (profile.secret_key, profile.session_token, profile.access_key):
        if secret is not None and len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


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
    text = _WHITESPACE.sub(" ", _scrub(text, profile)).strip()
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 3].rstrip() + "..."
    return text


def response_status(exc: MinioException) -> int | None:
    """The HTTP status of an answer the SDK could not turn into an ``S3Error``, when known."""
    if isinstance(exc, ServerError):
        return exc.status_code
    if isinstance(exc, InvalidResponseError):
        # minio 7.2 keeps it only here (tests/test_sdk_requests.py pins it).
        status = getattr(exc, "_code", None)
        return status if isinstance(status, int) else None
    return None


@contextlib.contextmanager
def server_errors(
    profile_name: str,
    profile: MinioProfile,
    *,
    bucket: str | None = None,
    key: str | None = None,
) -> Iterator[None]:
    """Turn a failed request of the block into the package's documented errors.

    With ``bucket`` and ``key`` (an operation on one object) a "missing" S3 code becomes
    ``FileNotFoundError``; without them it stays an ``S3Error`` (a missing bucket while listing).
    The package's own errors pass through unchanged.
    """
    try:
        yield
    except MinioBackendError:
        raise
    except S3Error as exc:
        if bucket is not None and key is not None and exc.code in MISSING_CODES:
            raise missing_object(profile_name, bucket, key, exc.code) from exc
        raise
    except MinioException as exc:
        raise ServerResponseError(
            profile_name, profile.base_url, response_status(exc), describe_error(exc, profile)
        ) from exc
    except NETWORK_ERRORS as exc:
        raise ServerUnavailableError(
            profile_name, profile.base_url, describe_error(exc, profile)
        ) from exc
