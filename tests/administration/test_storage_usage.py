"""Storage discovery: which STORAGES entries and model FileFields use which profile and bucket.

No server: discovery makes no network call.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.db import models
from django.test.utils import isolate_apps

from django_minio_backend.administration import storage_usage
from django_minio_backend.administration.storage_usage import (
    StorageBuildError,
    StorageUse,
    storage_entries,
    storage_uses,
)
from django_minio_backend.models import MinioBackend, MinioBackendStatic
from tests.test_checks import app_profile, profile

MINIO = "django_minio_backend.models.MinioBackend"
STATIC = "django_minio_backend.models.MinioBackendStatic"
MANIFEST = "django_minio_backend.models.MinioManifestStaticStorage"
UPSTREAM: dict[str, Any] = {
    "MINIO_ENDPOINT": "legacy.invalid:9000",
    "MINIO_ACCESS_KEY": "legacy-access",
    "MINIO_SECRET_KEY": "legacy-secret-value",
    "MINIO_USE_HTTPS": False,
    "MINIO_PRIVATE_BUCKETS": ["legacy-media"],
    "MINIO_DEFAULT_BUCKET": "legacy-media",
}


def by_label(uses: tuple[StorageUse, ...]) -> dict[str, StorageUse]:
    return {use.label: use for use in uses}


@pytest.fixture
def profiles(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "main": profile(
            private_buckets=["media", "other"],
            public_buckets=["assets"],
            default_bucket="media",
            static_bucket="assets",
        ),
        "testapp": app_profile(),
    }


@pytest.fixture
def model_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Apps]:
    """A private app registry that discovery reads instead of the global one: models defined
    in the test go there only."""
    with isolate_apps("tests.testapp") as registry:
        assert registry is not None
        monkeypatch.setattr(storage_usage, "apps", registry)
        yield registry


def test_storages_aliases_profiles_buckets_and_static(settings: Any, profiles: None) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "main"}},
        "other": {"BACKEND": MINIO, "OPTIONS": {"profile": "main", "bucket_name": "other"}},
        "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"profile": "main"}},
        "manifest": {"BACKEND": MANIFEST, "OPTIONS": {"profile": "main"}},
        "plain": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    uses = by_label(storage_uses())
    assert uses["STORAGES['default']"] == StorageUse(
        "STORAGES['default']", "main", "media", static=False, alias="default"
    )
    assert uses["STORAGES['other']"].bucket == "other"
    assert uses["STORAGES['staticfiles']"] == StorageUse(
        "STORAGES['staticfiles']", "main", "assets", static=True, alias="staticfiles"
    )
    assert uses["STORAGES['manifest']"].static
    assert uses["STORAGES['manifest']"].bucket == "assets"
    assert "STORAGES['plain']" not in uses
    assert [entry.alias for entry in storage_entries()] == [
        "default",
        "other",
        "staticfiles",
        "manifest",
    ]


def test_implicit_default_profile_and_unknown_profile(settings: Any, profiles: None) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": MINIO},  # profile "default": not defined here
        "named": {"BACKEND": MINIO, "OPTIONS": {"profile": "nope", "bucket_name": "given"}},
        "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"profile": "nope"}},
    }
    uses = by_label(storage_uses())
    assert uses["STORAGES['default']"].profile == "default"
    assert uses["STORAGES['default']"].bucket is None  # its default bucket is unknown
    assert uses["STORAGES['named']"].profile == "nope"
    assert uses["STORAGES['named']"].bucket == "given"
    assert uses["STORAGES['staticfiles']"].bucket is None


def test_model_fields_of_the_test_app(settings: Any, profiles: None) -> None:
    uses = by_label(storage_uses())
    file, asset = uses["testapp.Document.file"], uses["testapp.Document.asset"]
    assert (file.profile, file.bucket, file.static, file.alias) == (
        "testapp",
        "testapp-files",
        False,
        None,
    )
    assert file.field is not None and file.field.name == "file"
    assert (asset.profile, asset.static) == ("testapp", True)
    assert asset.bucket == "auto-generated-bucket-static-files"


def test_fields_on_the_default_storage_proxies_and_inheritance(
    settings: Any, profiles: None, model_registry: Apps
) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "main"}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    class Report(models.Model):
        pdf = models.FileField()  # the default storage
        scan = models.FileField(storage=MinioBackend("other", profile="main"))

        class Meta:
            app_label = "testapp"

    class ReportProxy(Report):
        class Meta:
            app_label = "testapp"
            proxy = True

    class SignedReport(Report):  # multi-table inheritance: the parent's fields stay the parent's
        signature = models.FileField(storage=MinioBackendStatic(profile="main"))

        class Meta:
            app_label = "testapp"

    uses = storage_uses()
    labels = [use.label for use in uses]
    assert labels == [
        "STORAGES['default']",
        "testapp.Report.pdf",
        "testapp.Report.scan",
        "testapp.SignedReport.signature",
    ]
    pdf = by_label(uses)["testapp.Report.pdf"]
    assert (pdf.alias, pdf.profile, pdf.bucket) == ("default", "main", "media")
    assert pdf.field is Report._meta.get_field("pdf")
    scan = by_label(uses)["testapp.Report.scan"]
    assert (scan.alias, scan.profile, scan.bucket) == (None, "main", "other")
    signature = by_label(uses)["testapp.SignedReport.signature"]
    assert (signature.static, signature.bucket) == (True, "assets")
    assert ReportProxy._meta.proxy


def test_default_storage_on_another_backend_is_not_ours(
    settings: Any, profiles: None, model_registry: Apps
) -> None:
    class Note(models.Model):
        attachment = models.FileField()

        class Meta:
            app_label = "testapp"

    # tests.django_settings: the default storage is InMemoryStorage.
    assert storage_uses() == ()


def test_upstream_options_use_the_profile_of_their_alias(
    settings: Any, model_registry: Apps
) -> None:
    settings.MINIO_PROFILES = {"testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "legacy": {"BACKEND": MINIO, "OPTIONS": UPSTREAM},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    class Upload(models.Model):
        # The same OPTIONS given to a storage directly: the profile of the alias they belong to.
        same = models.FileField(storage=MinioBackend(**UPSTREAM))
        stray = models.FileField(storage=MinioBackend(**{**UPSTREAM, "MINIO_ENDPOINT": "x:1"}))

        class Meta:
            app_label = "testapp"

    uses = by_label(storage_uses())
    legacy = uses["STORAGES['legacy']"]
    assert (legacy.profile, legacy.bucket, legacy.alias) == ("legacy", "legacy-media", "legacy")
    same = uses["testapp.Upload.same"]
    assert (same.profile, same.bucket) == ("legacy", "legacy-media")
    stray = uses["testapp.Upload.stray"]
    assert (stray.profile, stray.bucket) == (None, None)
    assert [problem.code for problem in stray.problems] == ["E007"]
    assert "match no STORAGES entry" in stray.problems[0].message


def test_invalid_options_and_unimportable_backend(settings: Any, profiles: None) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "main", "colour": "red"}},
        "broken": {"BACKEND": "django_minio_backend.models.MinioBackendd"},
        "elsewhere": {"BACKEND": "not_a_module.Storage"},  # not ours: left to Django
        "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"profile": "main"}},
    }
    entries = {entry.alias: entry for entry in storage_entries()}
    assert set(entries) == {"default", "broken", "staticfiles"}
    assert entries["broken"].storage_class is None
    assert "MinioBackendd" in str(entries["broken"].import_error)
    assert entries["default"].storage_class is MinioBackend
    uses = by_label(storage_uses())
    default = uses["STORAGES['default']"]
    assert (default.profile, default.bucket) == (None, None)
    assert [problem.code for problem in default.problems] == ["E008"]
    assert "STORAGES['broken']" not in uses
    assert uses["STORAGES['staticfiles']"].profile == "main"


class ExplodingStorage(MinioBackend):
    def __init__(self, **options: Any) -> None:
        raise RuntimeError("exploded")


def test_an_unexpected_constructor_error_names_the_entry(settings: Any, profiles: None) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": f"{__name__}.ExplodingStorage", "OPTIONS": {"profile": "main"}},
    }
    with pytest.raises(StorageBuildError) as raised:
        storage_uses()
    message = str(raised.value)
    assert "STORAGES['default']" in message
    assert "RuntimeError" in message and "exploded" in message


def test_a_broken_profile_does_not_hide_the_buckets_of_others(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "main": profile(private_buckets=["media"], default_bucket="media"),
        "broken": profile(endpoint="https://no"),
        "testapp": app_profile(),
    }
    settings.STORAGES = {"default": {"BACKEND": MINIO, "OPTIONS": {"profile": "main"}}}
    assert by_label(storage_uses())["STORAGES['default']"].bucket == "media"


def test_discovery_makes_no_network_call(settings: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        settings.MINIO_PROFILES = {
            "main": profile(endpoint=f"127.0.0.1:{port}"),
            "testapp": {**app_profile(), "endpoint": f"127.0.0.1:{port}"},
        }
        settings.STORAGES = {
            "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "main"}},
            "staticfiles": {"BACKEND": MANIFEST, "OPTIONS": {"profile": "main"}},
        }
        assert len(storage_uses()) == 4
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
