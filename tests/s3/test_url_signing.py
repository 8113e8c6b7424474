"""Our presigned URLs are exactly the SDK's (pure logic; the server test is in test_storage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from hypothesis import given, settings
from hypothesis import strategies as st
from minio import Minio

from django_minio_backend import MinioProfile
from django_minio_backend.s3.credentials import profile_provider
from django_minio_backend.s3.keys import object_key
from django_minio_backend.s3.url_signing import (
    UrlSigner,
    content_disposition,
    expiry_seconds,
    response_parameters,
)


def signer_for(profile: MinioProfile) -> UrlSigner:
    return UrlSigner(profile, profile_provider(profile))


def is_storable(key: str) -> bool:
    """Keys the storage accepts (the SDK refuses some of the others, such as ".")."""
    try:
        object_key(key)
    except SuspiciousFileOperation:
        return False
    return True


WHEN = datetime(2026, 11, 25, 13, 14, 15, tzinfo=UTC)


def sdk_url(profile: MinioProfile, bucket: str, key: str) -> str:
    client = Minio(
        endpoint=profile.external_endpoint or profile.endpoint,
        access_key=profile.access_key,
        secret_key=profile.secret_key,
        secure=bool(profile.external_use_https),
        region=profile.region,
    )
    return client.presigned_get_object(
        bucket_name=bucket, object_name=key, expires=profile.url_expiry, request_date=WHEN
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"endpoint": "minio:9000", "use_https": False},
        {"endpoint": "in:9000", "external_endpoint": "files.example.com", "region": "eu-west-3"},
        {"endpoint": "in:9000", "external_endpoint": "files.example.com:443"},
        {"endpoint": "in:80", "use_https": False, "url_expiry": timedelta(seconds=1)},
    ],
)
def test_matches_the_sdk(fields: dict[str, object]) -> None:
    profile = MinioProfile(access_key="AK/with+chars", secret_key="s3cr3t", **fields)  # type: ignore[arg-type]
    ours = signer_for(profile).presigned_get("media", "a b/ü+c~d!.txt", now=WHEN.timestamp())
    assert ours == sdk_url(profile, "media", "a b/ü+c~d!.txt")


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
        is_storable
    )
)
def test_any_key_matches_the_sdk(key: str) -> None:
    profile = MinioProfile(endpoint="minio:9000", access_key="AK", secret_key="SK")
    assert signer_for(profile).presigned_get("bkt", key, now=WHEN.timestamp()) == sdk_url(
        profile, "bkt", key
    )


def test_secret_not_in_repr() -> None:
    signer = signer_for(MinioProfile(endpoint="m:1", access_key="AK", secret_key="hidden-secret"))
    assert "hidden-secret" not in repr(signer)
    assert signer.presigned_get("b", "k").count("X-Amz-Signature=") == 1


# --- url() options: response overrides, expiry, the signing window -------------------------------


def sdk_url_with(
    profile: MinioProfile,
    bucket: str,
    key: str,
    expires: timedelta,
    response: dict[str, str],
    session_token: str | None = None,
) -> str:
    client = Minio(
        endpoint=profile.external_endpoint or profile.endpoint,
        access_key=profile.access_key,
        secret_key=profile.secret_key,
        session_token=session_token,
        secure=bool(profile.external_use_https),
        region=profile.region,
    )
    return client.presigned_get_object(
        bucket_name=bucket,
        object_name=key,
        expires=expires,
        response_headers=dict(response),
        request_date=WHEN,
    )


def test_a_session_token_with_overrides_matches_the_sdk() -> None:
    profile = MinioProfile(
        endpoint="minio:9000", access_key="AK", secret_key="SK", session_token="tok/en+1="
    )
    response = {"response-content-type": "text/plain", "response-cache-control": "no-store"}
    ours = signer_for(profile).presigned_get(
        "bkt", "a b.txt", expires=600, response=response, now=WHEN.timestamp()
    )
    assert ours == sdk_url_with(
        profile, "bkt", "a b.txt", timedelta(seconds=600), response, session_token="tok/en+1="
    )


RESPONSES = [
    {"response-content-type": "text/plain; charset=utf-8"},
    {"response-content-disposition": content_disposition("Grüße & «report» 100%.pdf", None)},
    {
        "response-cache-control": "max-age=60, private",
        "response-content-language": "de-CH",
        "response-content-encoding": "gzip",
        "response-expires": "Wed, 21 Oct 2015 07:28:00 GMT",
        "response-content-disposition": content_disposition("a b+c.txt", True),
        "response-content-type": "application/pdf",
    },
]


@pytest.mark.parametrize("response", RESPONSES)
@pytest.mark.parametrize("expires", [1, 3600, 604800])
def test_overrides_and_expiry_match_the_sdk(response: dict[str, str], expires: int) -> None:
    profile = MinioProfile(
        endpoint="in:9000", external_endpoint="files.example.com", access_key="AK/+", secret_key="S"
    )
    ours = signer_for(profile).presigned_get(
        "media", "a b/ü+c~d!.txt", expires=expires, response=response, now=WHEN.timestamp()
    )
    assert ours == sdk_url_with(
        profile, "media", "a b/ü+c~d!.txt", timedelta(seconds=expires), response
    )


@settings(max_examples=150, deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=30),
    st.booleans(),
)
def test_any_download_name_matches_the_sdk(download_name: str, inline: bool) -> None:
    profile = MinioProfile(endpoint="minio:9000", access_key="AK", secret_key="SK")
    if not download_name.strip() or not download_name.isprintable():
        with pytest.raises(ValueError, match="download_name"):
            response_parameters(download_name=download_name)
        return
    response = response_parameters(download_name=download_name, inline=inline)
    disposition = response["response-content-disposition"]
    assert disposition.isascii() and disposition.startswith("inline" if inline else "attachment")
    ours = signer_for(profile).presigned_get("bkt", "k", response=response, now=WHEN.timestamp())
    assert ours == sdk_url_with(profile, "bkt", "k", profile.url_expiry, response)


def test_content_disposition_has_an_ascii_fallback_and_the_exact_name() -> None:
    assert content_disposition("report.pdf", None) == (
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
    )
    assert content_disposition('Grüße "Ä"\\.txt', True) == (
        "inline; filename=\"Grue _A__.txt\"; filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22%C3%84%22%5C.txt"
    )
    assert content_disposition("日本.txt", None) == (
        "attachment; filename=\".txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt"
    )
    assert content_disposition("日本", None).startswith('attachment; filename="download";')
    assert content_disposition(None, True) == "inline"
    assert content_disposition(None, False) == "attachment"
    assert content_disposition(None, None) is None


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"parameters": {"content-type": "x/y"}}, "unknown URL parameter 'content-type'"),
        ({"parameters": {"response-content-type": "a\nb"}}, "printable ASCII"),
        ({"content_type": "text"}, "MIME type"),
        ({"content_type": "text/é"}, "printable ASCII"),
        ({"download_name": "a\r\nSet-Cookie: x"}, "control character"),
        ({"download_name": " "}, "non-empty"),
        (
            {"download_name": "a", "parameters": {"response-content-disposition": "inline"}},
            "not both",
        ),
        ({"content_type": "a/b", "parameters": {"response-content-type": "c/d"}}, "not both"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        response_parameters(**options)


@pytest.mark.parametrize(
    ("expire", "seconds"),
    [(timedelta(hours=1), 3600), (1, 1), (604800, 604800), (timedelta(seconds=90.7), 90)],
)
def test_expiry_seconds(expire: Any, seconds: int) -> None:
    assert expiry_seconds(expire) == seconds


@pytest.mark.parametrize("expire", [0, -1, 604801, timedelta(days=8), timedelta(0)])
def test_expiry_out_of_range(expire: Any) -> None:
    with pytest.raises(ValueError, match="between 1 second and 7 days"):
        expiry_seconds(expire)


@pytest.mark.parametrize("expire", [True, 1.5, "60"])
def test_expiry_of_the_wrong_type(expire: Any) -> None:
    with pytest.raises(TypeError, match="timedelta or a number of seconds"):
        expiry_seconds(expire)


def window_signer(window: int, expiry: int = 3600) -> UrlSigner:
    return signer_for(
        MinioProfile(
            endpoint="minio:9000",
            access_key="AK",
            secret_key="SK",
            url_expiry=expiry,
            url_signing_window=window,
        )
    )


def test_a_window_signs_at_its_start_and_matches_the_sdk() -> None:
    signer = window_signer(600)
    start = (int(WHEN.timestamp()) // 600) * 600
    urls = {signer.presigned_get("bkt", "k", now=start + offset) for offset in (0, 1, 299, 599)}
    assert len(urls) == 1
    client = Minio(
        endpoint="minio:9000", access_key="AK", secret_key="SK", secure=True, region="us-east-1"
    )
    signed_at = datetime.fromtimestamp(start, UTC)
    assert urls == {
        client.presigned_get_object(
            bucket_name="bkt",
            object_name="k",
            expires=timedelta(seconds=3600),
            request_date=signed_at,
        )
    }
    following = signer.presigned_get("bkt", "k", now=start + 600)
    assert following not in urls
    assert f"X-Amz-Date={datetime.fromtimestamp(start + 600, UTC):%Y%m%dT%H%M%SZ}" in following


def test_windows_start_at_multiples_since_the_epoch() -> None:
    signer = window_signer(7)
    url = signer.presigned_get("bkt", "k", now=70 + 6.9)
    assert "X-Amz-Date=19700101T000110Z" in url


def test_an_expiry_not_longer_than_the_window_is_signed_now() -> None:
    signer = window_signer(600)
    start = (int(WHEN.timestamp()) // 600) * 600
    url = signer.presigned_get("bkt", "k", expires=600, now=start + 42)
    assert f"X-Amz-Date={datetime.fromtimestamp(start + 42, UTC):%Y%m%dT%H%M%SZ}" in url
    longer = signer.presigned_get("bkt", "k", expires=601, now=start + 42)
    assert f"X-Amz-Date={datetime.fromtimestamp(start, UTC):%Y%m%dT%H%M%SZ}" in longer
