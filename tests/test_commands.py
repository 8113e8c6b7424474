"""The management commands, run with ``call_command`` against the real server."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import urllib3
from django.core.management import call_command
from django.core.management.base import CommandError

from django_minio_backend.testing.s3server import S3Server
from tests.administration.test_orphans import RefusingDeletes, use_testapp
from tests.helpers import bucket_names, minio_storages, server_profile
from tests.s3.test_health import down_profile
from tests.testapp.models import Document

ANONYMOUS = urllib3.PoolManager(retries=False, timeout=10.0)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, CommandError]:
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(*args, stdout=out, stderr=io.StringIO())
    return out.getvalue(), raised.value


def put(server: S3Server, bucket: str, key: str) -> None:
    server.client().put_object(
        bucket_name=bucket, object_name=key, data=io.BytesIO(b"data"), length=4
    )


def keys(server: S3Server, bucket: str) -> list[str]:
    return sorted(
        str(item.object_name)
        for item in server.client().list_objects(bucket_name=bucket, recursive=True)
        if not item.is_dir
    )


# --- initialize_buckets ---------------------------------------------------------------------------


def test_initialize_buckets_twice(settings: Any, s3_server: S3Server) -> None:
    private, public = bucket_names(2)
    settings.MINIO_PROFILES = {
        "main": server_profile(s3_server, private_buckets=[private], public_buckets=[public])
    }
    first, _ = run("initialize_buckets")
    assert first.splitlines() == [
        f"[main] {private} (private): created",
        f"[main] {public} (public): created, public-read policy set",
    ]
    second, _ = run("initialize_buckets")
    assert second.splitlines() == [
        f"[main] {private} (private): unchanged",
        f"[main] {public} (public): unchanged",
    ]
    put(s3_server, public, "a.txt")
    put(s3_server, private, "a.txt")
    base = f"http://{s3_server.endpoint}"
    assert ANONYMOUS.request("GET", f"{base}/{public}/a.txt").status == 200
    assert ANONYMOUS.request("GET", f"{base}/{private}/a.txt").status == 403
    assert ANONYMOUS.request("GET", f"{base}/{public}?list-type=2").status == 403


def test_initialize_buckets_selected_profiles_only(settings: Any, s3_server: S3Server) -> None:
    a, b, c = bucket_names(3)
    settings.MINIO_PROFILES = {
        "a": server_profile(s3_server, private_buckets=[a]),
        "b": server_profile(s3_server, private_buckets=[b]),
        "c": server_profile(s3_server, private_buckets=[c]),
    }
    out, _ = run("initialize_buckets", "--profile", "c", "--profile", "a")
    assert out.splitlines() == [f"[c] {c} (private): created", f"[a] {a} (private): created"]
    assert not s3_server.client().bucket_exists(bucket_name=b)
    out, _ = run("initialize_buckets", "--profile", "b", "a", "--silenced")
    assert out == ""
    assert s3_server.client().bucket_exists(bucket_name=b)


def test_initialize_buckets_unknown_profile_lists_known(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"one": server_profile(s3_server), "two": server_profile(s3_server)}
    _, error = run_failing("initialize_buckets", "--profile", "three")
    assert str(error) == "unknown profile 'three'; known profiles: 'one', 'two'"
    _, error = run_failing("is_minio_available", "--profile", "one", "tow")
    assert str(error) == "unknown profile 'tow' (did you mean 'two'?); known profiles: 'one', 'two'"


def test_initialize_buckets_failure_names_profile(settings: Any, s3_server: S3Server) -> None:
    ok, lost = bucket_names(2)
    down = down_profile(private_buckets=[lost])
    settings.MINIO_PROFILES = {
        "up": server_profile(s3_server, private_buckets=[ok]),
        "down": down,
    }
    out, error = run_failing("initialize_buckets")
    assert f"[up] {ok} (private): created" in out
    assert f"[down] {lost} (private): FAILED: the server at http://{down['endpoint']}" in out
    assert error.returncode != 0
    assert f"profile 'down': the server at http://{down['endpoint']} is unreachable" in str(error)
    assert f"buckets not initialised: '{lost}'" in str(error)
    assert "down-secret-key-value" not in out + str(error)


def test_commands_report_an_invalid_configuration_cleanly(settings: Any) -> None:
    settings.MINIO_PROFILES = {"bad": {"endpoint": "http://x", "access_key": "k"}}
    for command in ("initialize_buckets", "is_minio_available"):
        _, error = run_failing(command)
        assert "problem(s)" in str(error)
        assert "profile 'bad': endpoint:" in str(error)
        assert "manage.py check" in str(error)


# --- is_minio_available ---------------------------------------------------------------------------


def test_is_minio_available_with_one_profile_down(settings: Any, s3_server: S3Server) -> None:
    down = down_profile()
    settings.MINIO_PROFILES = {"up": server_profile(s3_server), "down": down}
    out, error = run_failing("is_minio_available")
    up_line, down_line = out.splitlines()
    assert up_line.startswith(f"up    http://{s3_server.endpoint}")
    assert "available" in up_line and up_line.endswith(" ms")
    assert down_line.startswith(f"down  http://{down['endpoint']}")
    assert " DOWN " in down_line and "unreachable" in down_line
    assert error.returncode == 1
    assert str(error) == "MinIO is not available for profile 'down'"


def test_is_minio_available_all_up(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"up": server_profile(s3_server), "down": down_profile()}
    out, _ = run("is_minio_available", "--profile", "up")
    assert len(out.splitlines()) == 1
    assert "available" in out
    out, _ = run("is_minio_available", "--profile", "up", "--silenced")
    assert out == ""


def test_is_minio_available_wrong_credentials_is_down(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"bad": server_profile(s3_server, secret_key="not-the-secret-9876")}
    out, error = run_failing("is_minio_available", "--silenced")
    assert out == ""
    assert error.returncode == 1


# --- minio_profiles -------------------------------------------------------------------------------


def test_minio_profiles_text_and_json(settings: Any, s3_server: S3Server) -> None:
    media, assets = bucket_names(2)
    settings.MINIO_PROFILES = {
        "main": server_profile(
            s3_server,
            private_buckets=[media],
            public_buckets=[assets],
            default_bucket=media,
            static_bucket=assets,
            external_endpoint="files.example.com",
            external_use_https=True,
        ),
        "testapp": server_profile(s3_server),
    }
    settings.STORAGES = minio_storages("main")
    text, _ = run("minio_profiles")
    assert "main (MINIO_PROFILES)" in text
    assert f"http://{s3_server.endpoint}" in text
    assert "https://files.example.com" in text
    assert "STORAGES['default'], STORAGES['staticfiles']" in text
    assert "testapp.Document.file, testapp.Document.asset" in text
    raw, _ = run("minio_profiles", "--json")
    data: dict[str, Any] = json.loads(raw)
    main = data["profiles"][0]
    assert main["name"] == "main"
    assert main["source"] == "MINIO_PROFILES"
    assert main["access_key"] == main["secret_key"] == "***"
    assert main["private_buckets"] == [media]
    assert main["public_buckets"] == [assets]
    assert main["storages"] == ["STORAGES['default']", "STORAGES['staticfiles']"]
    assert data["problems"] == []
    for output in (text, raw):
        assert s3_server.secret_key not in output
        assert s3_server.access_key not in output


def test_minio_profiles_sources_and_problems(settings: Any) -> None:
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "legacy": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {
                "MINIO_ENDPOINT": "minio:9000",
                "MINIO_ACCESS_KEY": "legacy-access",
                "MINIO_SECRET_KEY": "legacy-secret-value",
            },
        },
    }
    settings.MINIO_ENDPOINT = "flat:9000"
    settings.MINIO_ACCESS_KEY = "flat-access"
    settings.MINIO_SECRET_KEY = "flat-secret-value"
    settings.MINIO_URL_EXPIRY_HOURS = "soon"
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem"):
        call_command("minio_profiles", "--json", stdout=out)
    data = json.loads(out.getvalue())
    sources = {entry["name"]: (entry["source"], entry["valid"]) for entry in data["profiles"]}
    assert sources == {
        "default": ("flat MINIO_* settings", False),
        "legacy": ("STORAGES['legacy']['OPTIONS']", True),
    }
    assert data["profiles"][1]["storages"] == ["STORAGES['legacy']"]
    assert "MINIO_URL_EXPIRY_HOURS" in data["problems"][0]
    assert "secret-value" not in out.getvalue()


# --- clean_orphaned_minio_files -------------------------------------------------------------------


@pytest.fixture
def testapp_buckets(settings: Any, s3_server: S3Server) -> tuple[str, str]:
    """The profile "testapp" of ``Document``'s fields, with fresh media and static buckets."""
    media, static = bucket_names(2)
    use_testapp(settings, s3_server, media, static)
    client = s3_server.client()
    client.make_bucket(bucket_name=media)
    client.make_bucket(bucket_name=static)
    return media, static


# What is found and deleted is tested in test_orphans.py; these test the command line and output.


@pytest.mark.django_db
def test_clean_orphaned_lists_by_default_and_deletes_with_delete(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    media, static = testapp_buckets
    for key in ("docs/kept.txt", "docs/orphan.txt", "top-orphan.txt", "docs/deep/kept2.txt"):
        put(s3_server, media, key)
    for key in ("assets/kept.txt", "assets/orphan.txt"):
        put(s3_server, static, key)
    Document.objects.create(file="docs/kept.txt", asset="assets/kept.txt")
    Document.objects.create(file="docs/deep/kept2.txt")
    Document.objects.create(file="docs/missing.txt")

    out, _ = run("clean_orphaned_minio_files", "--profile", "testapp", "--bucket", media)
    lines = out.splitlines()
    assert sorted(lines[:-1]) == ["docs/orphan.txt", "top-orphan.txt"]
    assert lines[-1] == (
        f"bucket {media!r}: 4 objects, 2 referenced, 2 orphaned; 1 referenced name without an "
        "object (listed only: add --delete to delete them)"
    )
    assert len(keys(s3_server, media)) == 4

    out, _ = run(
        "clean_orphaned_minio_files", "--profile", "testapp", "--bucket", media, "--delete"
    )
    lines = out.splitlines()
    assert sorted(lines[:-1]) == ["docs/orphan.txt", "top-orphan.txt"]
    assert lines[-1] == (
        f"bucket {media!r}: 4 objects, 2 referenced, 2 orphaned, 2 deleted; "
        "1 referenced name without an object"
    )
    assert keys(s3_server, media) == ["docs/deep/kept2.txt", "docs/kept.txt"]

    out, _ = run("clean_orphaned_minio_files", "--profile", "testapp", "--bucket", static)
    assert out.splitlines() == [
        "assets/orphan.txt",
        f"bucket {static!r}: 2 objects, 1 referenced, 1 orphaned "
        "(listed only: add --delete to delete them)",
    ]


@pytest.mark.django_db
def test_clean_orphaned_keeps_recent_objects_with_min_age(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    media, _static = testapp_buckets
    put(s3_server, media, "fresh.txt")
    out, _ = run(
        "clean_orphaned_minio_files",
        "--profile",
        "testapp",
        "--bucket",
        media,
        "--delete",
        "--min-age",
        "3600",
    )
    assert out.splitlines() == [
        f"bucket {media!r}: 1 object, 0 referenced, 0 orphaned, "
        "1 unreferenced but too recent to judge (kept), 0 deleted"
    ]
    assert keys(s3_server, media) == ["fresh.txt"]


@pytest.mark.django_db
def test_clean_orphaned_refuses_unknown_or_unused(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    (unused,) = bucket_names(1)
    _, error = run_failing("clean_orphaned_minio_files", "--profile", "nope", "--bucket", unused)
    assert str(error) == "unknown profile 'nope'; known profiles: 'testapp'"
    _, error = run_failing("clean_orphaned_minio_files", "--profile", "testap", "--bucket", unused)
    assert "unknown profile 'testap' (did you mean 'testapp'?)" in str(error)
    _, error = run_failing("clean_orphaned_minio_files", "--profile", "testapp", "--bucket", unused)
    assert f"no FileField stores files in bucket {unused!r} of profile 'testapp'" in str(error)


def test_clean_orphaned_reports_an_invalid_configuration_cleanly(settings: Any) -> None:
    settings.MINIO_PROFILES = {"bad": {"endpoint": "http://x", "access_key": "k"}}
    _, error = run_failing("clean_orphaned_minio_files", "--profile", "bad", "--bucket", "b-b")
    assert "problem(s)" in str(error)
    assert "manage.py check" in str(error)


@pytest.mark.django_db
def test_clean_orphaned_server_error_names_profile_and_bucket(
    settings: Any, s3_server: S3Server
) -> None:
    media, static = bucket_names(2)  # never created
    use_testapp(settings, s3_server, media, static)
    _, error = run_failing("clean_orphaned_minio_files", "--profile", "testapp", "--bucket", media)
    assert str(error).startswith(f"profile 'testapp' bucket {media!r}: NoSuchBucket")


@pytest.mark.django_db
def test_clean_orphaned_refused_deletes_fail_the_command(
    settings: Any, s3_server: S3Server
) -> None:
    media, static = bucket_names(2)
    use_testapp(settings, s3_server, media, static, http_client=RefusingDeletes())
    s3_server.client().make_bucket(bucket_name=media)
    put(s3_server, media, "a.txt")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command(
            "clean_orphaned_minio_files",
            "--profile",
            "testapp",
            "--bucket",
            media,
            "--delete",
            stdout=out,
            stderr=err,
        )
    assert str(raised.value) == f"1 orphaned objects of bucket {media!r} were not deleted"
    assert err.getvalue().splitlines() == ["could not delete 'a.txt': AccessDenied: refused"]
    assert out.getvalue().splitlines() == [
        "a.txt",
        f"bucket {media!r}: 1 object, 0 referenced, 1 orphaned, 0 deleted",
    ]
