"""Presigned GET URLs (AWS Signature V4, query-string form) without a network call.

The SDK's presigner rebuilds its URL machinery on every call; ``url()`` is a hot path in templates
listing many files, so this module signs with a signing key cached per day and a timestamp cached
per second. The keys come from the profile's provider on every call, as the SDK's requests do: when
they rotate, the cached signing key is dropped. The output is the URL the SDK would build; a test
compares both for many keys, response overrides and session tokens.

With a signing window, URLs are signed at the start of the current window (multiples of the
window since the Unix epoch, UTC): every URL of an object is the same string for the whole window,
so browsers and CDNs can cache what it points to.
"""

from __future__ import annotations

import functools
import hashlib
import re
import time
import unicodedata
from collections.abc import Mapping
from datetime import timedelta
from typing import Final
from urllib.parse import quote

import attrs
from minio.credentials.credentials import Credentials
from minio.credentials.providers import Provider

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.rules import MAX_URL_EXPIRY
from django_minio_backend.s3.sigv4 import SIGV4_ALGORITHM, KeyedHmac, signing_key

__all__ = [
    "RESPONSE_PARAMETERS",
    "UrlSigner",
    "browser_host",
    "content_disposition",
    "expiry_seconds",
    "quote_path",
    "response_parameters",
]

_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}
_MAX_EXPIRY_SECONDS: Final = int(MAX_URL_EXPIRY.total_seconds())

# The response headers S3 lets a presigned GET override (query parameters of that name).
RESPONSE_PARAMETERS: Final = (
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
)
# RFC 5987 attr-char: what stays unescaped in filename*=UTF-8''...
_ATTR_CHARS: Final = "!#$&+-.^_`|~"
_FALLBACK_REPLACED: Final = str.maketrans({'"': "_", "\\": "_", "%": "_"})
# What quote() (safe="/") leaves unchanged.
_PATH_AS_IS: Final = re.compile(r"[A-Za-z0-9_.~/-]*")
_MAX_CACHED_BUCKETS: Final = 64
# Download names and response overrides repeat (one per file type or page): quoted once.
_CACHED_HEADER_VALUES: Final = 1024


def browser_host(endpoint: str, scheme: str) -> str:
    """The Host header a browser sends: the default port is left out, as the SDK does."""
    host, _, port = endpoint.rpartition(":")
    if host and port == _DEFAULT_PORTS[scheme] and not endpoint.endswith("]"):
        return host
    return endpoint


def _is_header_text(value: str) -> bool:
    return value.isprintable() and value.isascii()


def expiry_seconds(expire: timedelta | int) -> int:
    """``expire`` (a timedelta or a number of seconds) in whole seconds, 1 s to 7 days."""
    if isinstance(expire, timedelta):
        seconds = int(expire.total_seconds())
    elif isinstance(expire, int) and not isinstance(expire, bool):
        seconds = expire
    else:
        raise TypeError(
            f"expire must be a timedelta or a number of seconds, got {type(expire).__name__}"
        )
    if not 1 <= seconds <= _MAX_EXPIRY_SECONDS:
        raise ValueError(
            f"expire must be between 1 second and 7 days (SigV4's limit), got {seconds} seconds"
        )
    return seconds


def _ascii_fallback(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    ascii_only = "".join(char for char in decomposed if char.isascii() and char.isprintable())
    return ascii_only.translate(_FALLBACK_REPLACED).strip() or "download"


def content_disposition(download_name: str | None, inline: bool | None) -> str | None:
    """The ``Content-Disposition`` a browser gets: ``attachment`` (or ``inline``) and, for a
    file name, an ASCII ``filename`` for old clients plus the exact name as RFC 5987
    ``filename*``; ``None`` when neither is asked for."""
    if download_name is None:
        if inline is None:
            return None
        return "inline" if inline else "attachment"
    if not isinstance(download_name, str) or not download_name.strip():
        raise ValueError(f"download_name must be a non-empty string, got {download_name!r}")
    if not download_name.isprintable():
        raise ValueError(f"download_name {download_name!r} holds a control character")
    return _named_disposition(download_name, bool(inline))


@functools.lru_cache(maxsize=_CACHED_HEADER_VALUES)
def _named_disposition(download_name: str, inline: bool) -> str:
    disposition = "inline" if inline else "attachment"
    encoded = quote(download_name, safe=_ATTR_CHARS)
    return (
        f"{disposition}; filename=\"{_ascii_fallback(download_name)}\"; filename*=UTF-8''{encoded}"
    )


@functools.lru_cache(maxsize=_CACHED_HEADER_VALUES)
def _query_overrides(response: tuple[tuple[str, str], ...]) -> str:
    """The ``response-*`` parameters of a URL, in name order, quoted."""
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in response)


def response_parameters(
    *,
    download_name: str | None = None,
    inline: bool | None = None,
    content_type: str | None = None,
    parameters: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The ``response-*`` query parameters of ``url()``'s options, checked; ``{}`` for none."""
    query: dict[str, str] = {}
    if parameters:
        if not isinstance(parameters, Mapping):
            raise TypeError(f"parameters must be a dict, got {type(parameters).__name__}")
        for name, value in parameters.items():
            if name not in RESPONSE_PARAMETERS:
                raise ValueError(
                    f"unknown URL parameter {name!r}; S3 overrides only "
                    + ", ".join(RESPONSE_PARAMETERS)
                )
            if not isinstance(value, str) or not _is_header_text(value):
                raise ValueError(
                    f"URL parameter {name!r} must be printable ASCII (an HTTP header value), "
                    f"got {value!r}"
                )
            query[name] = value
    if inline is not None and not isinstance(inline, bool):
        raise TypeError(f"inline must be True, False or None, got {inline!r}")
    disposition = content_disposition(download_name, inline)
    if disposition is not None:
        if "response-content-disposition" in query:
            raise ValueError(
                "give download_name/inline or parameters['response-content-disposition'], not both"
            )
        query["response-content-disposition"] = disposition
    if content_type is not None:
        if not isinstance(content_type, str) or "/" not in content_type:
            raise ValueError(
                f"content_type must be a MIME type such as 'text/plain', got {content_type!r}"
            )
        if not _is_header_text(content_type):
            raise ValueError(f"content_type {content_type!r} must be printable ASCII")
        if "response-content-type" in query:
            raise ValueError("give content_type or parameters['response-content-type'], not both")
        query["response-content-type"] = content_type
    return query


@attrs.frozen
class _SigningState:
    """What one set of credentials signs with on one day; replaced whole, never mutated, so a
    thread never pairs one secret with another's key."""

    credentials: Credentials = attrs.field(repr=False)
    day: str
    credential: str  # X-Amz-Algorithm...&X-Amz-Credential=... up to the date
    scope: str
    token: str = attrs.field(repr=False)  # the X-Amz-Security-Token parameter, or ""
    hmac: KeyedHmac = attrs.field(repr=False, eq=False)


def quote_path(text: str) -> str:
    """``quote(text)``: a URL path (``/`` kept); most keys have nothing to escape, and quote()
    is the costliest step of a URL."""
    return text if _PATH_AS_IS.fullmatch(text) else quote(text)


class UrlSigner:
    """Signs GET URLs for a profile's external endpoint, valid for its ``url_expiry``."""

    __slots__ = (
        "_base",
        "_buckets",
        "_canonical_end",
        "_expires",
        "_host",
        "_moment",
        "_provider",
        "_region",
        "_second",
        "_stamp",
        "_state",
        "_window",
    )

    def __init__(self, profile: MinioProfile, provider: Provider) -> None:
        scheme = "https" if profile.external_use_https else "http"
        self._host = browser_host(profile.external_endpoint or profile.endpoint, scheme)
        self._base = f"{scheme}://{self._host}"
        self._provider = provider
        self._region = profile.region
        self._expires = int(profile.url_expiry.total_seconds())
        window = profile.url_signing_window
        self._window = 0 if window is None else int(window.total_seconds())
        self._state: _SigningState | None = None
        self._second = -1
        self._stamp = ""
        self._buckets: dict[str, str] = {}
        self._moment = _NO_MOMENT
        self._canonical_end = f"\nhost:{self._host}\n\nhost\nUNSIGNED-PAYLOAD"

    def __repr__(self) -> str:
        return f"UrlSigner(host={self._host!r}, region={self._region!r})"

    def _state_for(self, credentials: Credentials, day: str) -> _SigningState:
        state = self._state
        if state is not None and state.credentials is credentials and state.day == day:
            return state
        key = signing_key(credentials.secret_key, day, self._region)
        scope = f"{day}/{self._region}/s3/aws4_request"
        access_key = quote(credentials.access_key, safe="")
        token = credentials.session_token
        state = _SigningState(
            credentials=credentials,
            day=day,
            credential=(
                f"X-Amz-Algorithm={SIGV4_ALGORITHM}"
                f"&X-Amz-Credential={access_key}%2F{quote(scope, safe='')}"
            ),
            scope=scope,
            token="" if token is None else f"X-Amz-Security-Token={quote(token, safe='')}",
            hmac=KeyedHmac(key),
        )
        self._state = state
        return state

    def _timestamp(self, now: float | None, expires: int) -> str:
        second = int(time.time() if now is None else now)
        window = self._window
        # A URL valid for no longer than the window would expire inside it: signed now instead.
        if window and expires > window:
            second -= second % window
        if second != self._second:
            self._stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
            self._second = second
        return self._stamp

    def _bucket_path(self, bucket: str) -> str:
        path = self._buckets.get(bucket)
        if path is None:
            if len(self._buckets) >= _MAX_CACHED_BUCKETS:
                self._buckets.clear()
            path = self._buckets[bucket] = f"/{quote(bucket)}/"
        return path

    def presigned_get(
        self,
        bucket: str,
        key: str,
        *,
        expires: int | None = None,
        response: Mapping[str, str] | None = None,
        now: float | None = None,
    ) -> str:
        """A URL that lets anyone holding it GET ``bucket/key`` until it expires.

        ``expires`` (seconds, checked by ``expiry_seconds``) overrides the profile's
        ``url_expiry``; ``response`` holds checked ``response-*`` overrides. ``now`` (seconds
        since the epoch) is for tests; by default the current time is used.
        """
        if expires is None:
            expires = self._expires
        stamp = self._timestamp(now, expires)
        state = self._state_for(self._provider.retrieve(), stamp[:8])
        moment = self._moment
        if moment.state is not state or moment.stamp != stamp or moment.expires != expires:
            moment = self._moment = _Moment.of(state, stamp, expires)
        path = self._bucket_path(bucket) + quote_path(key)
        if response:
            # The canonical query lists every parameter in name order, so the response-*
            # overrides come last; the URL lists them first (after the token), as the SDK does.
            overrides = _query_overrides(tuple(sorted(response.items())))
            canonical_query = f"{moment.canonical_query}&{overrides}"
            token = state.token
            amz = f"{moment.amz}&X-Amz-SignedHeaders=host"
            query = f"{token}&{overrides}&{amz}" if token else f"{overrides}&{amz}"
        else:
            canonical_query = moment.canonical_query
            query = moment.query
        canonical = f"GET\n{path}\n{canonical_query}{self._canonical_end}"
        digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        signature = state.hmac.hexdigest(moment.to_sign + digest.encode())
        return f"{self._base}{path}?{query}&X-Amz-Signature={signature}"


@attrs.frozen
class _Moment:
    """The parts of every URL signed with one state, at one time, for one expiry."""

    state: _SigningState | None
    stamp: str
    expires: int
    amz: str  # X-Amz-Algorithm, -Credential, -Date, -Expires
    canonical_query: str  # without response-* overrides
    query: str  # the URL's, without response-* overrides
    to_sign: bytes  # the string to sign up to the canonical request's digest

    @classmethod
    def of(cls, state: _SigningState, stamp: str, expires: int) -> _Moment:
        amz = f"{state.credential}&X-Amz-Date={stamp}&X-Amz-Expires={expires}"
        token = state.token
        # The session token sorts between X-Amz-Expires and X-Amz-SignedHeaders; the URL lists
        # it first, as the SDK does.
        if token:
            canonical_query = f"{amz}&{token}&X-Amz-SignedHeaders=host"
            query = f"{token}&{amz}&X-Amz-SignedHeaders=host"
        else:
            canonical_query = query = f"{amz}&X-Amz-SignedHeaders=host"
        to_sign = f"{SIGV4_ALGORITHM}\n{stamp}\n{state.scope}\n".encode()
        return cls(state, stamp, expires, amz, canonical_query, query, to_sign)


_NO_MOMENT: Final = _Moment(None, "", -1, "", "", "", b"")
