"""Is a profile's server up, and does it accept the profile's credentials?"""

from __future__ import annotations

import time
from typing import Final

import attrs
from minio.error import S3Error

from django_minio_backend.errors import ServerResponseError, ServerUnavailableError
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.credentials import CredentialsUnavailableError
from django_minio_backend.s3.failures import describe_error, server_errors

# describe_error lives in s3.failures; it is still importable from here.
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


def check_server(profile_name: str) -> MinioServerStatus:
    """Ask the server of ``profile_name`` to list buckets, bounded by the profile's timeouts.

    Never raises for a network or server error (it is reported in ``details``, worded as the
    storages word ``ServerUnavailableError`` and ``ServerResponseError``); raises
    ``ConfigurationError`` when the profile itself is unknown or invalid.
    """
    clients = profile_clients(profile_name)
    profile = clients.profile
    url = profile.base_url
    started = time.perf_counter()
    try:
        with server_errors(profile_name, profile):
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
    except CredentialsUnavailableError as exc:  # nothing was sent: no keys to send
        return MinioServerStatus(profile_name, url, False, 0.0, (str(exc),))
    except (ServerUnavailableError, ServerResponseError) as exc:
        # The wording of the storages' errors, without the profile (the status names it).
        latency = (time.perf_counter() - started) * 1000
        return MinioServerStatus(profile_name, url, False, latency, (exc.detail,))
    latency = (time.perf_counter() - started) * 1000
    message = f"MinIO is available at {url} and accepts the credentials of profile {profile_name!r}"
    return MinioServerStatus(profile_name, url, True, latency, (message,))
