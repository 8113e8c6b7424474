"""Presigned GET URLs (AWS Signature V4, query-string form) without a network call.

The SDK's presigner rebuilds its URL machinery on every call; ``url()`` is a hot path in templates
listing many files, so this module signs with a signing key cached per day and a timestamp cached
per second. The output is the URL the SDK would build; a test compares both for many keys.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final
from urllib.parse import quote

from django_minio_backend.profiles.model import MinioProfile

__all__ = ["UrlSigner"]

_ALGORITHM: Final = "AWS4-HMAC-SHA256"
_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def _host(endpoint: str, scheme: str) -> str:
    """The Host header a browser sends: the default port is left out, as the SDK does."""
    host, _, port = endpoint.rpartition(":")
    if host and port == _DEFAULT_PORTS[scheme] and not endpoint.endswith("]"):
        return host
    return endpoint


class UrlSigner:
    """Signs GET URLs for a profile's external endpoint, valid for its ``url_expiry``."""

    __slots__ = (
        "_access_key",
        "_base",
        "_day",
        "_expires",
        "_host",
        "_region",
        "_second",
        "_secret_key",
        "_signing_key",
        "_stamp",
    )

    def __init__(self, profile: MinioProfile) -> None:
        scheme = "https" if profile.external_use_https else "http"
        self._host = _host(profile.external_endpoint or profile.endpoint, scheme)
        self._base = f"{scheme}://{self._host}"
        self._access_key = profile.access_key
        self._secret_key = profile.secret_key
        self._region = profile.region
        self._expires = int(profile.url_expiry.total_seconds())
        self._day = ""
        self._signing_key = b""
        self._second = -1
        self._stamp = ""

    def __repr__(self) -> str:
        return f"UrlSigner(host={self._host!r}, region={self._region!r})"

    def _key_for(self, day: str) -> bytes:
        if day != self._day:
            key = _hmac(f"AWS4{self._secret_key}".encode(), day)
            for part in (self._region, "s3", "aws4_request"):
                key = _hmac(key, part)
            self._signing_key, self._day = key, day
        return self._signing_key

    def _timestamp(self, now: float | None) -> str:
        second = int(time.time() if now is None else now)
        if second != self._second:
            self._stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
            self._second = second
        return self._stamp

    def presigned_get(self, bucket: str, key: str, *, now: float | None = None) -> str:
        """A URL that lets anyone holding it GET ``bucket/key`` until it expires.

        ``now`` (seconds since the epoch) is for tests; by default the current time is used.
        """
        stamp = self._timestamp(now)
        day = stamp[:8]
        scope = f"{day}/{self._region}/s3/aws4_request"
        path = f"/{quote(bucket)}/{quote(key)}"
        query = (
            f"X-Amz-Algorithm={_ALGORITHM}"
            f"&X-Amz-Credential={quote(self._access_key, safe='')}%2F{quote(scope, safe='')}"
            f"&X-Amz-Date={stamp}"
            f"&X-Amz-Expires={self._expires}"
            "&X-Amz-SignedHeaders=host"
        )
        canonical = f"GET\n{path}\n{query}\nhost:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        to_sign = f"{_ALGORITHM}\n{stamp}\n{scope}\n{digest}"
        signature = hmac.new(
            self._key_for(day), to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return f"{self._base}{path}?{query}&X-Amz-Signature={signature}"
