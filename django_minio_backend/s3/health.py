"""Is a profile's server up, and does it accept the profile's credentials?"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Final

from minio.error import S3Error
from urllib3 import BaseHTTPResponse

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
NO_RESPONSE_MESSAGE: Final = (
    "There was no HTTP request provided for MinioServerStatus upon initialisation."
)
UPSTREAM_AVAILABLE_STATUS: Final = 403


class MinioServerStatus:
    """The answer of a health check; truthy when the server is usable with the profile's keys.

    ``details`` says what was found (which of "answers" and "accepts the credentials" failed);
    ``latency_ms`` is how long the check took, until the answer or the failure.

    The 3.x/4.x form ``MinioServerStatus(response_or_None)`` still works: a urllib3 response
    sets ``status`` and ``data`` (a 403 counts as available, as upstream decided); ``None``
    gives an unavailable status to which ``add_message()`` adds the reasons.
    """

    def __init__(
        self,
        profile: str | BaseHTTPResponse | None = None,
        endpoint: str = "",
        available: bool = False,
        latency_ms: float = 0.0,
        messages: Iterable[str] = (),
    ) -> None:
        self.endpoint = endpoint
        self.available = available
        self.latency_ms = latency_ms
        self._messages = list(messages)
        self.status: int | None = None
        self.data: str | None = None
        if isinstance(profile, str):
            self.profile = profile
            return
        self.profile = ""
        if profile is None:
            self.add_message(NO_RESPONSE_MESSAGE)
            return
        self.status = profile.status
        self.data = profile.data.decode("utf-8", "replace") if profile.data else "No data available"
        # Upstream's rule: the server refusing an anonymous GET proves it runs.
        self.available = self.status == UPSTREAM_AVAILABLE_STATUS
        if not self.available:
            self.add_message(f"Reason: {self.data}")

    def __bool__(self) -> bool:
        return self.available

    @property
    def messages(self) -> tuple[str, ...]:
        """What the check found, one message each."""
        return tuple(self._messages)

    def add_message(self, text: str) -> None:
        """Add a line to ``details`` (kept from 3.x/4.x)."""
        self._messages.append(text)

    @property
    def is_available(self) -> bool:
        """The same as ``bool(status)`` (kept from the seed)."""
        return self.available

    @property
    def details(self) -> str:
        """What the check found, one message per line."""
        return "\n".join(self._messages)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MinioServerStatus):
            return NotImplemented
        return vars(self) == vars(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # Upstream's repr, which user code prints and compares.
        return "MinIO is available" if self.available else "MinIO is NOT available"

    def __str__(self) -> str:
        if not self.profile:
            return repr(self)
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
            # minio 7.2.19 returns a generator that sends nothing until iterated.
            next(iter(clients.internal.list_buckets()), None)
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
