"""The ``location`` option: every storage name relative to a key prefix, on the real server."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.management import call_command
from minio import Minio

from django_minio_backend import ConfigurationError, MinioBackend
from django_minio_backend.storage.static import MinioManifestStaticStorage
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import private_and_public_buckets, server_profile


@pytest.fixture
def bucket(settings: Any, s3_server: S3Server) -> str:
    private, public = private_and_public_buckets(s3_server)
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[private],
            public_buckets=[public],
            default_bucket=private,
            static_bucket=public,
        )
    }
    return private


@pytest.fixture
def client(s3_server: S3Server) -> Minio:
    return s3_server.client()


def keys(client: Minio, bucket: str) -> set[str]:
    return {
        str(item.object_name)
        for item in client.list_objects(bucket_name=bucket, recursive=True)
        if not item.is_dir and not str(item.object_name).endswith("/")
    }


def test_every_storage_call_takes_names_relative_to_the_location(
    bucket: str, client: Minio
) -> None:
    storage = MinioBackend(location="/media/uploads/")
    name = storage.save("docs/a.txt", ContentFile(b"inside"))
    assert name == "docs/a.txt"
    assert keys(client, bucket) == {"media/uploads/docs/a.txt"}
    assert storage.exists(name) and not storage.exists("media/uploads/docs/a.txt")
    assert storage.size(name) == 6
    assert storage.get_modified_time(name).tzinfo is not None
    with storage.open(name) as handle:
        assert handle.read() == b"inside"
    assert storage.listdir("") == (["docs"], [])
    assert storage.listdir("docs") == ([], ["a.txt"])
    assert f"/{bucket}/media/uploads/docs/a.txt?" in storage.url(name)
    again = storage.save("docs/a.txt", ContentFile(b"second"))
    assert again != name and again.startswith("docs/a_")
    assert storage.get_available_name("docs/a.txt") not in {name, again}
    storage.delete(name)
    assert not storage.exists(name)
    assert keys(client, bucket) == {f"media/uploads/{again}"}


@pytest.mark.parametrize("name", ["../escape.txt", "a/../../b.txt", "/abs.txt", "a//b.txt"])
def test_nothing_can_escape_the_location(bucket: str, client: Minio, name: str) -> None:
    storage = MinioBackend(location="media")
    with pytest.raises(SuspiciousFileOperation):
        storage.save(name, ContentFile(b"x"))
    for call in (storage.exists, storage.url, storage.delete, storage.size, storage.open):
        with pytest.raises(SuspiciousFileOperation):
            call(name)
    assert keys(client, bucket) == set()


@pytest.mark.parametrize(
    ("location", "message"),
    [("../up", r"'\.\.'"), ("a//b", "empty"), ("a\\b", "backslash"), (5, "expected a string")],
)
def test_bad_locations_are_refused(location: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        MinioBackend(location=location)


def test_names_are_cut_to_fit_the_key_limit_with_the_location(bucket: str, client: Minio) -> None:
    location = "/".join(["p" * 200] * 2) + "/" + "q" * 100
    storage = MinioBackend(location=location)
    name = storage.save("d/" + "n" * 250 + ".txt", ContentFile(b"x"))
    (key,) = keys(client, bucket)
    assert key == f"{location}/{name}" and len(key.encode()) <= 1024
    long_directory = "/".join(["d" * 200] * 3) + "/f.txt"
    with pytest.raises(SuspiciousFileOperation, match="can not find an available filename"):
        storage.save(long_directory, ContentFile(b"x"))


def test_two_storages_share_a_bucket(bucket: str, client: Minio) -> None:
    media = MinioBackend(location="media")
    static = MinioBackend(location="static", replace_existing=True)
    media.save("same.txt", ContentFile(b"m"))
    static.save("same.txt", ContentFile(b"s"))
    assert keys(client, bucket) == {"media/same.txt", "static/same.txt"}
    assert media.open("same.txt").read() == b"m" and static.open("same.txt").read() == b"s"
    assert media.listdir("") == ([], ["same.txt"])
    static.delete("same.txt")
    assert media.exists("same.txt") and not static.exists("same.txt")


def test_collectstatic_clear_only_clears_its_own_prefix(
    settings: Any, bucket: str, client: Minio, tmp_path: Path
) -> None:
    public = settings.MINIO_PROFILES["default"]["static_bucket"]
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { background: url('../img/a.png'); }")
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"\x89PNG")
    settings.STATICFILES_DIRS = [str(tmp_path)]
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {
            "BACKEND": "django_minio_backend.models.MinioManifestStaticStorage",
            "OPTIONS": {"location": "static"},
        },
    }
    media = MinioBackend(bucket_name=public, location="media")
    media.save("upload.txt", ContentFile(b"user file"))
    out = io.StringIO()
    call_command("collectstatic", interactive=False, clear=True, stdout=out)
    collected = keys(client, public)
    assert "media/upload.txt" in collected and "static/staticfiles.json" in collected
    assert {key.split("/")[0] for key in collected} == {"media", "static"}
    storage = MinioManifestStaticStorage(location="static")
    hashed = storage.stored_name("css/site.css")
    assert f"static/{hashed}" in collected
    assert storage.open(hashed).read().decode().startswith("body { background: url(")
    settings.STORAGES = dict(settings.STORAGES)
    call_command("collectstatic", interactive=False, clear=True, stdout=io.StringIO())
    assert "media/upload.txt" in keys(client, public)
    assert f"static/{hashed}" in keys(client, public)
