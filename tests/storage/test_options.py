"""Storage OPTIONS read by name: unknown keys, wrong values, and the headers they give (pure)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from django_minio_backend.errors import ConfigurationError
from django_minio_backend.storage.options import (
    STORAGE_OPTIONS,
    ObjectOptions,
    object_options_from,
    object_parameter_problems,
    object_parameters_headers,
    storage_option_problems,
)


def test_an_unknown_option_is_e008_with_the_closest_name() -> None:
    (problem,) = storage_option_problems({"cache_contrl": "x"}, "STORAGES['default']")
    assert problem.code == "E008"
    assert problem.setting == "STORAGES['default']"
    assert "unknown option 'cache_contrl'" in problem.message
    assert problem.hint == "did you mean 'cache_control'?"


def test_an_option_with_no_close_name_lists_the_valid_ones() -> None:
    (problem,) = storage_option_problems({"zzz": 1}, "here")
    assert problem.hint is not None
    assert all(name in problem.hint for name in STORAGE_OPTIONS)


def test_upstream_keys_are_left_to_the_profiles() -> None:
    assert storage_option_problems({"MINIO_ENDPOINT": "x:9000"}, "here") == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"replace_existing": "yes"}, "expected True or False"),
        ({"bucket_name": 3}, "expected a string, got int"),
        ({"cache_control": "max-age=1\r\nX-Evil: 1"}, "must be ASCII on one line"),
        ({"content_disposition": "attachment; filename=é.txt"}, "filename*=UTF-8''"),
        ({"metadata": {"bad key": "v"}}, "must be an ASCII token"),
        ({"metadata": {"k": "two\nlines"}}, "must be on one line"),
        ({"metadata": ["not", "a", "dict"]}, "expected a dict of str -> str"),
    ],
)
def test_wrong_values_are_named(options: dict[str, Any], expected: str) -> None:
    problems = storage_option_problems(options, "here")
    assert [problem.code for problem in problems] == ["E008"]
    (key,) = options
    assert problems[0].setting == f"here option {key!r}"
    assert expected in problems[0].message


def test_every_problem_is_raised_at_once() -> None:
    with pytest.raises(ConfigurationError) as raised:
        object_options_from({"replace_existing": 1, "nope": 2}, "STORAGES['media']")
    assert len(raised.value.problems) == 2


def test_object_options_become_headers() -> None:
    options = object_options_from(
        {
            "cache_control": "max-age=60",
            "content_disposition": "attachment",
            "metadata": {"team": "docs", "title": "Café"},
            "location": "/media/",
            "public_base_url": "https://cdn.example.com/files/",
        },
        "here",
    )
    assert options.location == "media"
    assert options.public_base_url == "https://cdn.example.com/files"
    assert options.headers() == {
        "x-amz-meta-team": "docs",
        "x-amz-meta-title": "=?UTF-8?B?Q2Fmw6k=?=",  # RFC 2047, as S3 returns it
        "Cache-Control": "max-age=60",
        "Content-Disposition": "attachment",
    }
    assert ObjectOptions().headers() == {}


def test_object_parameters_become_headers() -> None:
    parameters = {
        "CacheControl": "no-cache",
        "Expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        "Tagging": {"source": "up load"},
        "Metadata": {"k": "v"},
    }
    assert object_parameter_problems(parameters) == []
    assert object_parameters_headers(parameters) == {
        "Cache-Control": "no-cache",
        "Expires": "Wed, 02 Jan 2030 03:04:05 GMT",
        "x-amz-tagging": "source=up%20load",
        "x-amz-meta-k": "v",
    }
    assert object_parameter_problems({"ContentMD5": "x"}) != []
