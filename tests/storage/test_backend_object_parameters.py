"""``object_parameters`` and ``get_object_parameters``: headers stored with every write."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.base import ContentFile
from minio import Minio

from django_minio_backend import ConfigurationError, MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import private_and_public_buckets, server_profile

PARAMETERS = {
    "CacheControl": "max-age=86400, public",
    "ContentDisposition": "attachment",
    "ContentEncoding": "identity",
    "ContentLanguage": "en-GB",
    "Expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
    "Metadata": {"origin": "upload", "owner": "José"},
    "Tagging": {"project": "a b", "tier": "1"},
    "StorageClass": "STANDARD",
}


@pytest.fixture
def bucket(settings: Any, s3_server: S3Server) -> str:
    private, public = private_and_public_buckets(s3_server)
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server, private_buckets=[private], public_buckets=[public], default_bucket=private
        )
    }
    return private


def test_every_parameter_is_stored(bucket: str, s3_server: S3Server) -> None:
    storage = MinioBackend(object_parameters=PARAMETERS)
    name = storage.save("p/a.txt", ContentFile(b"x" * 10))
    client: Minio = s3_server.client()
    stat = client.stat_object(bucket_name=bucket, object_name="p/a.txt")
    headers = {key.lower(): value for key, value in stat.metadata.items()}
    assert headers["cache-control"] == "max-age=86400, public"
    assert headers["content-disposition"] == "attachment"
    assert headers["content-encoding"] == "identity"
    assert headers["content-language"] == "en-GB"
    assert headers["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert headers["x-amz-meta-origin"] == "upload"
    assert headers["x-amz-meta-owner"] == "=?UTF-8?B?Sm9zw6k=?="
    assert headers["content-type"] == "text/plain"
    tags = client.get_object_tags(bucket_name=bucket, object_name=name)
    assert tags is not None and dict(tags) == {"project": "a b", "tier": "1"}


class PerObject(MinioBackend):
    def get_object_parameters(self, name: str) -> dict[str, Any]:
        parameters = super().get_object_parameters(name)
        if name.endswith(".pdf"):
            parameters["ContentDisposition"] = "attachment"
        parameters["Metadata"] = {"stored-as": name}
        return parameters


def test_the_hook_decides_per_object(bucket: str, s3_server: S3Server) -> None:
    storage = PerObject(object_parameters={"CacheControl": "no-store"})
    client: Minio = s3_server.client()
    for name in ("h/r.pdf", "h/r.txt"):
        storage.save(name, ContentFile(b"x"))
    pdf = client.stat_object(bucket_name=bucket, object_name="h/r.pdf").metadata
    txt = client.stat_object(bucket_name=bucket, object_name="h/r.txt").metadata
    assert pdf["Content-Disposition"] == "attachment" and "Content-Disposition" not in txt
    assert pdf["Cache-Control"] == txt["Cache-Control"] == "no-store"
    assert txt["x-amz-meta-stored-as"] == "h/r.txt"


def test_a_bad_hook_result_names_the_object(bucket: str) -> None:
    class Broken(MinioBackend):
        def get_object_parameters(self, name: str) -> dict[str, Any]:
            return {"CacheControll": "x"}

    with pytest.raises(
        ConfigurationError, match=r"get_object_parameters\('b.txt'\).*'CacheControl'"
    ):
        Broken().save("b.txt", ContentFile(b"x"))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"ACL": "public-read"}, "unknown object parameter 'ACL'"),
        ({"CacheControl": "a\nb"}, "CacheControl: must be printable ASCII"),
        ({"Metadata": {"bad key": "v"}}, "ASCII token"),
        ({"Tagging": {str(i): "v" for i in range(11)}}, "at most 10 tags"),
        ({"Expires": datetime(2030, 1, 1)}, "aware datetime"),
        ({"StorageClass": "cold storage"}, "storage class"),
        ("CacheControl=x", "expected a dict"),
    ],
)
def test_bad_object_parameters_are_refused(parameters: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        MinioBackend(object_parameters=parameters)
    assert all(problem.code == "E008" for problem in caught.value.problems)
