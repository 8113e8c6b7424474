"""The ``url_signing_window`` field, upstream 4.x's URL cache keys and the checks about both."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Any

import pytest
from django.core import checks as django_checks
from django.core.management import call_command

from django_minio_backend import ConfigurationError, MinioProfile, get_profile

BASE = {"endpoint": "m:9000", "access_key": "AK", "secret_key": "SK-window-canary"}


def messages(ids: str) -> list[django_checks.CheckMessage]:
    return [m for m in django_checks.run_checks() if m.id.startswith(ids)]


def test_default_is_off_and_ints_count_seconds() -> None:
    assert MinioProfile(**BASE).url_signing_window is None  # type: ignore[arg-type]
    profile = MinioProfile(**BASE, url_signing_window=600)  # type: ignore[arg-type]
    assert profile.url_signing_window == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"url_signing_window": timedelta(days=7)}, r"must be shorter than url_expiry \(7 days\)"),
        ({"url_expiry": 3600, "url_signing_window": 3600}, "must be shorter than url_expiry"),
        ({"url_signing_window": 0}, "between 1 second and 7 days"),
        ({"url_signing_window": timedelta(seconds=1.5)}, "whole number of seconds"),
        ({"url_signing_window": "1h"}, "expected a timedelta"),
    ],
)
def test_bad_windows_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        MinioProfile(**BASE, **fields)  # type: ignore[arg-type]
    assert [problem.setting for problem in caught.value.problems] == ["url_signing_window"]


def test_the_check_reports_a_window_not_shorter_than_the_expiry(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "w": {**BASE, "url_expiry": timedelta(hours=1), "url_signing_window": timedelta(hours=2)}
    }
    (message,) = [m for m in messages("django_minio_backend.E") if "url_signing_window" in m.msg]
    assert message.id == "django_minio_backend.E001"
    assert "url_signing_window" in message.msg and "shorter than url_expiry (3600 seconds)" in (
        message.msg
    )
    assert "SK-window-canary" not in message.msg + str(message.hint)


def upstream(settings: Any, **options: Any) -> None:
    settings.STORAGES = {
        "default": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {
                "MINIO_ENDPOINT": "m:9000",
                "MINIO_ACCESS_KEY": "AK",
                "MINIO_SECRET_KEY": "SK",
                **options,
            },
        }
    }


@pytest.mark.parametrize(
    ("options", "window"),
    [
        ({}, None),
        ({"MINIO_URL_CACHING_ENABLED": False, "MINIO_URL_CACHE_TIMEOUT": 600}, None),
        ({"MINIO_URL_CACHE_TIMEOUT": 600}, None),
        ({"MINIO_URL_CACHING_ENABLED": True, "MINIO_URL_CACHE_TIMEOUT": 600}, 600),
        ({"MINIO_URL_CACHING_ENABLED": True, "MINIO_URL_EXPIRY_HOURS": 10}, 8 * 3600),
        ({"MINIO_URL_CACHING_ENABLED": True}, int(7 * 24 * 3600 * 0.8)),
        (
            {
                "MINIO_URL_CACHING_ENABLED": True,
                "MINIO_URL_CACHE_TIMEOUT": 60 * 60 * 8,
                "MINIO_URL_CACHE_PREFIX": "minio_url_",
            },
            8 * 3600,
        ),
    ],
)
def test_upstream_url_cache_options_set_the_window(
    settings: Any, options: dict[str, Any], window: int | None
) -> None:
    upstream(settings, **options)
    profile = get_profile("default")
    expected = None if window is None else timedelta(seconds=window)
    assert profile.url_signing_window == expected


def test_upstream_cache_timeout_longer_than_the_expiry_names_the_key(settings: Any) -> None:
    upstream(
        settings,
        MINIO_URL_CACHING_ENABLED=True,
        MINIO_URL_CACHE_TIMEOUT=7200,
        MINIO_URL_EXPIRY_HOURS=1,
    )
    with pytest.raises(ConfigurationError, match=r"\['MINIO_URL_CACHE_TIMEOUT'\].*shorter"):
        get_profile("default")
    upstream(settings, MINIO_URL_CACHING_ENABLED="yes")
    with pytest.raises(ConfigurationError, match=r"\['MINIO_URL_CACHING_ENABLED'\].*True or"):
        get_profile("default")


def test_minio_profiles_shows_the_window(settings: Any) -> None:
    settings.MINIO_PROFILES = {"w": {**BASE, "url_signing_window": 900}}
    out = io.StringIO()
    call_command("minio_profiles", "--json", stdout=out)
    assert json.loads(out.getvalue())["profiles"][0]["url_signing_window"] == 900
    text = io.StringIO()
    call_command("minio_profiles", stdout=text)
    assert "url signing window (s): 900" in " ".join(text.getvalue().split())


def test_public_base_url_on_a_private_bucket_is_a_warning(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": {
            **BASE,
            "private_buckets": ["priv"],
            "public_buckets": ["pub"],
            "default_bucket": "priv",
        }
    }
    settings.STORAGES = {
        "media": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {"public_base_url": "https://cdn.example.com/m"},
        },
        "public": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {"bucket_name": "pub", "public_base_url": "https://cdn.example.com/m"},
        },
    }
    found = messages("django_minio_backend.W005")
    assert len(found) == 1
    assert "'media'" in str(found[0].obj) + found[0].msg and "'priv' is private" in found[0].msg
