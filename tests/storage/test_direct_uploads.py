"""``MinioBackend.presigned_upload``: signed browser uploads, enforced by the real server."""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from minio.credentials.providers import StaticProvider

from django_minio_backend.models import MinioBackend
from django_minio_backend.profiles.sources import get_profile
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.upload_signing import post_policy_upload
from django_minio_backend.storage.direct_uploads import (
    content_type_allowed,
    content_type_condition,
)
from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import HTTP, send, upload_buckets, use_upload_profile
from tests.helpers import RecordingPool, read_object

__all__ = ["upload_buckets"]


def keys(server: S3Server, bucket: str, prefix: str) -> list[str]:
    listing = server.client().list_objects(bucket_name=bucket, prefix=prefix, recursive=True)
    return sorted(str(item.object_name) for item in listing)


def test_a_post_upload_arrives_under_a_random_name(
    upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    storage = MinioBackend()
    signed = storage.presigned_upload("post/report.pdf", max_size=1000)
    assert signed.method == "POST" and signed.headers == {}
    assert signed.name.startswith("post/report_") and signed.name.endswith(".pdf")
    assert signed.name != storage.presigned_upload("post/report.pdf", max_size=1000).name
    assert signed.url == f"http://{s3_server.endpoint}/{upload_buckets[0]}"
    assert signed.fields["key"] == signed.name
    response = send(signed, b"%PDF- hello", "application/pdf")
    assert response.status == 204, response.data
    assert read_object(s3_server.client(), upload_buckets[0], signed.name) == b"%PDF- hello"
    assert storage.uploaded_object(signed.name) == (11, "application/pdf")


@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_an_upload_lands_under_the_storage_location(
    upload_buckets: tuple[str, str], s3_server: S3Server, method: str
) -> None:
    storage = MinioBackend(location="media")
    signed = storage.presigned_upload(
        "in/a.txt", max_size=1000, content_types=["text/plain"], method=method
    )
    assert signed.name.startswith("in/a_")  # the storage name: relative to the location
    response = send(signed, b"located", "text/plain")
    assert response.status in (200, 204), response.data
    assert read_object(s3_server.client(), upload_buckets[0], f"media/{signed.name}") == b"located"
    assert storage.uploaded_object(signed.name) == (7, "text/plain")
    assert storage.open(signed.name).read() == b"located"


def test_signing_sends_no_request(settings: Any, s3_server: S3Server) -> None:
    pool = RecordingPool()
    use_upload_profile(settings, s3_server, http_client=pool)
    storage = MinioBackend()
    storage.presigned_upload("a/b.txt", max_size=10)
    storage.presigned_upload("a/b.txt", max_size=10, method="PUT", content_types=["text/plain"])
    assert pool.requests == []


def test_the_url_is_on_the_external_endpoint(settings: Any, s3_server: S3Server) -> None:
    use_upload_profile(
        settings, s3_server, external_endpoint="files.example.com", external_use_https=True
    )
    storage = MinioBackend()
    assert storage.presigned_upload("x.bin", max_size=1).url.startswith(
        "https://files.example.com/"
    )
    put = storage.presigned_upload("x.bin", max_size=1, method="PUT")
    assert put.url.startswith("https://files.example.com/") and put.fields == {}


def test_the_server_enforces_the_size_range(upload_buckets: tuple[str, str]) -> None:
    signed = MinioBackend().presigned_upload("size/f.bin", min_size=10, max_size=100)
    too_large = send(signed, os.urandom(101), "application/octet-stream")
    assert too_large.status == 400 and b"EntityTooLarge" in too_large.data
    too_small = send(signed, os.urandom(9), "application/octet-stream")
    assert too_small.status == 400 and b"EntityTooSmall" in too_small.data
    assert send(signed, os.urandom(100), "application/octet-stream").status == 204


def test_the_server_enforces_the_content_type(
    upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    storage = MinioBackend()
    exact = storage.presigned_upload("type/a.png", max_size=100, content_types=["image/png"])
    assert exact.fields["Content-Type"] == "image/png"
    wrong = dict(exact.fields, **{"Content-Type": "text/html"})
    refused = HTTP.request("POST", exact.url, fields=[*wrong.items(), ("file", ("a", b"x"))])
    assert refused.status == 403
    family = storage.presigned_upload("type/b", max_size=100, content_types=["image/*"])
    assert send(family, b"gif", "text/plain").status == 403
    assert send(family, b"gif", "image/gif").status == 204
    assert keys(s3_server, upload_buckets[0], "type/") == [family.name]


def test_a_changed_key_or_policy_is_refused(
    upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    signed = MinioBackend().presigned_upload("tamper/a.txt", max_size=1000)
    moved = dict(signed.fields, key="elsewhere/a.txt")
    response = HTTP.request("POST", signed.url, fields=[*moved.items(), ("file", ("a", b"x"))])
    assert response.status == 403
    document = json.loads(base64.b64decode(signed.fields["policy"]))
    document["conditions"][2] = ["content-length-range", 0, 10**9]
    policy = base64.b64encode(json.dumps(document).encode()).decode()
    bigger = dict(signed.fields, policy=policy)
    response = HTTP.request("POST", signed.url, fields=[*bigger.items(), ("file", ("a", b"x"))])
    assert response.status == 403 and b"SignatureDoesNotMatch" in response.data
    assert keys(s3_server, upload_buckets[0], "tamper/") == []
    assert keys(s3_server, upload_buckets[0], "elsewhere/") == []


def test_an_expired_policy_is_refused(upload_buckets: tuple[str, str]) -> None:
    signed = post_policy_upload(
        get_profile("default"),
        upload_buckets[0],
        "expired/a.txt",
        min_size=0,
        max_size=10,
        content_type=None,
        expires=60,
        credentials=profile_clients("default").provider.retrieve(),
        now=time.time() - 3600,
    )
    response = send(signed, b"late", "text/plain")
    assert response.status == 403 and b"expired" in response.data.lower()


def test_a_presigned_put_signs_the_content_type(
    upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    storage = MinioBackend()
    signed = storage.presigned_upload(
        "put/a.png", max_size=100, content_types=["image/png"], method="PUT"
    )
    assert signed.headers == {"Content-Type": "image/png"}
    other = HTTP.request("PUT", signed.url, body=b"x", headers={"Content-Type": "text/html"})
    assert other.status == 403
    assert send(signed, b"png", "image/png").status == 200
    assert storage.uploaded_object(signed.name) == (3, "image/png")
    with pytest.raises(ValueError, match="one exact Content-Type"):
        storage.presigned_upload("a", max_size=1, content_types=["image/*"], method="PUT")


def test_the_bucket_answers_the_cors_preflight(upload_buckets: tuple[str, str]) -> None:
    signed = MinioBackend().presigned_upload("cors/a.txt", max_size=10)
    response = HTTP.request(
        "OPTIONS",
        signed.url,
        headers={
            "Origin": "http://localhost:8123",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] in {"http://localhost:8123", "*"}
    assert (
        response.headers["Access-Control-Allow-Methods"] == "*"
        or "POST" in (response.headers["Access-Control-Allow-Methods"])
    )


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"max_size": 0}, "max_size must be a positive"),
        ({"max_size": 10, "min_size": 11}, "larger than max_size"),
        ({"max_size": 10, "min_size": -1}, "min_size must be 0 or more"),
        ({"max_size": 10, "expire": timedelta(days=8)}, "between 1 second and 7 days"),
        ({"max_size": 10, "expire": 0}, "between 1 second and 7 days"),
        ({"max_size": 10, "method": "GET"}, "'POST' or 'PUT'"),
        ({"max_size": 10, "content_types": []}, "empty"),
        ({"max_size": 10, "content_types": ["image/png", "text/plain"]}, "several families"),
        ({"max_size": 10, "content_types": ["png"]}, "must look like"),
    ],
)
def test_bad_arguments_are_refused_clearly(
    upload_buckets: tuple[str, str], arguments: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        MinioBackend().presigned_upload("a.txt", **arguments)


def test_names_that_escape_are_refused(upload_buckets: tuple[str, str]) -> None:
    for name in ("../a.txt", "/abs.txt", "a/../../b"):
        with pytest.raises(SuspiciousFileOperation):
            MinioBackend().presigned_upload(name, max_size=10)


def test_expiry_defaults_to_an_hour_or_the_shorter_url_expiry(
    settings: Any, s3_server: S3Server
) -> None:
    use_upload_profile(settings, s3_server, url_expiry=600)
    short = MinioBackend().presigned_upload("a", max_size=1)
    assert short.expires_at - time.time() == pytest.approx(600, abs=5)
    use_upload_profile(settings, s3_server)
    default = MinioBackend().presigned_upload("a", max_size=1)
    assert default.expires_at - time.time() == pytest.approx(3600, abs=5)


def test_content_type_rules() -> None:
    assert content_type_allowed("Image/PNG; x=y", ["image/*"])
    assert not content_type_allowed("image/", ["image/*"])
    assert not content_type_allowed("text/plain", ["image/png"])
    assert content_type_allowed("text/plain", None)
    assert content_type_condition(["image/png", "image/gif"]) == ("starts-with", "image/")
    assert content_type_condition(["text/plain"]) == ("eq", "text/plain")


def test_uploads_are_signed_with_the_providers_current_keys(
    settings: Any, s3_server: S3Server
) -> None:
    # A profile whose keys come from a provider: the form is signed with what it returns now.
    use_upload_profile(settings, s3_server)
    profile = dict(settings.MINIO_PROFILES["default"])
    keys_given = {"access_key": profile.pop("access_key"), "secret_key": profile.pop("secret_key")}
    provider = StaticProvider(keys_given["access_key"], keys_given["secret_key"])
    settings.MINIO_PROFILES = {
        **settings.MINIO_PROFILES,
        "default": {**profile, "credentials": provider},
    }
    storage = MinioBackend()
    for method in ("POST", "PUT"):
        signed = storage.presigned_upload("prov/a.txt", max_size=100, method=method)
        response = send(signed, b"from a provider", "application/octet-stream")
        assert response.status in (200, 204), response.data
        assert storage.open(signed.name).read() == b"from a provider"
