"""The dict form of a profile: strict structuring, unknown keys, secrets. Pure logic, no server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import urllib3
from hypothesis import given, settings
from hypothesis import strategies as st

from django_minio_backend import ConfigurationError, MinioProfile
from django_minio_backend.profiles.model import PROFILE_FIELDS
from django_minio_backend.profiles.parsing import parse_profile, try_parse_profile

SECRET = "sEcReT-canary-0b9e"
BASE: dict[str, Any] = {"endpoint": "minio:9000", "access_key": "AK", "secret_key": SECRET}


def problems_of(data: dict[str, Any]) -> str:
    with pytest.raises(ConfigurationError) as caught:
        parse_profile("archive", data)
    text = str(caught.value)
    assert SECRET not in text
    return text


def test_dict_becomes_profile() -> None:
    profile = parse_profile(
        "archive",
        {**BASE, "url_expiry": 60, "private_buckets": ["cold"], "default_bucket": "cold"},
    )
    assert profile == MinioProfile(
        endpoint="minio:9000",
        access_key="AK",
        secret_key=SECRET,
        url_expiry=timedelta(minutes=1),
        private_buckets=("cold",),
        default_bucket="cold",
    )


def test_profile_objects_pass_through() -> None:
    profile = MinioProfile(**BASE)
    assert parse_profile("x", profile) is profile


def test_pool_manager_passes_through() -> None:
    client = urllib3.PoolManager()
    assert parse_profile("x", {**BASE, "http_client": client}).http_client is client


def test_issue_example_message() -> None:
    text = problems_of({**BASE, "url_expiry": timedelta(days=30)})
    assert text == "profile 'archive': url_expiry: must be between 1 second and 7 days, got 30 days"


def test_unknown_key_suggests_the_closest_field() -> None:
    text = problems_of({**BASE, "use_htps": True})
    assert (
        "profile 'archive': use_htps: unknown field 'use_htps' (did you mean 'use_https'?)" in text
    )


def test_upper_case_seed_name_suggests_the_field() -> None:
    assert "did you mean 'endpoint'?" in problems_of({**BASE, "MINIO_ENDPOINT": "x"})


def test_missing_required_fields_are_named() -> None:
    text = problems_of({"endpoint": "minio:9000"})
    assert "access_key: is required but missing" in text
    assert "secret_key: is required but missing" in text


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("use_https", "false", "use_https: expected True or False, got 'false'"),
        ("max_retries", True, "max_retries: expected an integer, got True"),
        ("max_retries", 2.5, "max_retries: expected an integer, got 2.5"),
        ("endpoint", 9000, "endpoint: expected a string, got 9000"),
        ("url_expiry", "2h", "url_expiry: expected a timedelta or a number of seconds, got '2h'"),
        ("private_buckets", "media", "private_buckets: expected a list, got the string 'media'"),
        ("private_buckets", ["ok-name", 5], "private_buckets: item 1: expected a string, got 5"),
        ("policy_hooks", [("b", "not a dict")], "policy_hooks: item 0: item 1: expected a dict"),
        ("connect_timeout", "10", "connect_timeout: expected a number, got '10'"),
    ],
)
def test_strict_types(field: str, value: Any, expected: str) -> None:
    assert expected in problems_of({**BASE, field: value})


def test_all_problems_in_one_error() -> None:
    text = problems_of(
        {
            "endpoint": "https://x",
            "secret_key": SECRET,
            "use_https": 1,
            "bogus": 1,
            "url_expiry": -5,
        }
    )
    assert text.startswith("5 problems in the MinIO configuration:")
    for fragment in ("bogus", "access_key", "use_https", "endpoint", "url_expiry"):
        assert fragment in text


def test_wrong_secret_value_never_echoed() -> None:
    for value in ([SECRET], {"k": SECRET}, 1234567):
        text = problems_of({**BASE, "secret_key": value})
        assert "secret_key: expected a string" in text
        assert str(value) not in text


def test_not_a_mapping() -> None:
    profile, problems = try_parse_profile("x", ["minio:9000"])  # type: ignore[arg-type]
    assert profile is None
    assert "expected a dict of profile fields or a MinioProfile, got list" in str(problems[0])


_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=20)
    | st.timedeltas(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
_keys = st.sampled_from([*PROFILE_FIELDS, "MINIO_ENDPOINT", "bogus"]) | st.text(max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(_keys, _values, max_size=8), st.booleans())
def test_arbitrary_dicts_give_a_profile_or_a_configuration_error(
    data: dict[str, Any], with_secret: bool
) -> None:
    if with_secret:
        data = {**data, "secret_key": SECRET}
    try:
        profile = parse_profile("fuzz", data)
    except ConfigurationError as exc:
        assert SECRET not in str(exc)
        assert exc.problems
        assert all(problem.profile == "fuzz" for problem in exc.problems)
    else:
        assert isinstance(profile, MinioProfile)
        assert profile.endpoint and profile.access_key and profile.secret_key
        assert SECRET not in repr(profile)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "use_https": st.booleans(),
            "region": st.sampled_from(["us-east-1", "eu-west-3"]),
            "url_expiry": st.integers(1, 7 * 86400),
            "max_retries": st.integers(0, 10),
            "connect_timeout": st.floats(0.1, 100),
            "private_buckets": st.lists(st.sampled_from(["aaa", "bbb", "ccc"]), max_size=3),
        },
    )
)
def test_valid_dicts_always_parse(extra: dict[str, Any]) -> None:
    profile = parse_profile("ok", {**BASE, **extra})
    assert profile.url_expiry == timedelta(seconds=extra.get("url_expiry", 7 * 86400))
