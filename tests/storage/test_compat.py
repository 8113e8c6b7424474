"""The 3.8.1 / 4.x names of storage/compat.py, utils.py and models.py, against the real server."""

from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest
import urllib3
from django.core.files.base import ContentFile
from minio.commonconfig import Tags

import django_minio_backend
from django_minio_backend import ConfigurationError, MinioBackend, MinioBackendStatic, utils
from django_minio_backend import models as seed_models
from django_minio_backend.apps import DjangoMinioBackendConfig
from django_minio_backend.checks import check_minio_configuration
from django_minio_backend.errors import PrivatePublicMixedError
from django_minio_backend.profiles.sources import get_profile
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.health import MinioServerStatus
from django_minio_backend.storage.backend import MinioObjectFile
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, new_bucket_name, server_profile, unique_key

http = urllib3.PoolManager(retries=False)


@pytest.fixture
def buckets(settings: Any, s3_server: S3Server) -> tuple[str, str]:
    private, public = new_bucket_name(), new_bucket_name()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            external_endpoint=s3_server.endpoint.replace("127.0.0.1", "localhost"),
            private_buckets=[private],
            public_buckets=[public],
            default_bucket=private,
            bucket_check_on_save=True,
        )
    }
    return private, public


def test_import_paths_of_3x_and_4x() -> None:
    assert utils.ConfigurationError is ConfigurationError
    assert utils.PrivatePublicMixedError is PrivatePublicMixedError
    assert utils.MinioServerStatus is MinioServerStatus
    assert seed_models.S3File is MinioObjectFile
    assert seed_models.ConfigurationError is ConfigurationError
    assert seed_models.PrivatePublicMixedError is PrivatePublicMixedError
    assert django_minio_backend.DjangoMinioBackendConfig is DjangoMinioBackendConfig


def test_settings_readers(settings: Any) -> None:
    settings.SOME_SETTING = 5
    settings.STORAGES = {**settings.STORAGES, "x": {"BACKEND": "b", "OPTIONS": {"K": 1}}}
    assert utils.get_setting("SOME_SETTING") == 5
    assert seed_models.get_setting("NOT_THERE", "fallback") == "fallback"
    assert utils.get_storages_setting("K", "x") == 1
    assert utils.get_storages_setting("L", "x", 2) == 2


def test_server_status_of_3x_and_4x(s3_server: S3Server) -> None:
    missing = MinioServerStatus(None)
    assert not missing and missing.status is None and missing.data is None
    assert "no HTTP request" in missing.details
    missing.add_message("MINIO_ENDPOINT is not configured")
    assert missing.details.endswith("MINIO_ENDPOINT is not configured")
    assert repr(missing) == "MinIO is NOT available"
    answered = MinioServerStatus(http.request("GET", f"http://{s3_server.endpoint}/"))
    assert answered.status == 403 and answered  # upstream's rule: a refusal proves it runs
    assert answered.data and "AccessDenied" in answered.data
    assert repr(answered) == "MinIO is available"


def test_attributes_answer_from_the_profile(buckets: tuple[str, str], s3_server: S3Server) -> None:
    private, public = buckets
    storage, public_storage = MinioBackend(), MinioBackend(bucket_name=public)
    profile = get_profile("default")
    assert storage.bucket == private and public_storage.bucket == public
    assert not storage.is_bucket_public and public_storage.is_bucket_public
    assert storage.client is profile_clients("default").internal  # the shared client
    assert storage.same_endpoints is False
    assert storage.base_url == f"http://{s3_server.endpoint}"
    assert storage.base_url_external == profile.external_base_url
    external = storage.client_external.presigned_get_object(
        bucket_name=private, object_name="a.txt"
    )
    assert external.startswith(profile.external_base_url)
    assert [private] == storage.PRIVATE_BUCKETS and [public] == storage.PUBLIC_BUCKETS
    assert [private, "elsewhere"] == MinioBackend(bucket_name="elsewhere").PRIVATE_BUCKETS
    assert storage.HTTP_CLIENT is None
    assert private == storage.MINIO_MEDIA_FILES_BUCKET
    assert storage.MINIO_STATIC_FILES_BUCKET == "auto-generated-bucket-static-files"
    assert MinioBackend.DEFAULT_MEDIA_FILES_BUCKET == "auto-generated-bucket-media-files"
    assert MinioBackendStatic.DEFAULT_STATIC_FILES_BUCKET == "auto-generated-bucket-static-files"
    assert MinioBackend.DEFAULT_PRIVATE_BUCKETS == (
        "auto-generated-bucket-media-files",
        "auto-generated-bucket-static-files",
    )
    storage.validate_settings()


def test_methods_on_the_server(buckets: tuple[str, str], s3_server: S3Server) -> None:
    private, public = buckets
    storage = MinioBackend()
    name = storage.save(unique_key("compat/") + ".txt", ContentFile(b"hello"))
    assert storage.stat(name).size == 5
    with pytest.raises(FileNotFoundError):
        storage.stat("compat/missing.txt")

    storage.set_bucket_to_public()
    assert http.request("GET", f"http://{s3_server.endpoint}/{private}/{name}").data == b"hello"
    only_other = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{private}/other/*"],
            }
        ],
    }
    storage.set_bucket_policy(private, only_other)  # replaces the public-read policy
    assert http.request("GET", f"http://{s3_server.endpoint}/{private}/{name}").status == 403

    client = s3_server.client()
    assert not client.bucket_exists(bucket_name=public)
    MinioBackend(bucket_name=public).check_bucket_existence()
    assert client.bucket_exists(bucket_name=public)
    policy = json.loads(client.get_bucket_policy(bucket_name=public))
    assert policy["Statement"], "a created public bucket gets its public-read policy"

    extra = new_bucket_name()
    MinioBackend(bucket_name=extra).check_bucket_existences(max_workers=2)
    assert client.bucket_exists(bucket_name=extra)


def test_validate_settings_raises_for_a_broken_profile(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": {"endpoint": "http://bad", "access_key": "a"}}
    storage = MinioBackend()  # construction never fails
    with pytest.raises(ConfigurationError, match="endpoint"):
        storage.validate_settings()


def test_storage_name_selects_the_profile_of_that_alias(settings: Any, s3_server: S3Server) -> None:
    bucket = new_bucket_name()
    settings.MINIO_PROFILES = None
    del settings.MINIO_PROFILES
    settings.STORAGES = {
        **settings.STORAGES,
        "media": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {
                "MINIO_ENDPOINT": s3_server.endpoint,
                "MINIO_ACCESS_KEY": s3_server.access_key,
                "MINIO_SECRET_KEY": s3_server.secret_key,
                "MINIO_USE_HTTPS": False,
                "MINIO_PRIVATE_BUCKETS": [bucket],
                "MINIO_BUCKET_CHECK_ON_SAVE": True,
            },
        },
    }
    storage = MinioBackend(bucket_name=bucket, storage_name="media")
    assert storage.profile_name == "media"
    name = storage.save("sn.txt", ContentFile(b"x"))
    assert s3_server.client().stat_object(bucket_name=bucket, object_name=name).size == 1
    assert storage.deconstruct()[2] == {"bucket_name": bucket, "storage_name": "media"}

    unknown = MinioBackend(storage_name="nope")  # construction never fails
    with pytest.raises(ConfigurationError, match="storage_name 'nope' is no STORAGES alias"):
        unknown.save("x.txt", ContentFile(b"x"))


def test_http_client_gives_the_storage_a_client_of_its_own(buckets: tuple[str, str]) -> None:
    pool = RecordingPool()
    storage = MinioBackend(http_client=pool)
    assert storage.HTTP_CLIENT is pool
    assert storage.client is not profile_clients("default").internal
    name = storage.save(unique_key("own/"), ContentFile(b"own"))
    with storage.open(name) as opened:
        assert opened.read() == b"own"
    assert "PUT" in pool.methods() and "GET" in pool.methods()
    assert "http_client" not in storage.deconstruct()[2]


class Progress:
    def __init__(self) -> None:
        self.meta: list[tuple[str, int]] = []
        self.sizes: list[int] = []

    def set_meta(self, object_name: str, total_length: int) -> None:
        self.meta.append((object_name, total_length))

    def update(self, size: int) -> None:
        self.sizes.append(size)


def test_upload_keywords_reach_the_object(buckets: tuple[str, str], s3_server: S3Server) -> None:
    private, _public = buckets
    pool, progress = RecordingPool(), Progress()
    tags = Tags.new_object_tags()
    tags["team"] = "blue"
    storage = MinioBackend(
        http_client=pool,
        progress=progress,
        headers={"Cache-Control": "max-age=60"},
        user_metadata={"owner": "ana"},
        tags=tags,
        checksum="SHA256",
    )
    name = storage.save(unique_key("kw/"), ContentFile(b"keywords"))
    client = s3_server.client()
    stat = client.stat_object(bucket_name=private, object_name=name)
    metadata = stat.metadata or {}
    assert metadata["Cache-Control"] == "max-age=60"
    assert metadata["x-amz-meta-owner"] == "ana"
    assert dict(client.get_object_tags(bucket_name=private, object_name=name) or {}) == {
        "team": "blue"
    }
    put = next(request for request in pool.requests if request.method == "PUT")
    assert put.headers["x-amz-checksum-sha256"]
    assert progress.meta == [(name, 8)] and progress.sizes == [8]


def test_progress_and_parallel_parts_on_a_multipart_upload(
    settings: Any, buckets: tuple[str, str]
) -> None:
    settings.MINIO_PROFILES["default"] = {
        **settings.MINIO_PROFILES["default"],
        "multipart_threshold": 5 * 1024 * 1024,
        "multipart_part_size": 5 * 1024 * 1024,
    }
    progress = Progress()
    storage = MinioBackend(progress=progress, num_parallel_uploads=1)
    data = os.urandom(11 * 1024 * 1024)
    name = storage.save(unique_key("mp/"), io.BytesIO(data))
    assert sum(progress.sizes) == len(data) and len(progress.sizes) == 3
    assert storage.size(name) == len(data)
    with pytest.raises(ConfigurationError, match="num_parallel_uploads"):
        MinioBackend(num_parallel_uploads=0)
    with pytest.raises(ConfigurationError, match="unknown checksum"):
        MinioBackend(checksum="MD4")


def test_upstream_default_bucket_is_private_with_a_warning_static_is_public(
    settings: Any, s3_server: S3Server
) -> None:
    connection = {
        "MINIO_ENDPOINT": s3_server.endpoint,
        "MINIO_ACCESS_KEY": s3_server.access_key,
        "MINIO_SECRET_KEY": s3_server.secret_key,
        "MINIO_USE_HTTPS": False,
    }
    settings.STORAGES = {
        "default": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {**connection, "MINIO_DEFAULT_BUCKET": "u4-media"},
        },
        "staticfiles": {
            "BACKEND": "django_minio_backend.models.MinioBackendStatic",
            "OPTIONS": {**connection, "MINIO_STATIC_FILES_BUCKET": "u4-static"},
        },
    }
    assert get_profile("default").private_buckets == ("u4-media",)
    assert get_profile("staticfiles").is_public("u4-static")
    messages = [m for m in check_minio_configuration() if m.obj == "profile 'default'"]
    assert [m.id for m in messages] == ["django_minio_backend.W006"], messages
    assert "u4-media" in messages[0].msg and "MINIO_DEFAULT_BUCKET" in messages[0].msg
    assert not [m for m in check_minio_configuration() if m.obj == "profile 'staticfiles'"]


def test_flat_and_profiles_stay_strict_about_undeclared_buckets(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": {
            "endpoint": "m:9000",
            "access_key": "a",
            "secret_key": "s",
            "default_bucket": "nowhere",
        }
    }
    with pytest.raises(ConfigurationError, match="'nowhere' is not declared"):
        get_profile("default")
