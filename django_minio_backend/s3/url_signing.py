"""Presigned GET URLs (AWS Signature V4, query-string form) without a network call.

The SDK's presigner rebuilds its URL machinery on every call; ``url()`` is a hot path in templates
listing many files, so this module signs with a signing key cached per day and a timestamp cached
per second. The keys come from the profile's provider on every call, as the SDK's requests do: when
they rotate, the cached signing key is dropped. The output is the URL the SDK would build; a test
compares both for many keys.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Final
from urllib.parse import quote

from minio.credentials.providers import Provider

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
        "_base",
        "_expires",
        "_host",
        "_provider",
        "_region",
        "_second",
        "_signing",
        "_stamp",
    )

    def __init__(self, profile: MinioProfile, provider: Provider) -> None:
        scheme = "https" if profile.external_use_https else "http"
        self._host = _host(profile.external_endpoint or profile.endpoint, scheme)
        self._base = f"{scheme}://{self._host}"
        self._provider = provider
        self._region = profile.region
        self._expires = int(profile.url_expiry.total_seconds())
        self._signing: tuple[str, str, bytes] = ("", "", b"")
        self._second = -1
        self._stamp = ""

    def __repr__(self) -> str:
        return f"UrlSigner(host={self._host!r}, region={self._region!r})"

    def _key_for(self, day: str, secret_key: str) -> bytes:
        # One tuple, replaced whole: a thread never pairs one secret with another's key.
        cached_secret, cached_day, cached_key = self._signing
        if cached_day == day and cached_secret == secret_key:
            return cached_key
        key = _hmac(f"AWS4{secret_key}".encode(), day)
        for part in (self._region, "s3", "aws4_request"):
            key = _hmac(key, part)
        self._signing = (secret_key, day, key)
        return key

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
        credentials = self._provider.retrieve()
        stamp = self._timestamp(now)
        day = stamp[:8]
        scope = f"{day}/{self._region}/s3/aws4_request"
        path = f"/{quote(bucket)}/{quote(key)}"
        access_key = quote(credentials.access_key, safe="")
        query = (
            f"X-Amz-Algorithm={_ALGORITHM}"
            f"&X-Amz-Credential={access_key}%2F{quote(scope, safe='')}"
            f"&X-Amz-Date={stamp}"
            f"&X-Amz-Expires={self._expires}"
        )
        signed = "&X-Amz-SignedHeaders=host"
        token = credentials.session_token
        if token is not None:
            # Sorted into the canonical query; the SDK puts it first in the URL.
            token_param = f"X-Amz-Security-Token={quote(token, safe='')}"
            canonical_query = f"{query}&{token_param}{signed}"
            query = f"{token_param}&{query}{signed}"
        else:
            query = canonical_query = query + signed
        canonical = f"GET\n{path}\n{canonical_query}\nhost:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        to_sign = f"{_ALGORITHM}\n{stamp}\n{scope}\n{digest}"
        signature = hmac.new(
            self._key_for(day, credentials.secret_key), to_sign.encode("utf-8"), hashlib.sha256
        ).hexdigest()
        return f"{self._base}{path}?{query}&X-Amz-Signature={signature}"
