"""Is a profile's server up, and does it accept the profile's credentials?"""

from __future__ import annotations

import re
import time
from typing import Final

import attrs
import urllib3
from minio.error import MinioException, S3Error

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.s3.clients import profile_clients

__all__ = ["MinioServerStatus", "check_server", "describe_error"]

# S3 error codes that mean "wrong or insufficient credentials" rather than "server trouble".
CREDENTIAL_ERRORS: Final = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "InvalidToken"}
)


@attrs.frozen
class MinioServerStatus:
    """The answer of a health check; truthy when the server is usable with the profile's keys.

    ``details`` says what was found (which of "answers" and "accepts the credentials" failed);
    ``latency_ms`` is how long the check took, until the answer or the failure.
    """

    profile: str
    endpoint: str
    available: bool
    latency_ms: float = 0.0
    messages: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.available

    @property
    def is_available(self) -> bool:
        """The same as ``bool(status)`` (kept from the seed)."""
        return self.available

    @property
    def details(self) -> str:
        """What the check found, one message per line."""
        return "\n".join(self.messages)

    def __str__(self) -> str:
        state = "available" if self.available else "NOT available"
        return f"MinIO is {state} at {self.endpoint} (profile {self.profile!r})"


_CONNECTION_PREFIX: Final = re.compile(r"^(<[^>]*>|\w*Connection(Pool)?\([^)]*\)): ")


def _scrub(text: str, profile: MinioProfile) -> str:
    # Server and library messages should never carry a key; this makes sure of it.
    for secret in (profile.secret_key, profile.access_key):
        if len(secret) >= 3:
            text = text.replace(secret, "***")
    return text


def describe_error(exc: BaseException, profile: MinioProfile) -> str:
    """A one-line, secret-free description of a failed request."""
    if isinstance(exc, S3Error):
        text = f"{exc.code}: {exc.message}"
    elif isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        text = describe_error(exc.reason, profile)
    else:
        # Some urllib3 errors carry (connection, message): the message is what matters.
        args = exc.args
        text = args[1] if len(args) == 2 and isinstance(args[1], str) else str(exc)
        text = text or type(exc).__name__
        # urllib3 prefixes connection errors with the connection; the caller names the server.
        text = _CONNECTION_PREFIX.sub("", text)
    return _scrub(text, profile)


def check_server(profile_name: str) -> MinioServerStatus:
    """Ask the server of ``profile_name`` to list buckets, bounded by the profile's timeouts.

    Never raises for a network or server error (it is reported in ``details``); raises
    ``ConfigurationError`` when the profile itself is unknown or invalid.
    """
    clients = profile_clients(profile_name)
    profile = clients.profile
    url = profile.base_url
    started = time.perf_counter()
    try:
        clients.internal.list_buckets()
    except S3Error as exc:
        latency = (time.perf_counter() - started) * 1000
        what = (
            f"refused the credentials of profile {profile_name!r}"
            if exc.code in CREDENTIAL_ERRORS
            else "answered with an error"
        )
        message = f"the server at {url} {what}: {describe_error(exc, profile)}"
        return MinioServerStatus(profile_name, url, False, latency, (message,))
    except (urllib3.exceptions.HTTPError, OSError, MinioException) as exc:
        latency = (time.perf_counter() - started) * 1000
        message = f"the server at {url} is unreachable: {describe_error(exc, profile)}"
        return MinioServerStatus(profile_name, url, False, latency, (message,))
    latency = (time.perf_counter() - started) * 1000
    message = f"MinIO is available at {url} and accepts the credentials of profile {profile_name!r}"
    return MinioServerStatus(profile_name, url, True, latency, (message,))
