"""Our presigned URLs are exactly the SDK's (pure logic; the server test is in test_storage)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import SuspiciousFileOperation
from hypothesis import given, settings
from hypothesis import strategies as st
from minio import Minio

from django_minio_backend import MinioProfile
from django_minio_backend.s3.credentials import profile_provider
from django_minio_backend.s3.keys import object_key
from django_minio_backend.s3.url_signing import UrlSigner


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
        profile.external_endpoint or profile.endpoint,
        access_key=profile.access_key,
        secret_key=profile.secret_key,
        secure=bool(profile.external_use_https),
        region=profile.region,
    )
    return client.presigned_get_object(bucket, key, expires=profile.url_expiry, request_date=WHEN)


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
    ours = UrlSigner(profile, profile_provider(profile)).presigned_get(
        "media", "a b/ü+c~d!.txt", now=WHEN.timestamp()
    )
    assert ours == sdk_url(profile, "media", "a b/ü+c~d!.txt")


@settings(max_examples=200, deadline=None)
@given(
    st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
        is_storable
    )
)
def test_any_key_matches_the_sdk(key: str) -> None:
    profile = MinioProfile(endpoint="minio:9000", access_key="AK", secret_key="SK")
    assert UrlSigner(profile, profile_provider(profile)).presigned_get(
        "bkt", key, now=WHEN.timestamp()
    ) == sdk_url(profile, "bkt", key)


def test_secret_not_in_repr() -> None:
    profile = MinioProfile(endpoint="m:1", access_key="AK", secret_key="hidden-secret")
    signer = UrlSigner(profile, profile_provider(profile))
    assert "hidden-secret" not in repr(signer)
    assert signer.presigned_get("b", "k").count("X-Amz-Signature=") == 1
