"""System checks added with the single storage discovery: a check never crashes (E099) and a bucket
is not public in one profile and private in another of the same server (E012). No server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.apps.registry import Apps
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.db import models
from django.test.utils import isolate_apps

from django_minio_backend import checks as minio_checks
from django_minio_backend.administration import storage_usage
from django_minio_backend.checks import TAG
from django_minio_backend.models import MinioBackend
from django_minio_backend.profiles.sources import configuration, get_profile
from tests.test_checks import (
    ACCESS,
    MINIO,
    SECRET,
    app_profile,
    assert_no_secret,
    by_id,
    only,
    profile,
    run,
)

UPSTREAM_SECRET = "upstream-secret-value-987654"


class LeakyStorage(MinioBackend):
    """A storage class whose constructor fails with something unexpected, quoting its keys."""

    def __init__(self, profile: str = "default", **options: Any) -> None:
        keys = configuration().profiles[profile]
        raise RuntimeError(
            f"cannot build with {keys.access_key}/{keys.secret_key} (not {UPSTREAM_SECRET})"
        )


@pytest.fixture
def model_registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Apps]:
    """A private app registry that discovery reads: models defined in the test go there."""
    with isolate_apps("tests.testapp") as registry:
        assert registry is not None
        monkeypatch.setattr(storage_usage, "apps", registry)
        yield registry


# --- E099: a check never crashes ------------------------------------------------------------------


def test_an_unexpected_constructor_error_is_a_message(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": profile(cert_check=False), "testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": f"{__name__}.LeakyStorage", "OPTIONS": {"profile": "default"}},
        "legacy": {
            "BACKEND": MINIO,
            "OPTIONS": {
                "MINIO_ENDPOINT": "legacy.invalid:9000",
                "MINIO_ACCESS_KEY": "legacy-access",
                "MINIO_SECRET_KEY": UPSTREAM_SECRET,
                "MINIO_USE_HTTPS": "no",  # invalid: only the OPTIONS know this secret
            },
        },
    }
    messages = run()
    crash = only(messages, "E099")
    assert isinstance(crash, checks.Error)
    assert crash.msg.startswith("checking the storages using MinIO profiles")
    assert "STORAGES['default']" in crash.msg
    assert f"{__name__}.LeakyStorage" in crash.msg
    assert (
        "raised RuntimeError when built from its OPTIONS: cannot build with ***/*** (not ***)"
        in crash.msg
    )
    assert UPSTREAM_SECRET not in crash.msg
    assert crash.hint
    assert_no_secret(messages)
    # The other checks still ran.
    assert only(messages, "W003").obj == "profile 'default'"


def test_manage_py_check_reports_a_crash_instead_of_raising(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": profile(), "testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {1: "not a keyword"}},  # TypeError in Django too
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", tags=[TAG], stdout=out, stderr=err)
    text = str(raised.value) + out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert "(django_minio_backend.E099) checking the storages" in text
    assert "STORAGES['default']" in text and "TypeError" in text
    assert SECRET not in text and ACCESS not in text


def test_each_check_is_guarded_on_its_own(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.MINIO_PROFILES = {"default": profile(cert_check=False), "testapp": app_profile()}
    settings.STORAGES = {"default": {"BACKEND": MINIO, "OPTIONS": {"bucket_name": "undeclared"}}}

    def broken(_profile: object) -> str:
        raise LookupError(f"no server for {SECRET}")

    monkeypatch.setattr(minio_checks, "_server_of", broken)
    messages = run()
    crash = only(messages, "E099")
    assert crash.msg == (
        "checking the bucket policies of profiles sharing a server failed unexpectedly: "
        "LookupError: no server for ***"
    )
    assert by_id(messages, "W002") and by_id(messages, "W003")  # the other checks still ran
    assert_no_secret(messages)


def test_a_configuration_error_in_a_check_is_reported_as_such(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.MINIO_PROFILES = {"default": profile(), "testapp": app_profile()}

    def unknown(*_args: object) -> object:
        return get_profile("nope")

    monkeypatch.setattr(minio_checks, "storage_entries", unknown)
    message = only(run(), "E007")
    assert "unknown profile 'nope'" in message.msg


# --- E012: one bucket, public and private on the same server --------------------------------------


def test_bucket_public_in_one_profile_private_in_another_of_the_same_server(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "site": profile(endpoint="minio.invalid:9000", public_buckets=["shared", "site-only"]),
        "backoffice": profile(endpoint="MINIO.invalid:9000", private_buckets=["shared"]),
        "testapp": app_profile(),
    }
    message = only(run(), "E012")
    assert isinstance(message, checks.Error)
    assert message.obj == "bucket 'shared'"
    assert message.msg == (
        "bucket 'shared' is public in profile 'site' and private in profile 'backoffice', all on "
        "the server minio.invalid:9000: S3 keeps one policy per bucket, so initialize_buckets "
        "would switch it on every run"
    )
    assert "public_buckets" in str(message.hint) and "private_buckets" in str(message.hint)


def test_the_port_implied_by_the_scheme_is_the_same_server(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "a": profile(endpoint="files.invalid", use_https=True, public_buckets=["media"]),
        "b": profile(endpoint="files.invalid:443", use_https=True, private_buckets=["media"]),
        "c": profile(endpoint="files.invalid:443", use_https=True, private_buckets=["media"]),
        "testapp": app_profile(),
    }
    message = only(run(), "E012")
    assert "public in profile 'a' and private in profiles 'b', 'c'" in message.msg
    assert "files.invalid:443" in message.msg


def test_no_conflict_across_servers_or_when_the_lists_agree(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "a": profile(endpoint="minio.invalid:9000", public_buckets=["media"]),
        "b": profile(endpoint="minio.invalid:9001", private_buckets=["media"]),
        "c": profile(endpoint="minio.invalid:9000", public_buckets=["media"]),
        "d": profile(endpoint="minio.invalid", private_buckets=["media"]),  # port 80
        "testapp": app_profile(),
    }
    assert by_id(run(), "E012") == []


# --- the checks use the storages' own profile rule ------------------------------------------------


def test_a_field_with_upstream_options_of_no_entry_is_reported(
    settings: Any, model_registry: Apps
) -> None:
    settings.MINIO_PROFILES = {"default": profile()}

    class Legacy(models.Model):
        upload = models.FileField(
            storage=MinioBackend(
                MINIO_ENDPOINT="x.invalid:9000", MINIO_ACCESS_KEY=ACCESS, MINIO_SECRET_KEY=SECRET
            )
        )

        class Meta:
            app_label = "testapp"

    messages = run()
    message = only(messages, "E007")
    assert message.obj is Legacy._meta.get_field("upload")
    assert "match no STORAGES entry" in message.msg
    assert_no_secret(messages)


def test_an_upstream_entry_is_its_own_profile(settings: Any, model_registry: Apps) -> None:
    upstream: dict[str, Any] = {
        "MINIO_ENDPOINT": "minio.invalid:9000",
        "MINIO_ACCESS_KEY": ACCESS,
        "MINIO_SECRET_KEY": SECRET,
        "MINIO_USE_HTTPS": False,
        "MINIO_PRIVATE_BUCKETS": ["legacy"],
        "MINIO_DEFAULT_BUCKET": "legacy",
    }
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": upstream},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    class Upload(models.Model):
        on_default = models.FileField()
        direct = models.FileField(storage=MinioBackend(**upstream, bucket_name="undeclared"))

        class Meta:
            app_label = "testapp"

    messages = run()
    assert by_id(messages, "E007") == []
    warning = only(messages, "W002")
    assert warning.obj is Upload._meta.get_field("direct")
    assert "profile 'default' declares in no list" in warning.msg
