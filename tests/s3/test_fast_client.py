"""FastMinio sends the SDK's requests and raises the SDK's errors: both clients side by side.

Every case runs through a plain ``Minio`` and a ``FastMinio`` on the same server and compares what
each returns or raises. With minio 7.2.19 (another ``_url_open``) ``FastMinio`` is the SDK's own
path, and the comparisons still hold.
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from importlib.metadata import version
from typing import Any
from urllib.parse import urlsplit

import pytest
import urllib3
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from minio import Minio
from minio.commonconfig import Tags
from minio.credentials.credentials import Credentials
from minio.credentials.providers import StaticProvider
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.signer import _get_canonical_headers, sign_v4_s3

from django_minio_backend.s3 import fast_client, sdk_requests
from django_minio_backend.s3.fast_client import CLASSIC_URL_OPEN, FastMinio, RequestSigner
from django_minio_backend.s3.sdk_requests import ObjectExistsError
from django_minio_backend.testing.s3server import REGION, LocalS3Server
from tests.helpers import unique_key

MiB = 1024 * 1024
KEYS = (
    "plain.txt",
    "with space/und ümlaut/日本.bin",
    "reserved !$&'()*+,;=:@ chars.txt",
    "percent %2F and tilde ~ and plus+.txt",
)

pytestmark = pytest.mark.skipif(
    not CLASSIC_URL_OPEN and version("minio") != "7.2.19",
    reason="an SDK whose _url_open FastMinio does not know",
)


def fast_twin(server: LocalS3Server, **overrides: Any) -> FastMinio:
    arguments: dict[str, Any] = {
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "secure": False,
        "region": REGION,
        **overrides,
    }
    return FastMinio(**arguments)


@pytest.fixture(scope="module")
def fast(s3_server: LocalS3Server) -> FastMinio:
    return fast_twin(s3_server)


def metadata_argument(metadata: dict[str, str]) -> dict[str, Any]:
    """put_object's user metadata keyword (minio 7.2.19 renamed it and wants a header dict)."""
    if "user_metadata" in inspect.signature(Minio.put_object).parameters:
        return {"user_metadata": urllib3.HTTPHeaderDict(metadata)}
    return {"metadata": metadata}


def outcome(call: Callable[[], Any]) -> tuple[Any, ...]:
    """What a call returned, or the type and S3 details of what it raised."""
    try:
        return ("returned", call())
    except S3Error as error:
        # minio 7.2.8 keeps the bucket in _bucket_name only; later releases expose bucket_name.
        bucket = getattr(error, "bucket_name", getattr(error, "_bucket_name", None))
        return ("S3Error", error.code, error.message, error.response.status, bucket)
    except (InvalidResponseError, ServerError) as error:
        return (type(error).__name__, str(error))
    except ObjectExistsError as error:
        return ("ObjectExistsError", error.bucket, error.key)


def both(sdk: Minio, fast: Minio, call: Callable[[Minio], Any]) -> tuple[Any, ...]:
    expected = outcome(lambda: call(sdk))
    assert outcome(lambda: call(fast)) == expected
    return expected


# ----------------------------------------------------------------------------- the pinned SDK API


def test_url_open_is_the_one_replaced_or_the_719_one() -> None:
    # FastMinio replaces _url_open only where its parameters are the classic ones; minio 7.2.19
    # made them keyword-only (and changed their types), and there the SDK's own code runs.
    assert (version("minio") != "7.2.19") == CLASSIC_URL_OPEN
    method = inspect.signature(Minio._url_open).parameters["method"]
    expected_kind = (
        inspect.Parameter.POSITIONAL_OR_KEYWORD
        if CLASSIC_URL_OPEN
        else inspect.Parameter.KEYWORD_ONLY
    )
    assert method.kind == expected_kind
    assert ("_url_open" in vars(FastMinio)) == CLASSIC_URL_OPEN


def test_the_fast_path_is_used_only_with_a_fixed_region(s3_server: LocalS3Server) -> None:
    assert (fast_twin(s3_server)._request_signer is not None) == CLASSIC_URL_OPEN
    assert fast_twin(s3_server, region=None)._request_signer is None


# ----------------------------------------------------------------------------- same results


def test_objects_written_and_read_under_awkward_keys(
    s3_client: Minio, fast: FastMinio, bucket: str
) -> None:
    for name in KEYS:
        for writer, reader in ((fast, s3_client), (s3_client, fast)):
            key = f"{unique_key('awkward-')}/{name}"
            data = key.encode() * 50
            writer.put_object(
                bucket_name=bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                # Two spaces: canonical headers collapse them.
                **metadata_argument({"note": "hello  world"}),
            )
            response = reader.get_object(bucket_name=bucket, object_name=key)
            try:
                assert response.read() == data
            finally:
                response.close()
                response.release_conn()
            stats = [c.stat_object(bucket_name=bucket, object_name=key) for c in (s3_client, fast)]
            assert stats[0].etag == stats[1].etag
            assert stats[0].size == stats[1].size == len(data)
            assert stats[0].metadata["x-amz-meta-note"] == stats[1].metadata["x-amz-meta-note"]


def test_listings_with_prefixes_that_need_quoting(
    s3_client: Minio, fast: FastMinio, bucket: str
) -> None:
    prefix = f"{unique_key('list ')}/ä & b=c+d/"
    for index in range(3):
        s3_client.put_object(
            bucket_name=bucket,
            object_name=f"{prefix}{index} x.txt",
            data=io.BytesIO(b"x"),
            length=1,
        )

    def listing(client: Minio) -> list[str]:
        objects = client.list_objects(bucket_name=bucket, prefix=prefix, start_after=prefix)
        return [str(item.object_name) for item in objects]

    names = both(s3_client, fast, listing)[1]
    assert names == [f"{prefix}{index} x.txt" for index in range(3)]


def test_query_parameters_without_values_and_posted_bodies(
    s3_client: Minio, fast: FastMinio, bucket: str
) -> None:
    key = unique_key("tagged-")
    fast.put_object(bucket_name=bucket, object_name=key, data=io.BytesIO(b"t"), length=1)
    tags = Tags.new_object_tags()
    tags["team"] = "web ops"
    fast.set_object_tags(bucket_name=bucket, object_name=key, tags=tags)  # PUT ?tagging
    assert dict(s3_client.get_object_tags(bucket_name=bucket, object_name=key) or {}) == {
        "team": "web ops"
    }
    # DeleteObjects: a POSTed XML body with the Content-MD5 header the SDK computes itself.
    errors = list(fast.remove_objects(bucket_name=bucket, delete_object_list=[DeleteObject(key)]))
    assert errors == []
    assert both(s3_client, fast, lambda c: c.stat_object(bucket_name=bucket, object_name=key))[
        :2
    ] == ("S3Error", "NoSuchKey")


def test_a_multipart_upload(s3_client: Minio, fast: FastMinio, bucket: str) -> None:
    key = unique_key("multipart-")
    data = bytes(range(256)) * (6 * MiB // 256)
    fast.put_object(
        bucket_name=bucket,
        object_name=key,
        data=io.BytesIO(data),
        length=len(data),
        part_size=5 * MiB,
    )
    assert s3_client.stat_object(bucket_name=bucket, object_name=key).size == len(data)


def test_conditional_writes(s3_client: Minio, fast: FastMinio, bucket: str) -> None:
    key = unique_key("conditional-")
    sdk_requests.put_object(fast, bucket, key, b"first", {}, if_none_match=True)
    again = both(
        s3_client,
        fast,
        lambda c: sdk_requests.put_object(c, bucket, key, b"second", {}, if_none_match=True),
    )
    assert again == ("ObjectExistsError", bucket, key)


# ----------------------------------------------------------------------------- same errors


def test_missing_objects_and_buckets(s3_client: Minio, fast: FastMinio, bucket: str) -> None:
    missing = unique_key("missing-")
    cases: list[Callable[[Minio], Any]] = [
        lambda c: c.stat_object(bucket_name=bucket, object_name=missing),
        lambda c: c.stat_object(bucket_name="t-no-such-bucket", object_name=missing),
        lambda c: c.get_object(bucket_name=bucket, object_name=missing),
        lambda c: c.get_object(bucket_name="t-no-such-bucket", object_name=missing),
        lambda c: c.bucket_exists(bucket_name="t-no-such-bucket"),
        lambda c: list(c.list_objects(bucket_name="t-no-such-bucket")),
        lambda c: c.remove_object(bucket_name=bucket, object_name=missing),
    ]
    seen = [both(s3_client, fast, case) for case in cases]
    assert seen[0][:2] == ("S3Error", "NoSuchKey")
    assert seen[2][:2] == ("S3Error", "NoSuchKey")
    assert seen[4] == ("returned", False)


def test_wrong_keys_are_refused_alike(s3_server: LocalS3Server, bucket: str) -> None:
    sdk = s3_server.client(secret_key="not-the-secret")
    fast = fast_twin(s3_server, secret_key="not-the-secret")
    head = both(sdk, fast, lambda c: c.stat_object(bucket_name=bucket, object_name="any"))
    get = both(sdk, fast, lambda c: c.get_object(bucket_name=bucket, object_name="any"))
    assert head[:2] == ("S3Error", "AccessDenied")  # a HEAD carries no error document
    assert get[0] == "S3Error"
    assert get[1] != "AccessDenied"  # the server's own code (SignatureDoesNotMatch)


class AnsweringPool(urllib3.PoolManager):
    """Answers every request with a fixed status, headers and body; sends nothing."""

    def __init__(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        super().__init__()
        self.answer = (status, body, headers)

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        status, body, headers = self.answer
        return urllib3.HTTPResponse(
            body=io.BytesIO(body), status=status, headers=headers, preload_content=False
        )


def answered(status: int, body: bytes = b"", **headers: str) -> Iterator[Minio]:
    for kind in (Minio, FastMinio):
        yield kind(
            endpoint="127.0.0.1:9",  # never contacted: the pool answers
            access_key="k",
            secret_key="secret-key",
            secure=False,
            region="us-east-1",
            http_client=AnsweringPool(status, body, headers),
        )


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
        (503, b"", {}),
        (304, b"", {}),
        (500, b"", {"Content-Type": "application/xml"}),
        (301, b"", {"x-amz-bucket-region": "eu-west-1"}),
        (307, b"", {}),
        (400, b"", {}),
        (403, b"", {}),
        (404, b"", {}),
        (405, b"", {}),
        (501, b"", {}),
        (418, b"", {}),
        (
            404,
            b"<Error><Code>NoSuchKey</Code><Message>gone</Message></Error>",
            {"Content-Type": "application/xml"},
        ),
    ],
)
def test_answers_that_are_no_success(status: int, body: bytes, headers: dict[str, str]) -> None:
    sdk, fast = answered(status, body, **headers)
    for call in (
        lambda c: c.stat_object(bucket_name="t-b", object_name="k"),
        lambda c: c.get_object(bucket_name="t-b", object_name="k"),
        lambda c: c.bucket_exists(bucket_name="t-b"),
    ):
        result = both(sdk, fast, call)
        assert result[0] != "returned" or result == ("returned", False)


@pytest.mark.skipif(not CLASSIC_URL_OPEN, reason="minio 7.2.19 answers with its own code")
def test_a_409_to_a_head_is_an_s3_error() -> None:
    # The SDK's own table turns this one into a ValueError; FastMinio names the conflict.
    sdk, fast = answered(409)
    with pytest.raises(ValueError):
        sdk.stat_object(bucket_name="t-b", object_name="k")
    with pytest.raises(S3Error) as caught:
        fast.stat_object(bucket_name="t-b", object_name="k")
    assert (caught.value.code, caught.value.response.status) == ("NoSuchBucket", 409)


# ----------------------------------------------------------------------------- the signature


def sdk_authorization(
    method: str, url: str, headers: dict[str, Any], credentials: Credentials
) -> str:
    unsigned = {name: value for name, value in headers.items() if name != "Authorization"}
    date = datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    signed = sign_v4_s3(
        method=method,
        url=urlsplit(url),
        region="us-east-1",
        headers=unsigned,
        credentials=credentials,
        content_sha256=unsigned["x-amz-content-sha256"],
        date=date,
    )
    return str(signed["Authorization"])


header_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=30)

# minio 7.2.8 signs a header value with its surrounding spaces, which HTTP drops in transit (so
# the server's signature differs); later releases trim them, as SigV4 says and FastMinio does.
SDK_TRIMS_HEADER_VALUES = (
    _get_canonical_headers(urllib3.HTTPHeaderDict({"x-amz-meta-a": " v "}))[0] == "x-amz-meta-a:v"
)


@pytest.mark.skipif(not CLASSIC_URL_OPEN, reason="minio 7.2.19 signs with its own code")
@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    method=st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE"]),
    key=st.text(min_size=1, max_size=40).filter(lambda k: "\x00" not in k),
    query=st.dictionaries(
        st.sampled_from(["prefix", "uploadId", "partNumber", "tagging", "list-type", "marker"]),
        st.text(max_size=20),
        max_size=3,
    ),
    extra=st.dictionaries(st.sampled_from(["x-amz-meta-a", "Cache-Control", "Range"]), header_text),
    body=st.one_of(st.none(), st.binary(max_size=64)),
    token=st.one_of(st.none(), st.just("session/token+=")),
    secure=st.booleans(),
)
def test_headers_are_signed_as_the_sdk_signs_them(
    method: str,
    key: str,
    query: dict[str, str],
    extra: dict[str, str],
    body: bytes | None,
    token: str | None,
    secure: bool,
) -> None:
    if not SDK_TRIMS_HEADER_VALUES:
        assume(all(value == value.strip() for value in extra.values()))
    credentials = Credentials("access/key", "secret-key", token)
    client = FastMinio(
        endpoint="files.example.com:9000",
        credentials=StaticProvider("access/key", "secret-key", token),
        secure=secure,
        region="us-east-1",
    )
    signer = client._request_signer
    assert signer is not None
    url = client._base_url.build(
        method=method,
        region="us-east-1",
        bucket_name="t-bucket",
        object_name=key,
        query_params=query,
    )
    sent = dict(client._request_headers(signer, method, url, extra, body, credentials))
    expected, _ = client._build_headers(url.netloc, dict(extra), body, credentials)
    assert {k: v for k, v in sent.items() if k not in {"Authorization", "x-amz-date"}} == {
        k: v for k, v in expected.items() if k != "x-amz-date"
    }
    assert sent["Authorization"] == sdk_authorization(method, url.geturl(), sent, credentials)


def test_the_signing_key_is_derived_once_per_day_and_credentials(
    s3_server: LocalS3Server, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    derived: list[str] = []
    real = fast_client.signing_key

    def counting(secret_key: str, day: str, region: str) -> bytes:
        derived.append(day)
        return real(secret_key, day, region)

    monkeypatch.setattr(fast_client, "signing_key", counting)
    client = fast_twin(s3_server)
    for _ in range(20):
        client.bucket_exists(bucket_name=bucket)
    assert len(derived) == (1 if CLASSIC_URL_OPEN else 0)
    # Rotated credentials (a new Credentials object from the provider) get a key of their own.
    client._provider = StaticProvider(s3_server.access_key, s3_server.secret_key)
    client.bucket_exists(bucket_name=bucket)
    client.bucket_exists(bucket_name=bucket)
    assert len(derived) == (2 if CLASSIC_URL_OPEN else 0)


def test_signer_repr_shows_no_key() -> None:
    signer = RequestSigner("us-east-1")
    assert repr(signer) == "RequestSigner(region='us-east-1')"
