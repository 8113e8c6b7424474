"""The SDK's client with a cheaper way to send each request: same requests, same errors.

For a small object most of a request's client CPU is the SDK's per-request set-up: it derives the
SigV4 signing key again (four HMACs), rebuilds the canonical headers through an ordered dict and
copies every header into a new ``HTTPHeaderDict``. ``FastMinio`` replaces that one step,
``Minio._url_open``, for clients with a fixed region (every profile client has one): the signing
key is derived once per day and credentials, the timestamp once per second, and the headers go
to the same urllib3 pool as a plain dict. The request bytes are the ones the SDK would send, and
an answer that is not a success becomes the exception the SDK would raise, built the same way
from the same response (``tests/s3/test_fast_client.py`` compares both against the server).

minio 7.2.19 changed ``_url_open``'s signature (keyword-only, header and query dict types); with
that release, and whenever tracing is on, the client uses the SDK's own code. Besides
``sdk_requests``' ``_execute``, this is the only private SDK method the package relies on, and
the test of ``_url_open``'s signature pins it.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
import re
import time
from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import SplitResult, urlunsplit

from minio import Minio
from minio.credentials.credentials import Credentials
from minio.error import InvalidResponseError, S3Error, ServerError
from urllib3 import BaseHTTPResponse, HTTPHeaderDict

from django_minio_backend.s3.sigv4 import SIGV4_ALGORITHM, KeyedHmac, signing_key

__all__ = ["CLASSIC_URL_OPEN", "FastMinio", "RequestSigner"]

# The signature of Minio._url_open in the minio 7.2 releases other than 7.2.19.
_CLASSIC_PARAMETERS: Final = (
    "self",
    "method",
    "region",
    "bucket_name",
    "object_name",
    "body",
    "headers",
    "query_params",
    "preload_content",
    "no_body_trace",
)
CLASSIC_URL_OPEN: Final = (
    tuple(inspect.signature(Minio._url_open).parameters) == _CLASSIC_PARAMETERS
)
"""Whether the installed SDK's ``_url_open`` is the one ``FastMinio`` replaces."""

_SUCCESS: Final = frozenset({200, 204, 206})
_UNSIGNED_HEADERS: Final = frozenset({"authorization", "user-agent"})
_SPACES: Final = re.compile(" +")
_EMPTY_SHA256: Final = hashlib.sha256(b"").hexdigest()
# What the SDK calls an error answer without an S3 error document, by status.
_REDIRECTS: Final = {
    301: ("PermanentRedirect", "Moved Permanently"),
    307: ("Redirect", "Temporary redirect"),
    400: ("BadRequest", "Bad request"),
}
_METHOD_NOT_ALLOWED: Final = (
    "MethodNotAllowed",
    "The specified method is not allowed against this resource",
)


class _SigningDay:
    """The signing key of one set of credentials on one day, ready to sign with."""

    __slots__ = ("credentials", "day", "hmac", "prefix")

    def __init__(self, credentials: Credentials, day: str, region: str) -> None:
        self.credentials = credentials
        self.day = day
        self.hmac = KeyedHmac(signing_key(credentials.secret_key, day, region))
        scope = f"{day}/{region}/s3/aws4_request"
        self.prefix = (
            f"{SIGV4_ALGORITHM} Credential={credentials.access_key}/{scope}, SignedHeaders="
        )

    def __repr__(self) -> str:
        return f"_SigningDay(day={self.day!r})"


class RequestSigner:
    """Signs request headers (SigV4, header form) for one region, as the SDK's signer does."""

    __slots__ = ("_day", "_region", "_second", "_stamp")

    def __init__(self, region: str) -> None:
        self._region = region
        self._day: _SigningDay | None = None
        self._second = -1
        self._stamp = ""

    def __repr__(self) -> str:
        return f"RequestSigner(region={self._region!r})"

    def timestamp(self) -> str:
        """The ``x-amz-date`` of a request sent now (UTC, to the second)."""
        second = int(time.time())
        if second != self._second:
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
            # The stamp is stored before its second: a thread that sees the new second also
            # sees its stamp (at worst a racing thread signs with the next second's stamp).
            self._stamp, self._second = stamp, second
            return stamp
        return self._stamp

    def _signing_day(self, credentials: Credentials, day: str) -> _SigningDay:
        signing = self._day
        if signing is None or signing.credentials is not credentials or signing.day != day:
            signing = self._day = _SigningDay(credentials, day, self._region)
        return signing

    def authorization(
        self,
        method: str,
        url: SplitResult,
        headers: Mapping[str, Any],
        credentials: Credentials,
        stamp: str,
    ) -> str:
        """The ``Authorization`` header of a request whose other headers are ``headers``."""
        canonical: dict[str, str] = {}
        for name, value in headers.items():
            lower = name.lower()
            if lower in _UNSIGNED_HEADERS:
                continue
            values = value if isinstance(value, (list, tuple)) else (value,)
            canonical[lower] = ",".join(_SPACES.sub(" ", str(item)).strip() for item in values)
        names = sorted(canonical)
        signed = ";".join(names)
        lines = "\n".join(f"{name}:{canonical[name]}" for name in names)
        query = url.query
        if query:
            query = "&".join(
                "=".join(pair) for pair in sorted(p.split("=") for p in query.split("&"))
            )
        request = (
            f"{method}\n{url.path or '/'}\n{query}\n{lines}\n\n{signed}\n"
            f"{headers['x-amz-content-sha256']}"
        )
        signing = self._signing_day(credentials, stamp[:8])
        digest = hashlib.sha256(request.encode("utf-8")).hexdigest()
        to_sign = (
            f"{SIGV4_ALGORITHM}\n{stamp}\n{signing.day}/{self._region}/s3/aws4_request\n{digest}"
        )
        signature = signing.hmac.hexdigest(to_sign.encode("utf-8"))
        return f"{signing.prefix}{signed}, Signature={signature}"


def _md5(body: bytes) -> str:
    # Not used for security: S3's integrity check of the body (Content-MD5).
    return base64.b64encode(hashlib.md5(body, usedforsecurity=False).digest()).decode()


class FastMinio(Minio):
    """``Minio`` whose requests are signed and sent by :class:`RequestSigner` (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self._base_url.region
        self._request_signer = RequestSigner(region) if region and CLASSIC_URL_OPEN else None

    # Only the classic signature is replaced: with 7.2.19 the class is the SDK's client as is.
    if CLASSIC_URL_OPEN:

        def _url_open(
            self,
            method: str,
            region: str,
            bucket_name: str | None = None,
            object_name: str | None = None,
            body: bytes | None = None,
            headers: dict[str, Any] | None = None,
            query_params: dict[str, Any] | None = None,
            preload_content: bool = True,
            no_body_trace: bool = False,
        ) -> BaseHTTPResponse:
            signer = self._request_signer
            credentials = self._provider.retrieve() if self._provider else None
            if signer is None or credentials is None or self._trace_stream is not None:
                return super()._url_open(
                    method=method,
                    region=region,
                    bucket_name=bucket_name,
                    object_name=object_name,
                    body=body,
                    headers=headers,
                    query_params=query_params,
                    preload_content=preload_content,
                    no_body_trace=no_body_trace,
                )
            url = self._base_url.build(
                method=method,
                region=region,
                bucket_name=bucket_name,
                object_name=object_name,
                query_params=query_params,
            )
            sent = self._request_headers(signer, method, url, headers, body, credentials)
            response = self._http.urlopen(
                method, urlunsplit(url), body=body, headers=sent, preload_content=preload_content
            )
            if response.status in _SUCCESS:
                return response
            raise _error(method, url, bucket_name, object_name, response, preload_content)

    def _request_headers(
        self,
        signer: RequestSigner,
        method: str,
        url: SplitResult,
        given: Mapping[str, Any] | None,
        body: bytes | None,
        credentials: Credentials,
    ) -> Mapping[str, Any]:
        # The headers of Minio._build_headers, in the same cases.
        headers: dict[str, Any] = dict(given) if given else {}
        headers["Host"] = url.netloc
        headers["User-Agent"] = self._user_agent
        if body:
            headers["Content-Length"] = str(len(body))
        if self._base_url.is_https:
            content_sha256 = "UNSIGNED-PAYLOAD"
            if body is not None and not headers.get("Content-MD5"):
                headers["Content-MD5"] = _md5(body)
        else:
            content_sha256 = hashlib.sha256(body).hexdigest() if body else _EMPTY_SHA256
        headers["x-amz-content-sha256"] = content_sha256
        if credentials.session_token:
            headers["X-Amz-Security-Token"] = credentials.session_token
        stamp = signer.timestamp()
        headers["x-amz-date"] = stamp
        headers["Authorization"] = signer.authorization(method, url, headers, credentials, stamp)
        if any(isinstance(value, (list, tuple)) for value in headers.values()):
            multiple = HTTPHeaderDict()
            for name, value in headers.items():
                for item in value if isinstance(value, (list, tuple)) else (value,):
                    multiple.add(name, item)
            return multiple
        return headers


def _error(
    method: str,
    url: SplitResult,
    bucket: str | None,
    key: str | None,
    response: BaseHTTPResponse,
    preload_content: bool,
) -> Exception:
    """The exception the SDK raises for ``response``, an answer that is not a success."""
    response.read(cache_content=True)
    if not preload_content:
        response.release_conn()
    data = response.data
    content_type = response.headers.get("content-type")
    if method != "HEAD" and "application/xml" not in (content_type or "").split(";"):
        if response.status == 304 and not data:
            return ServerError(
                f"server failed with HTTP status code {response.status}", response.status
            )
        return InvalidResponseError(
            response.status, content_type, data.decode("utf-8", "replace") if data else None
        )
    if not data and method != "HEAD":
        return InvalidResponseError(response.status, content_type, None)
    if data:
        return S3Error.fromxml(response)
    code, message = _status_error(response, bucket, key)
    if not code:
        return ServerError(
            f"server failed with HTTP status code {response.status}", response.status
        )
    return S3Error(
        response=response,
        code=code,
        message=message,
        resource=url.path,
        request_id=response.headers.get("x-amz-request-id"),
        host_id=response.headers.get("x-amz-id-2"),
        bucket_name=bucket,
        object_name=key,
    )


def _status_error(
    response: BaseHTTPResponse, bucket: str | None, key: str | None
) -> tuple[str | None, str | None]:
    """The S3 code and message the SDK gives an answer without an error document (a HEAD's)."""
    status = response.status
    if status in _REDIRECTS:
        code, message = _REDIRECTS[status]
        region = response.headers.get("x-amz-bucket-region")
        return code, f"{message}; use region {region}" if region else message
    if status == 403:
        return "AccessDenied", "Access denied"
    if status == 404:
        if key:
            return "NoSuchKey", "Object does not exist"
        if bucket:
            return "NoSuchBucket", "Bucket does not exist"
        return "ResourceNotFound", "Request resource not found"
    if status in {405, 501}:
        return _METHOD_NOT_ALLOWED
    if status == 409:
        # The SDK means these two; its table has a stray comma that turns a 409 to a HEAD
        # into a ValueError of its own.
        if bucket:
            return "NoSuchBucket", "Bucket does not exist"
        return "ResourceConflict", "Request resource conflicts"
    return None, None
