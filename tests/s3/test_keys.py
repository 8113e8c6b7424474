"""Names that become object keys, and names refused before any request. Pure logic."""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousFileOperation

from django_minio_backend.s3.keys import object_key, prefix_key


@pytest.mark.parametrize(
    "name",
    [
        "a.txt",
        "dir/sub/file.tar.gz",
        "ü/日本.txt",
        "with space+plus%41",
        "/".join(["x" * 255] * 4),
        ".hidden",
    ],
)
def test_accepted_names_are_the_key(name: str) -> None:
    assert object_key(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "..", "../a", "a/../b", "a/./b", "/a", "a/", "a//b", "a\x00b", "a\nb", "a\\b", "é" * 513],
)
def test_refused_names(name: str) -> None:
    with pytest.raises(SuspiciousFileOperation):
        object_key(name)


def test_prefixes() -> None:
    assert prefix_key("") == ""
    assert prefix_key("/") == ""
    assert prefix_key("dir") == "dir/"
    assert prefix_key("dir/sub/") == "dir/sub/"
    with pytest.raises(SuspiciousFileOperation):
        prefix_key("../up")
