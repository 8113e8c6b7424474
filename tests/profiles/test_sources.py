"""Profiles from Django settings: MINIO_PROFILES, the seed's flat settings, upstream OPTIONS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from django_minio_backend import ConfigurationError, MinioProfile, get_profile, get_profiles
from django_minio_backend.profiles.sources import configuration, profile_name_for_options

SECRET = "sEcReT-canary-51c2"
BASE: dict[str, Any] = {"endpoint": "minio:9000", "access_key": "AK", "secret_key": SECRET}
FLAT = {"MINIO_ENDPOINT": "minio:9000", "MINIO_ACCESS_KEY": "AK", "MINIO_SECRET_KEY": SECRET}


def error_text() -> str:
    with pytest.raises(ConfigurationError) as caught:
        get_profiles()
    text = str(caught.value)
    assert SECRET not in text
    return text


def test_minio_profiles_dicts_and_objects(settings: Any) -> None:
    archive = MinioProfile(endpoint="archive:9000", access_key="a", secret_key="s")
    settings.MINIO_PROFILES = {"default": BASE, "archive": archive}
    profiles = get_profiles()
    assert set(profiles) == {"default", "archive"}
    assert profiles["archive"] is archive
    assert get_profile("default").endpoint == "minio:9000"
    assert configuration().sources["default"] == "MINIO_PROFILES"


def test_cache_is_dropped_when_settings_change(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": BASE}
    first = get_profile("default")
    assert get_profile("default") is first  # parsed once
    settings.MINIO_PROFILES = {"default": {**BASE, "endpoint": "other:9000"}}
    assert get_profile("default").endpoint == "other:9000"


def test_unknown_profile_lists_the_known_ones(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": BASE, "archive": BASE}
    with pytest.raises(ConfigurationError) as caught:
        get_profile("archiv")
    assert "unknown profile 'archiv'; known profiles: 'default', 'archive'" in str(caught.value)


def test_one_invalid_profile_fails_the_whole_configuration(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": BASE,
        "archive": {**BASE, "url_expiry": timedelta(days=30)},
        "cold": {**BASE, "endpoint": "s3://cold"},
    }
    text = error_text()
    assert "profile 'archive': url_expiry: must be between 1 second and 7 days, got 30 days" in text
    assert "profile 'cold': endpoint:" in text
    with pytest.raises(ConfigurationError):
        get_profile("default")


def test_seed_flat_settings_become_the_default_profile(settings: Any) -> None:
    settings.MINIO_ENDPOINT = "minio:9000"
    settings.MINIO_ACCESS_KEY = "AK"
    settings.MINIO_SECRET_KEY = SECRET
    settings.MINIO_USE_HTTPS = False
    settings.MINIO_EXTERNAL_ENDPOINT = "files.example.com"
    settings.MINIO_EXTERNAL_ENDPOINT_USE_HTTPS = True
    settings.MINIO_REGION = None  # the seed's documented default
    settings.MINIO_URL_EXPIRY_HOURS = timedelta(days=1)
    settings.MINIO_PRIVATE_BUCKETS = ["django-backend-dev-private"]
    settings.MINIO_PUBLIC_BUCKETS = ["django-backend-dev-public"]
    settings.MINIO_MEDIA_FILES_BUCKET = "django-backend-dev-private"
    settings.MINIO_STATIC_FILES_BUCKET = "django-backend-dev-public"
    settings.MINIO_POLICY_HOOKS = []
    settings.MINIO_BUCKET_CHECK_ON_SAVE = True
    settings.MINIO_CONSISTENCY_CHECK_ON_START = False
    settings.MINIO_HTTP_CLIENT = None
    profile = get_profile("default")
    assert profile.use_https is False
    assert profile.external_base_url == "https://files.example.com"
    assert profile.region == "us-east-1"
    assert profile.url_expiry == timedelta(days=1)
    assert profile.default_bucket == "django-backend-dev-private"
    assert profile.static_bucket == "django-backend-dev-public"
    assert profile.bucket_check_on_save is True
    assert configuration().sources["default"] == "flat MINIO_* settings"


def test_flat_expiry_counts_hours(settings: Any) -> None:
    for key, value in FLAT.items():
        setattr(settings, key, value)
    settings.MINIO_URL_EXPIRY_HOURS = 2
    assert get_profile("default").url_expiry == timedelta(hours=2)


def test_flat_errors_name_the_flat_setting(settings: Any) -> None:
    for key, value in FLAT.items():
        setattr(settings, key, value)
    settings.MINIO_URL_EXPIRY_HOURS = 24 * 30
    settings.MINIO_MEDIA_FILES_BUCKET = "undeclared"
    text = error_text()
    assert "profile 'default': MINIO_URL_EXPIRY_HOURS: must be between 1 second and 7 days" in text
    assert "MINIO_MEDIA_FILES_BUCKET: bucket 'undeclared' is not declared" in text


def test_missing_flat_endpoint_is_named(settings: Any) -> None:
    settings.MINIO_ACCESS_KEY = "AK"
    settings.MINIO_SECRET_KEY = SECRET
    assert "profile 'default': MINIO_ENDPOINT: is required but missing" in error_text()


def test_two_sources_at_once_is_an_error(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": BASE}
    settings.MINIO_ENDPOINT = "minio:9000"
    assert "MINIO_PROFILES: MINIO_PROFILES and MINIO_ENDPOINT are both set" in error_text()


def test_upstream_options_become_a_profile_named_after_the_alias(
    settings: Any,
) -> None:
    options = {
        "MINIO_ENDPOINT": "minio:9000",
        "MINIO_ACCESS_KEY": "AK",
        "MINIO_SECRET_KEY": SECRET,
        "MINIO_USE_HTTPS": False,
        "MINIO_PRIVATE_BUCKETS": ["media"],
        "MINIO_DEFAULT_BUCKET": "media",
        "MINIO_MULTIPART_UPLOAD": True,
        "MINIO_MULTIPART_THRESHOLD": 10 * 1024 * 1024,
        "MINIO_MULTIPART_PART_SIZE": 10 * 1024 * 1024,
    }
    settings.STORAGES = {
        "media": {"BACKEND": "django_minio_backend.models.MinioBackend", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    profile = get_profile("media")
    assert profile.default_bucket == "media"
    assert profile.multipart_threshold == 10 * 1024 * 1024
    assert configuration().sources["media"] == "STORAGES['media']['OPTIONS']"
    assert profile_name_for_options(dict(options)) == "media"
    assert profile_name_for_options({"MINIO_ENDPOINT": "elsewhere:1"}) is None


def test_upstream_options_errors_name_the_option(settings: Any) -> None:
    settings.STORAGES = {
        "media": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {
                **{k: v for k, v in FLAT.items()},
                "MINIO_USE_HTTP": True,
                "MINIO_URL_EXPIRY_HOURS": 24 * 8,
            },
        },
    }
    text = error_text()
    assert "unknown setting STORAGES['media']['OPTIONS']['MINIO_USE_HTTP']" in text
    assert "STORAGES['media']['OPTIONS']['MINIO_URL_EXPIRY_HOURS']: must be between" in text


def test_profile_name_defined_twice(settings: Any) -> None:
    settings.MINIO_PROFILES = {"media": BASE}
    settings.STORAGES = {
        "media": {"BACKEND": "django_minio_backend.models.MinioBackend", "OPTIONS": FLAT},
    }
    assert (
        "profile 'media': is defined twice: by MINIO_PROFILES and by STORAGES['media']['OPTIONS']"
        in error_text()
    )


def test_no_configuration_means_no_profiles(settings: Any) -> None:
    settings.MINIO_PROFILES = {}
    assert dict(get_profiles()) == {}
    with pytest.raises(ConfigurationError, match="none are configured"):
        get_profile("default")
