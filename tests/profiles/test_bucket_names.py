"""The S3 bucket naming rules."""

from __future__ import annotations

import pytest

from django_minio_backend.profiles.bucket_names import bucket_name_problem


@pytest.mark.parametrize("name", ["abc", "media-files", "a.b.c", "x" * 63, "0day", "my.bucket-1"])
def test_valid_names(name: str) -> None:
    assert bucket_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("ab", "3 to 63"),
        ("x" * 64, "3 to 63"),
        ("Media", "lowercase"),
        ("my_bucket", "lowercase"),
        ("-media", "start and end"),
        ("media.", "start and end"),
        ("a..b", "'..'"),
        ("a.-b", "'..'"),
        ("192.168.1.1", "IP address"),
        ("xn--media", "reserves"),
        ("media-s3alias", "reserves"),
    ],
)
def test_invalid_names_say_why(name: str, reason: str) -> None:
    problem = bucket_name_problem(name)
    assert problem is not None
    assert reason in problem
