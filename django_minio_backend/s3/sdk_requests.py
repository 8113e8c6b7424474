"""Single S3 requests with our own headers, sent through the minio SDK.

minio 7.2 has no header argument on ``put_object`` and none on its multipart completion, so a
conditional write (``If-None-Match: *``) cannot go through the public API. This is the ONE module
that uses the SDK's internals, and only one private method of it: ``Minio._execute`` (sign, send,
turn an S3 error answer into ``S3Error``). ``tests/s3/test_sdk_requests.py`` pins its signature, so
an SDK release that changes it fails the tests instead of failing in production.

minio 7.2.19 made every argument keyword-only and renamed some keywords (7.2.20 went back to the
7.2.18 API); every call here passes keywords, and ``get_object`` picks the name of the request
headers argument of the installed release.
"""

from __future__ import annotations

import base64
import hashlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import quote
from xml.etree import ElementTree

import minio.helpers
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error
from urllib3 import BaseHTTPResponse, HTTPHeaderDict

from django_minio_backend.errors import MinioBackendError

__all__ = [
    "ObjectExistsError",
    "abort_multipart_upload",
    "complete_multipart_upload",
    "copy_object",
    "create_multipart_upload",
    "get_object",
    "put_object",
    "upload_part",
]

DEFAULT_CONTENT_TYPE: Final = "application/octet-stream"
PRECONDITION_FAILED: Final = "PreconditionFailed"
_S3_NS: Final = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# minio 7.2.19 calls the request headers of get_object extra_headers, and its _execute takes
# urllib3's HTTPHeaderDict and its own HTTPQueryDict; the other 7.2 releases take plain dicts.
_KEYWORD_ONLY_SDK: Final = "extra_headers" in inspect.signature(Minio.get_object).parameters
_GET_HEADERS_KEYWORD: Final = "extra_headers" if _KEYWORD_ONLY_SDK else "request_headers"
_HEADERS_TYPE: Final[Callable[[Mapping[str, str]], Any]] = (
    HTTPHeaderDict if _KEYWORD_ONLY_SDK else dict
)
_QUERY_TYPE: Final[Callable[[Mapping[str, str]], Any]] = (
    getattr(minio.helpers, "HTTPQueryDict", dict) if _KEYWORD_ONLY_SDK else dict
)


class ObjectExistsError(MinioBackendError, FileExistsError):
    """A conditional write (``If-None-Match: *``) found the object already there; nothing changed.

    A ``FileExistsError``, like the ``O_EXCL`` clash Django's file system storage handles.
    """

    def __init__(self, bucket: str, key: str) -> None:
        self.bucket = bucket
        self.key = key
        super().__init__(
            f"object {key!r} already exists in bucket {bucket!r}; the conditional write "
            "(If-None-Match: *) left it unchanged; write under another name or overwrite it"
        )


def _headers(headers: Mapping[str, str], *, if_none_match: bool = False) -> dict[str, str]:
    # A fresh dict every call: the SDK adds signing headers to the dict it is given.
    fresh = dict(headers)
    if if_none_match:
        fresh["If-None-Match"] = "*"
    return fresh


def _with_content_type(headers: Mapping[str, str]) -> dict[str, str]:
    fresh = _headers(headers)
    if not any(name.lower() == "content-type" for name in fresh):
        fresh["Content-Type"] = DEFAULT_CONTENT_TYPE
    return fresh


def _execute(
    client: Minio,
    method: str,
    bucket: str,
    key: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
) -> BaseHTTPResponse:
    """Send one signed request; an S3 ``PreconditionFailed`` becomes ``ObjectExistsError``."""
    try:
        return client._execute(
            method=method,
            bucket_name=bucket,
            object_name=key,
            body=body,
            headers=None if headers is None else _HEADERS_TYPE(headers),
            query_params=None if query is None else _QUERY_TYPE(query),
        )
    except S3Error as exc:
        if exc.code == PRECONDITION_FAILED:
            raise ObjectExistsError(bucket, key) from exc
        raise


def get_object(
    client: Minio, bucket: str, key: str, headers: Mapping[str, str]
) -> BaseHTTPResponse:
    """GET an object with request headers of our own (``Range``, ``If-Match``), not preloaded."""
    arguments: dict[str, object] = {_GET_HEADERS_KEYWORD: dict(headers)}
    return client.get_object(bucket_name=bucket, object_name=key, **arguments)  # type: ignore[arg-type]


def _etag(response: BaseHTTPResponse) -> str:
    return str(response.headers.get("ETag", "")).strip('"')


def _parse_xml(response: BaseHTTPResponse) -> ElementTree.Element:
    """The XML body of ``response``; ``InvalidResponseError`` (as the SDK raises) if it is none."""
    try:
        # The answer of the configured server, parsed the way the SDK parses every answer.
        return ElementTree.fromstring(response.data)  # noqa: S314
    except ElementTree.ParseError as exc:
        raise InvalidResponseError(
            response.status,
            response.headers.get("Content-Type"),
            response.data[:200].decode("utf-8", "replace"),
        ) from exc


def _xml_text(element: ElementTree.Element, tag: str) -> str | None:
    found = element.find(_S3_NS + tag)
    if found is None:
        found = element.find(tag)
    return None if found is None else (found.text or "")


def put_object(
    client: Minio,
    bucket: str,
    key: str,
    data: bytes,
    headers: Mapping[str, str],
    *,
    if_none_match: bool,
) -> str:
    """PUT ``data`` as ``bucket/key`` in one request; return the new ETag.

    With ``if_none_match`` the write happens only if the key is free, else ``ObjectExistsError``.
    ``Content-Type`` defaults to ``application/octet-stream``.
    """
    fresh = _with_content_type(headers)
    if if_none_match:
        fresh["If-None-Match"] = "*"
    return _etag(_execute(client, "PUT", bucket, key, body=data, headers=fresh))


def create_multipart_upload(
    client: Minio, bucket: str, key: str, headers: Mapping[str, str]
) -> str:
    """Start a multipart upload whose object gets ``headers``; return its upload id."""
    response = _execute(
        client, "POST", bucket, key, headers=_with_content_type(headers), query={"uploads": ""}
    )
    upload_id = _xml_text(_parse_xml(response), "UploadId")
    if not upload_id:
        raise MinioException(
            f"CreateMultipartUpload for {key!r} in bucket {bucket!r}: the server's answer "
            "holds no UploadId"
        )
    return upload_id


def upload_part(
    client: Minio,
    bucket: str,
    key: str,
    upload_id: str,
    part_number: int,
    data: bytes,
    headers: Mapping[str, str] | None = None,
) -> str:
    """Upload part ``part_number`` (1 to 10,000) of a multipart upload; return its ETag.

    ``headers``: what each part must carry (an SSE-C key).
    """
    response = _execute(
        client,
        "PUT",
        bucket,
        key,
        body=data,
        headers=_headers(headers or {}),
        query={"partNumber": str(part_number), "uploadId": upload_id},
    )
    return _etag(response)


def _complete_body(parts: Sequence[tuple[int, str]]) -> bytes:
    root = ElementTree.Element("CompleteMultipartUpload")
    for number, etag in parts:
        part = ElementTree.SubElement(root, "Part")
        ElementTree.SubElement(part, "PartNumber").text = str(number)
        ElementTree.SubElement(part, "ETag").text = f'"{etag}"'
    return ElementTree.tostring(root)


def complete_multipart_upload(
    client: Minio,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Sequence[tuple[int, str]],
    *,
    if_none_match: bool,
) -> str:
    """Assemble the uploaded ``(part number, ETag)`` parts into the object; return its ETag.

    With ``if_none_match`` the object is created only if the key is free, else
    ``ObjectExistsError`` (the upload stays open: abort it).
    """
    body = _complete_body(parts)
    headers = _headers(
        {
            "Content-Type": "application/xml",
            "Content-MD5": base64.b64encode(
                hashlib.md5(body, usedforsecurity=False).digest()
            ).decode("ascii"),
        },
        if_none_match=if_none_match,
    )
    response = _execute(
        client, "POST", bucket, key, body=body, headers=headers, query={"uploadId": upload_id}
    )
    # S3 may answer 200 and still report a failure in the body.
    root = _parse_xml(response)
    if root.tag in {"Error", _S3_NS + "Error"}:
        error = S3Error.fromxml(response)
        if error.code == PRECONDITION_FAILED:
            raise ObjectExistsError(bucket, key) from error
        raise error
    etag = _xml_text(root, "ETag")
    return (etag or _etag(response)).strip('"')


def copy_object(
    client: Minio,
    bucket: str,
    key: str,
    source_bucket: str,
    source_key: str,
    headers: Mapping[str, str],
) -> str:
    """Copy ``source_bucket/source_key`` to ``bucket/key`` on the server; return the new ETag.

    ``headers``: the copy's encryption (``ObjectEncryption.write`` of the target and
    ``copy_source`` of the source, for SSE-C); content type and metadata are copied.
    """
    fresh = _headers(headers)
    fresh["x-amz-copy-source"] = quote(f"/{source_bucket}/{source_key}")
    response = _execute(client, "PUT", bucket, key, headers=fresh)
    root = _parse_xml(response)  # S3 may answer 200 and report a failure in the body
    if root.tag in {"Error", _S3_NS + "Error"}:
        raise S3Error.fromxml(response)
    return (_xml_text(root, "ETag") or _etag(response)).strip('"')


def abort_multipart_upload(client: Minio, bucket: str, key: str, upload_id: str) -> None:
    """Abort a multipart upload, dropping the parts uploaded so far.

    After a failure, send it with the profile's ``cleanup`` client (``s3.clients``): one attempt
    with a short timeout, so that the failed write does not wait again for every retry.
    """
    _execute(client, "DELETE", bucket, key, query={"uploadId": upload_id})
