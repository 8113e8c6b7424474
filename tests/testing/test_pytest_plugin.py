"""The kit's pytest plugin, run the way users run it: a pytest of its own in a subprocess,
without pytest-django, with the plugin found by its entry point (or by ``-p``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest_plugins = ["pytester"]

# Django configured by hand: the plugin needs settings, not pytest-django.
CONFTEST = """
import django
from django.conf import settings

settings.configure(
    INSTALLED_APPS=["django.contrib.contenttypes", "django_minio_backend"],
    USE_TZ=True,
    STORAGES={
        "default": {"BACKEND": "django_minio_backend.models.MinioBackend",
                    "OPTIONS": {"profile": "default"}},
        "staticfiles": {"BACKEND": "django_minio_backend.models.MinioBackendStatic",
                        "OPTIONS": {"profile": "default"}},
    },
)
django.setup()
"""

USER_TESTS = """
import json
from pathlib import Path

import pytest
import urllib3
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from django_minio_backend import MinioBackend, MinioBackendStatic

RECORD = Path("record.jsonl")
BUILT_EARLY = MinioBackend(profile="default")  # before any profile exists, as in a models.py


def record(**values):
    with RECORD.open("a") as out:
        out.write(json.dumps(values) + "\\n")


def test_storages_write_to_the_fresh_buckets(minio_profiles, minio_profile, minio_server):
    assert settings.MINIO_PROFILES == {"default": minio_profile}
    assert minio_profiles == {"default": minio_profile}
    name = default_storage.save("hello.txt", ContentFile(b"hello"))
    client = minio_server.client()
    stored = client.get_object(bucket_name=minio_profile["default_bucket"], object_name=name)
    assert stored.read() == b"hello"
    assert BUILT_EARLY.exists(name)
    public = MinioBackendStatic().save("logo.txt", ContentFile(b"logo"))
    url = MinioBackendStatic().url(public)
    assert urllib3.request("GET", url).data == b"logo"  # anonymous read of the public bucket
    record(test="a", profile=minio_profile, endpoint=minio_server.endpoint)


def test_next_test_gets_new_buckets(minio_profiles, minio_profile, minio_server):
    name = default_storage.save("hello.txt", ContentFile(b"again"))
    assert name == "hello.txt"  # nothing left from the other test
    record(test="b", profile=minio_profile, endpoint=minio_server.endpoint)


@pytest.mark.minio_profiles("default", "archive")
def test_several_profiles(minio_profiles, minio_profile):
    assert set(settings.MINIO_PROFILES) == {"default", "archive"}
    assert minio_profiles["default"] is minio_profile
    archive = MinioBackend(profile="archive")
    name = archive.save("report.txt", ContentFile(b"report"))
    assert archive.bucket_name == minio_profiles["archive"]["default_bucket"]
    assert archive.bucket_name != minio_profile["default_bucket"]
    assert archive.exists(name)


def test_settings_are_restored():
    assert not hasattr(settings, "MINIO_PROFILES")
"""

CHECK_CLEANUP = """
import json
from pathlib import Path

from django_minio_backend.testing import LocalS3Server


def test_buckets_of_earlier_tests_are_gone(minio_server: LocalS3Server):
    records = [json.loads(line) for line in Path("record.jsonl").read_text().splitlines()]
    client = minio_server.client()
    names = {b.name for b in client.list_buckets()}
    for entry in records:
        profile = entry["profile"]
        assert profile["private_buckets"][0] not in names
        assert profile["public_buckets"][0] not in names
"""


MARKER_MISUSE = """
import pytest


@pytest.mark.minio_profiles()
def test_marker_without_names(minio_profiles):
    pass
"""

XDIST_TESTS = """
import json
from pathlib import Path

import os


def test_record_the_server(minio_profile, minio_server):
    with Path("record.jsonl").open("a") as out:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        out.write(json.dumps({"worker": worker, "endpoint": minio_server.endpoint,
                              "profile": minio_profile}) + "\\n")
"""


@pytest.fixture
def project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    pytester.makeconftest(CONFTEST)
    return pytester


def records(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    lines = (pytester.path / "record.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def test_fixtures_without_pytest_django(project: pytest.Pytester) -> None:
    project.makepyfile(
        test_user=USER_TESTS, test_zz_cleanup=CHECK_CLEANUP, test_misuse=MARKER_MISUSE
    )
    result = project.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=5, errors=1)
    result.stdout.fnmatch_lines(["*minio_profiles(...) takes profile names*"])
    first, second = records(project)
    assert first["endpoint"] == second["endpoint"]  # one server for the session
    assert first["profile"] != second["profile"]  # fresh buckets per test


def test_one_server_per_xdist_worker(project: pytest.Pytester) -> None:
    # --dist each: every worker runs every test, so both workers surely start their server.
    project.makepyfile(test_record=XDIST_TESTS)
    result = project.runpytest_subprocess(
        "-p", "no:django", "-p", "no:cacheprovider", "-n", "2", "--dist", "each"
    )
    result.assert_outcomes(passed=2)
    entries = records(project)
    assert {entry["worker"] for entry in entries} == {"gw0", "gw1"}
    assert len({entry["endpoint"] for entry in entries}) == 2


def test_inert_unless_a_fixture_is_used(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_plain="""
        from django_minio_backend.testing import buckets

        def test_plain(request):
            assert request.config.pluginmanager.has_plugin("django_minio_backend.testing")
            assert buckets._shared is None  # no server was started
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_loadable_with_dash_p_without_entry_points(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    loaded = pytester.runpytest_subprocess(
        "--fixtures", "-p", "no:cacheprovider", "-p", "django_minio_backend.testing"
    )
    text = loaded.stdout.str()
    for fixture in ("minio_server", "minio_profile", "minio_profiles"):
        assert fixture in text
