"""The single-request wrappers around the minio SDK's internals, against the real server."""

from __future__ import annotations

import hashlib
import inspect
import io
from importlib.metadata import version
from typing import Any

import pytest
import urllib3
from minio import Minio
from minio.error import InvalidResponseError, MinioException, S3Error, ServerError

from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.failures import response_status
from django_minio_backend.s3.sdk_requests import ObjectExistsError
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import open_upload_ids, read_object, unique_key

MiB = 1024 * 1024


class AnsweringPool(urllib3.PoolManager):
    """Answers every request with 200 and ``body`` (as ``application/xml``), sending nothing."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        return urllib3.HTTPResponse(
            body=self.body, status=200, headers={"Content-Type": "application/xml"}
        )


def key() -> str:
    return unique_key("obj-")


# ----------------------------------------------------------------------------- the pinned SDK API


def test_installed_minio_is_in_the_declared_range() -> None:
    major, minor, patch = (int(part) for part in version("minio").split(".")[:3])
    assert (7, 2, 8) <= (major, minor, patch) < (8, 0, 0)


def test_private_execute_has_the_parameters_we_pass() -> None:
    # sdk_requests calls Minio._execute(method, bucket, key, body=, headers=, query_params=).
    # If an SDK release renames or reorders these, this test fails before production does.
    parameters = inspect.signature(Minio._execute).parameters
    names = list(parameters)
    assert names[:4] == ["self", "method", "bucket_name", "object_name"]
    for name in ("body", "headers", "query_params"):
        assert name in parameters
        assert parameters[name].kind in {
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            inspect.Parameter.KEYWORD_ONLY,
        }
        assert parameters[name].default is None
    assert parameters["preload_content"].default is True


def test_public_sdk_api_we_rely_on() -> None:
    # minio 7.2.19 renamed request_headers; sdk_requests.get_object passes whichever exists.
    parameters = inspect.signature(Minio.get_object).parameters
    assert "request_headers" in parameters or "extra_headers" in parameters
    assert callable(S3Error.fromxml)


def test_sdk_errors_keep_the_http_status_where_failures_reads_it() -> None:
    # s3.failures.response_status reads ServerError.status_code and InvalidResponseError._code.
    assert ServerError("bare 502", 502).status_code == 502
    invalid = InvalidResponseError(502, "text/html", "<html>Bad Gateway</html>")
    assert response_status(invalid) == 502
    assert response_status(ServerError("bare 503", 503)) == 503
    assert response_status(MinioException("no UploadId")) is None


def test_an_unreadable_answer_is_an_invalid_response() -> None:
    # A 200 whose body is no XML (a captive portal, a misrouted proxy) is the SDK's
    # InvalidResponseError, with the status, as for the SDK's own requests.
    pool = AnsweringPool(b"<html><body>Welcome to the hotel Wi-Fi<br></body></html>")
    hotel = Minio(
        endpoint="127.0.0.1:9",  # never contacted: the pool answers
        access_key="k",
        secret_key="secret-key",
        secure=False,
        region="us-east-1",
        http_client=pool,
    )
    with pytest.raises(InvalidResponseError) as caught:
        sdk_requests.create_multipart_upload(hotel, "t-any", key(), {})
    assert response_status(caught.value) == 200
    assert "hotel Wi-Fi" in str(caught.value)


# ----------------------------------------------------------------------------- single PUT


def test_conditional_put_of_a_new_key(s3_client: Minio, bucket: str) -> None:
    name = key()
    etag = sdk_requests.put_object(s3_client, bucket, name, b"first", {}, if_none_match=True)
    assert etag == hashlib.md5(b"first", usedforsecurity=False).hexdigest()
    assert read_object(s3_client, bucket, name) == b"first"
    assert (
        s3_client.stat_object(bucket_name=bucket, object_name=name).content_type
        == "application/octet-stream"
    )


def test_conditional_put_of_an_existing_key_changes_nothing(s3_client: Minio, bucket: str) -> None:
    name = key()
    sdk_requests.put_object(s3_client, bucket, name, b"original", {}, if_none_match=True)
    with pytest.raises(ObjectExistsError) as caught:
        sdk_requests.put_object(s3_client, bucket, name, b"intruder", {}, if_none_match=True)
    error = caught.value
    assert isinstance(error, FileExistsError)
    assert (error.bucket, error.key) == (bucket, name)
    assert repr(name) in str(error)
    assert repr(bucket) in str(error)
    assert read_object(s3_client, bucket, name) == b"original"


def test_unconditional_put_overwrites(s3_client: Minio, bucket: str) -> None:
    name = key()
    sdk_requests.put_object(s3_client, bucket, name, b"old", {}, if_none_match=False)
    sdk_requests.put_object(s3_client, bucket, name, b"new", {}, if_none_match=False)
    assert read_object(s3_client, bucket, name) == b"new"


def test_put_sends_headers_and_leaves_the_callers_dict_alone(s3_client: Minio, bucket: str) -> None:
    name = key()
    headers = {
        "Content-Type": "text/plain; charset=utf-8",
        "Cache-Control": "max-age=60",
        "x-amz-meta-origin": "test",
    }
    before = dict(headers)
    sdk_requests.put_object(s3_client, bucket, name, b"x", headers, if_none_match=True)
    sdk_requests.put_object(s3_client, bucket, key(), b"y", headers, if_none_match=True)
    assert headers == before
    stat = s3_client.stat_object(bucket_name=bucket, object_name=name)
    assert stat.metadata is not None
    assert stat.content_type == "text/plain; charset=utf-8"
    assert stat.metadata["Cache-Control"] == "max-age=60"
    assert stat.metadata["X-Amz-Meta-origin"] == "test"


def test_empty_object(s3_client: Minio, bucket: str) -> None:
    name = key()
    sdk_requests.put_object(s3_client, bucket, name, b"", {}, if_none_match=True)
    assert s3_client.stat_object(bucket_name=bucket, object_name=name).size == 0


def test_other_errors_are_not_reported_as_existing(
    s3_server: S3Server, s3_client: Minio, bucket: str
) -> None:
    name = key()
    sdk_requests.put_object(s3_client, bucket, name, b"original", {}, if_none_match=False)
    intruder = s3_server.client(secret_key=s3_server.secret_key + "-wrong")
    with pytest.raises(S3Error) as caught:
        sdk_requests.put_object(intruder, bucket, name, b"x", {}, if_none_match=True)
    assert not isinstance(caught.value, ObjectExistsError)
    assert caught.value.code == "SignatureDoesNotMatch"


# ----------------------------------------------------------------------------- multipart


def test_multipart_round_trip(s3_client: Minio, bucket: str) -> None:
    name = key()
    first, second = b"a" * (5 * MiB), b"tail"
    upload_id = sdk_requests.create_multipart_upload(
        s3_client, bucket, name, {"Content-Type": "application/x-test", "x-amz-meta-kind": "mp"}
    )
    assert open_upload_ids(s3_client, bucket, name) == [upload_id]
    parts = [
        (1, sdk_requests.upload_part(s3_client, bucket, name, upload_id, 1, first)),
        (2, sdk_requests.upload_part(s3_client, bucket, name, upload_id, 2, second)),
    ]
    assert parts[0][1] == hashlib.md5(first, usedforsecurity=False).hexdigest()
    etag = sdk_requests.complete_multipart_upload(
        s3_client, bucket, name, upload_id, parts, if_none_match=True
    )
    assert etag.endswith("-2")
    assert read_object(s3_client, bucket, name) == first + second
    stat = s3_client.stat_object(bucket_name=bucket, object_name=name)
    assert stat.metadata is not None
    assert stat.content_type == "application/x-test"
    assert stat.metadata["X-Amz-Meta-kind"] == "mp"
    assert open_upload_ids(s3_client, bucket, name) == []


def test_conditional_completion_on_an_existing_key(s3_client: Minio, bucket: str) -> None:
    name = key()
    s3_client.put_object(
        bucket_name=bucket, object_name=name, data=io.BytesIO(b"original"), length=8
    )
    upload_id = sdk_requests.create_multipart_upload(s3_client, bucket, name, {})
    etag = sdk_requests.upload_part(s3_client, bucket, name, upload_id, 1, b"intruder")
    with pytest.raises(ObjectExistsError):
        sdk_requests.complete_multipart_upload(
            s3_client, bucket, name, upload_id, [(1, etag)], if_none_match=True
        )
    assert read_object(s3_client, bucket, name) == b"original"
    # The upload stays open until aborted: that is the caller's job.
    assert open_upload_ids(s3_client, bucket, name) == [upload_id]
    sdk_requests.abort_multipart_upload(s3_client, bucket, name, upload_id)
    assert open_upload_ids(s3_client, bucket, name) == []


def test_unconditional_completion_overwrites(s3_client: Minio, bucket: str) -> None:
    name = key()
    s3_client.put_object(bucket_name=bucket, object_name=name, data=io.BytesIO(b"old"), length=3)
    upload_id = sdk_requests.create_multipart_upload(s3_client, bucket, name, {})
    etag = sdk_requests.upload_part(s3_client, bucket, name, upload_id, 1, b"new")
    sdk_requests.complete_multipart_upload(
        s3_client, bucket, name, upload_id, [(1, etag)], if_none_match=False
    )
    assert read_object(s3_client, bucket, name) == b"new"


def test_abort_of_an_unknown_upload_raises(s3_client: Minio, bucket: str) -> None:
    with pytest.raises(S3Error) as caught:
        sdk_requests.abort_multipart_upload(s3_client, bucket, key(), "no-such-upload")
    assert caught.value.code == "NoSuchUpload"
