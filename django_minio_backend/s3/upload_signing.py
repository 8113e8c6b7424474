"""Signed browser uploads (AWS Signature V4) for a profile's external endpoint, without a request.

Two forms: a POST policy (an HTML form: the server enforces the key, a size range and the
content type) and a presigned PUT (the content type is a signed header; the size cannot be
bounded by the signature, so it is checked after the upload). The SDK's ``presigned_post_policy``
signs for the client's own (internal) endpoint; a browser needs the external one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Literal
from urllib.parse import quote

import attrs
from minio.credentials.credentials import Credentials

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.s3.sigv4 import SIGV4_ALGORITHM, signing_key
from django_minio_backend.s3.url_signing import browser_host

__all__ = ["PresignedUpload", "post_policy_upload", "put_upload"]


@attrs.frozen
class PresignedUpload:
    """What a browser needs to upload one object: send ``method`` to ``url`` with ``fields`` (a
    multipart form, the file last, for POST) or ``headers`` (for PUT) before ``expires_at``."""

    name: str
    url: str
    method: Literal["POST", "PUT"]
    fields: Mapping[str, str]
    headers: Mapping[str, str]
    expires_at: int  # seconds since the epoch


@attrs.frozen
class _Scope:
    base_url: str
    host: str
    access_key: str
    stamp: str
    scope: str
    signing_key: bytes
    session_token: str | None = attrs.field(default=None, repr=False)

    @property
    def credential(self) -> str:
        return f"{self.access_key}/{self.scope}"

    def sign(self, text: str) -> str:
        return hmac.new(self.signing_key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def _scope(profile: MinioProfile, credentials: Credentials, now: float) -> _Scope:
    scheme = "https" if profile.external_use_https else "http"
    host = browser_host(profile.external_endpoint or profile.endpoint, scheme)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(int(now)))
    day = stamp[:8]
    key = signing_key(credentials.secret_key, day, profile.region)
    return _Scope(
        f"{scheme}://{host}",
        host,
        credentials.access_key,
        stamp,
        f"{day}/{profile.region}/s3/aws4_request",
        key,
        credentials.session_token,
    )


def post_policy_upload(
    profile: MinioProfile,
    bucket: str,
    key: str,
    *,
    min_size: int,
    max_size: int,
    content_type: tuple[Literal["eq", "starts-with"], str] | None,
    expires: int,
    credentials: Credentials,
    required: Mapping[str, str] | None = None,
    now: float | None = None,
) -> PresignedUpload:
    """A POST policy for exactly ``key`` in ``bucket``: ``min_size`` to ``max_size`` bytes and,
    when given, a ``Content-Type`` equal to (or starting with) the value, until ``expires``
    seconds from ``now``; signed with ``credentials`` (the profile provider's, current).
    ``required`` form fields (server-side encryption headers) go into the form and the policy."""
    moment = time.time() if now is None else now
    scope = _scope(profile, credentials, moment)
    expires_at = int(moment) + expires
    fields = {
        "key": key,
        "x-amz-algorithm": SIGV4_ALGORITHM,
        "x-amz-credential": scope.credential,
        "x-amz-date": scope.stamp,
    }
    if scope.session_token is not None:
        fields["x-amz-security-token"] = scope.session_token
    fields.update(required or {})
    conditions: list[object] = [
        {"bucket": bucket},
        ["eq", "$key", key],
        ["content-length-range", min_size, max_size],
    ]
    if content_type is not None:
        operator, value = content_type
        conditions.append([operator, "$Content-Type", value])
        if operator == "eq":
            fields["Content-Type"] = value
    conditions.extend(
        {name: fields[name]}
        for name in (
            "x-amz-algorithm",
            "x-amz-credential",
            "x-amz-date",
            "x-amz-security-token",
            *(required or {}),
        )
        if name in fields
    )
    expiration = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(expires_at))
    document = json.dumps({"expiration": expiration, "conditions": conditions})
    policy = base64.b64encode(document.encode("utf-8")).decode("ascii")
    fields["policy"] = policy
    fields["x-amz-signature"] = scope.sign(policy)
    return PresignedUpload(
        name=key,
        url=f"{scope.base_url}/{quote(bucket)}",
        method="POST",
        fields=fields,
        headers={},
        expires_at=expires_at,
    )


def put_upload(
    profile: MinioProfile,
    bucket: str,
    key: str,
    *,
    content_type: str | None,
    expires: int,
    credentials: Credentials,
    required: Mapping[str, str] | None = None,
    now: float | None = None,
) -> PresignedUpload:
    """A presigned PUT of ``key`` in ``bucket``; with ``content_type``, the ``Content-Type``
    header is signed and must be sent as given in ``headers``, as must the ``required`` ones
    (server-side encryption headers)."""
    moment = time.time() if now is None else now
    scope = _scope(profile, credentials, moment)
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(required or {})
    signed = ";".join(sorted([*(name.lower() for name in headers), "host"]))
    canonical_headers = "".join(
        f"{name}:{value}\n"
        for name, value in sorted(
            [*((n.lower(), v) for n, v in headers.items()), ("host", scope.host)]
        )
    )
    path = f"/{quote(bucket)}/{quote(key)}"
    query = (
        f"X-Amz-Algorithm={SIGV4_ALGORITHM}"
        f"&X-Amz-Credential={quote(scope.credential, safe='')}"
        f"&X-Amz-Date={scope.stamp}"
        f"&X-Amz-Expires={expires}"
    )
    if scope.session_token is not None:  # sorted between Expires and SignedHeaders
        query += f"&X-Amz-Security-Token={quote(scope.session_token, safe='')}"
    query += f"&X-Amz-SignedHeaders={quote(signed, safe='')}"
    canonical = f"PUT\n{path}\n{query}\n{canonical_headers}\n{signed}\nUNSIGNED-PAYLOAD"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    signature = scope.sign(f"{SIGV4_ALGORITHM}\n{scope.stamp}\n{scope.scope}\n{digest}")
    return PresignedUpload(
        name=key,
        url=f"{scope.base_url}{path}?{query}&X-Amz-Signature={signature}",
        method="PUT",
        fields={},
        headers=headers,
        expires_at=int(moment) + expires,
    )
