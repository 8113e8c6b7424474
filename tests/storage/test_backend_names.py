"""Hostile names (Hypothesis): each name is stored and read back under exactly that key, or refused
with ``SuspiciousFileOperation`` before any request. No name reaches outside the storage's bucket
or a FileField's ``upload_to`` prefix, and ``url()`` always points at the right bucket and key.

Requests are counted by sending them through ``tests/fault_proxy.py`` in pass-through mode.
"""

from __future__ import annotations

import posixpath
import uuid
from collections.abc import Iterator
from typing import Any, cast
from urllib.parse import unquote, urlsplit

import attrs
import pytest
import urllib3
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import models
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from minio import Minio

from django_minio_backend import MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.fault_proxy import FaultProxy
from tests.helpers import make_public_bucket, read_object, server_profile

MAX_KEY_BYTES = 1024
SEGMENT_BYTES = 255  # longest path segment MinIO and SeaweedFS store
http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))

TOKENS = (
    "..",
    ".",
    "",
    "%2e%2e",
    "%2E%2E%2F",
    "%2F",
    "%00",
    "%",
    "%%41",
    "\\",
    "..\\..",
    "\x00",
    "\n",
    "\r\n",
    "\t",
    "\x7f",
    "\x1b[31m",
    "?",
    "#",
    "&x=y",
    "+",
    " ",
    "~",
    "*",
    ":",
    ";",
    "'",
    '"',
    "<>",
    "|",
    "\u202e",  # right-to-left override
    "\ufeff",  # byte order mark
    "e\u0301",  # e + combining acute (NFD)
    "\u00e9",  # precomposed é (NFC)
    "\u65e5\u672c\u8a9e",
    "\U0001f600",
    "CON",
    "x-amz-meta",
    "a" * SEGMENT_BYTES,
    "\u00e9" * (SEGMENT_BYTES // 2),
)

segment = st.one_of(
    st.sampled_from(TOKENS),
    st.text(st.characters(codec="utf-8"), max_size=12),
    st.lists(st.sampled_from(TOKENS) | st.text(max_size=3), max_size=4).map("".join),
)
hostile_names = st.builds(
    lambda lead, parts, trail: ("/" if lead else "") + "/".join(parts) + ("/" if trail else ""),
    st.booleans(),
    st.lists(segment, min_size=1, max_size=6),
    st.booleans(),
)


def long_name(total: int, char: str) -> str:
    """A name of ``total`` UTF-8 bytes or a few less, under a fresh folder, in 50-character
    segments (short enough for any server: MinIO and SeaweedFS refuse segments over 255 bytes)."""
    folder = uuid.uuid4().hex
    count = (total - len(folder) - 1) // len(char.encode())
    segments = [char * 50] * (count // 51) + [char * (count % 51 or 1)]
    return "/".join([folder, *segments])


def placed(name: str, rooted: bool) -> str:
    """``name`` at the bucket root, or under a fresh folder of its own.

    SeaweedFS keeps a deleted object's folders for a second: a later example whose name is such
    a folder gets an alternative name. A fresh folder avoids that, and names with long segments
    (whose alternative would be too long for the server) always get one.
    """
    longest = max(len(part.encode()) for part in name.split("/"))
    if rooted and longest <= 200:
        return name
    return f"{uuid.uuid4().hex}/{name}"


@attrs.frozen
class Target:
    storage: MinioBackend
    bucket: str
    proxy: FaultProxy
    direct: Minio
    endpoint: str


def sent_bytes(proxy: FaultProxy) -> tuple[int, int]:
    return proxy.stats.connections, proxy.stats.bytes_up


@pytest.fixture
def targets(settings: Any, s3_server: S3Server, unique_bucket: str) -> Iterator[dict[str, Target]]:
    """A private and a public storage, plus an empty sibling bucket nobody should reach."""
    direct = s3_server.client()
    public = f"{unique_bucket}-pub"
    sibling = f"{unique_bucket}-sib"
    for bucket in (unique_bucket, sibling):
        direct.make_bucket(bucket_name=bucket)
    make_public_bucket(direct, public)
    with FaultProxy(s3_server.endpoint) as proxy:
        settings.MINIO_PROFILES = {
            "hostile": server_profile(
                s3_server,
                endpoint=proxy.endpoint,
                private_buckets=[unique_bucket, sibling],
                public_buckets=[public],
                default_bucket=unique_bucket,
            )
        }
        yield {
            kind: Target(
                MinioBackend(bucket_name=bucket, profile="hostile"),
                bucket,
                proxy,
                direct,
                proxy.endpoint,
            )
            for kind, bucket in (("private", unique_bucket), ("public", public))
        }
    assert list(direct.list_objects(bucket_name=sibling, recursive=True)) == []


ROOT_NAMES = frozenset({"", "/"})  # exists() says True: the bucket's root always exists


def assert_cut_on_save(target: Target, name: str) -> None:
    """save() of a name that is only too long stores it under the name cut to fit: the file
    name's root is shortened on whole characters, directories and extension are kept."""
    saved = target.storage.save(name, ContentFile(b"cut"))
    directory, _, file_name = name.rpartition("/")
    saved_directory, _, saved_file = saved.rpartition("/")
    assert saved_directory == directory
    assert len(saved.encode()) <= MAX_KEY_BYTES and len(saved_file.encode()) <= 255
    assert file_name.startswith(posixpath.splitext(saved_file)[0])
    assert read_object(target.direct, target.bucket, saved) == b"cut"


def assert_refused_without_requests(
    target: Target, name: str, *, cut_on_save: bool = False
) -> None:
    if cut_on_save:
        assert_cut_on_save(target, name)
    before = sent_bytes(target.proxy)
    for action in (
        lambda: target.storage.open(name),
        lambda: target.storage.size(name),
        lambda: target.storage.delete(name),
        lambda: target.storage.url(name),
    ):
        with pytest.raises(SuspiciousFileOperation):
            action()
    if name in ROOT_NAMES:
        assert target.storage.exists(name)
    else:
        with pytest.raises(SuspiciousFileOperation):
            target.storage.exists(name)
    assert sent_bytes(target.proxy) == before, f"a request was sent for refused {name!r}"


def is_alternative(saved: str, name: str) -> bool:
    """Whether ``saved`` is Django's alternative for a taken ``name`` (``root_XXXXXXX.ext``);
    near the 255-byte segment limit the root is cut on whole characters to make room."""
    directory, file_name = posixpath.split(name)
    root, ext = posixpath.splitext(file_name)
    saved_directory, saved_file = posixpath.split(saved)
    saved_root = saved_file[: len(saved_file) - len(ext)] if ext else saved_file
    kept, suffix = saved_root[:-8], saved_root[-8:]
    return (
        saved_directory == directory
        and saved_file.endswith(ext)
        and suffix.startswith("_")
        and len(suffix) == 8
        and root.startswith(kept)
        and (kept == root or len(saved_file.encode("utf-8", "surrogatepass")) <= SEGMENT_BYTES)
    )


def is_cut(saved: str, name: str) -> bool:
    """Whether ``saved`` is ``name`` cut to the key limits (a file name over 255 bytes, a key over
    1024): the directory and extension are kept, characters at the end of the root are lost."""
    directory, file_name = posixpath.split(name)
    too_long = len(file_name.encode("utf-8", "surrogatepass")) > SEGMENT_BYTES
    if not too_long and len(name.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES:
        return False
    root, ext = posixpath.splitext(file_name)
    saved_directory, saved_file = posixpath.split(saved)
    saved_root = saved_file[: len(saved_file) - len(ext)] if ext else saved_file
    return (
        saved_directory == directory
        and saved_file.endswith(ext)
        and root.startswith(saved_root)
        and len(saved_file.encode("utf-8", "surrogatepass")) <= SEGMENT_BYTES
        and len(saved.encode("utf-8", "surrogatepass")) <= MAX_KEY_BYTES
    )


def check_name(target: Target, name: str) -> None:
    """The property: stored identical under exactly the name returned (``name`` itself, or its
    alternative when SeaweedFS still holds a folder of that name), or refused before any request.
    """
    data = f"content of {name!r}".encode()
    before = sent_bytes(target.proxy)
    try:
        saved = target.storage.save(name, ContentFile(data))
    except SuspiciousFileOperation:
        assert sent_bytes(target.proxy) == before, f"a request was sent for refused {name!r}"
        assert_refused_without_requests(target, name)
        return
    try:
        assert saved == name or is_alternative(saved, name) or is_cut(saved, name), saved
        listed = [
            o.object_name
            for o in target.direct.list_objects(bucket_name=target.bucket, prefix=saved)
        ]
        assert saved in listed
        assert read_object(target.direct, target.bucket, saved) == data
        with target.storage.open(saved) as handle:
            assert handle.read() == data
        assert target.storage.exists(saved)
        url = target.storage.url(saved)
        parts = urlsplit(url)
        assert parts.netloc == target.endpoint
        assert unquote(parts.path) == f"/{target.bucket}/{saved}"
        response = http.request("GET", url)
        assert response.status == 200, (response.status, response.data[:300])
        assert response.data == data
    finally:
        target.storage.delete(saved)
    assert not target.storage.exists(saved)


COMMON = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@COMMON
@given(name=hostile_names, rooted=st.booleans())
@example(name="../escape.txt", rooted=True)
@example(name=".." + "a" * 256, rooted=True)  # taken on the second save: a cut alternative
@example(name="a/../../b", rooted=True)
@example(name="/absolute", rooted=True)
@example(name="trailing/", rooted=True)
@example(name="a//b", rooted=True)
@example(name="a\\..\\b", rooted=True)
@example(name="nul\x00byte", rooted=True)
@example(name="%2e%2e/%2e%2e/x", rooted=True)
@example(name="%2e%2e", rooted=True)
@example(name="caf\u00e9/r\u00e9sum\u00e9.pdf", rooted=True)
@example(name="a?b#c&d=e+f g.txt", rooted=True)
def test_hostile_names_private(targets: dict[str, Target], name: str, rooted: bool) -> None:
    name = placed(name, rooted)
    check_name(targets["private"], name)


@COMMON
@given(name=hostile_names, rooted=st.booleans())
@example(name=".." + "a" * 256, rooted=False)  # a file name over 255 bytes: cut to fit
def test_hostile_names_public(targets: dict[str, Target], name: str, rooted: bool) -> None:
    name = placed(name, rooted)
    check_name(targets["public"], name)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(total=st.integers(MAX_KEY_BYTES - 8, MAX_KEY_BYTES + 8), char=st.sampled_from("a\u00e9"))
def test_names_around_the_length_limit(targets: dict[str, Target], total: int, char: str) -> None:
    target = targets["private"]
    name = long_name(total, char)
    if len(name.encode()) > MAX_KEY_BYTES:
        assert_refused_without_requests(target, name, cut_on_save=True)
    else:
        check_name(target, name)


def test_segments_the_server_cannot_store_are_refused_before_any_request(
    targets: dict[str, Target],
) -> None:
    # MinIO and SeaweedFS refuse a path segment over 255 bytes (KeyTooLongError).
    assert_refused_without_requests(
        targets["private"], f"{uuid.uuid4().hex}/{'a' * 256}", cut_on_save=True
    )


@pytest.mark.parametrize("name", [" ", "   ", "\u00a0", "\u3000"], ids=["1", "3", "nbsp", "ideo"])
def test_blank_names(targets: dict[str, Target], name: str) -> None:
    # The minio SDK refuses whitespace-only keys with a bare ValueError on every read call.
    check_name(targets["private"], name)


def test_lone_surrogates_are_refused_before_any_request(targets: dict[str, Target]) -> None:
    # os.fsdecode turns undecodable file name bytes into lone surrogates; UTF-8 cannot hold them.
    assert_refused_without_requests(targets["private"], "upload-\udcff.txt")


@pytest.mark.parametrize(
    "name",
    ["..", "a/../b", "/a", "a/", "a\x00b", "x" * (MAX_KEY_BYTES + 1), "\u00e9" * 513],
    ids=["dotdot", "inner-dotdot", "leading-slash", "trailing-slash", "nul", "1025", "1026-utf8"],
)
def test_contract_names_are_refused_before_any_request(
    targets: dict[str, Target], name: str
) -> None:
    too_long = len(name.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES
    assert_refused_without_requests(targets["private"], name, cut_on_save=too_long)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=hostile_names)
def test_upload_to_prefix_is_never_escaped(targets: dict[str, Target], name: str) -> None:
    target = targets["private"]
    prefix = f"uploads/{uuid.uuid4().hex}/"
    field = models.FileField(storage=target.storage, upload_to=prefix)
    try:
        generated = field.generate_filename(cast(Any, None), name)  # no instance: str upload_to
    except SuspiciousFileOperation:
        return
    assert generated.startswith(prefix), generated
    if len(generated.rpartition("/")[2].encode("utf-8", "surrogatepass")) > SEGMENT_BYTES:
        try:  # a file name over 255 bytes is cut to fit, unless it is refused for another reason
            assert_cut_on_save(target, generated)
        except SuspiciousFileOperation:
            assert_refused_without_requests(target, generated)
    else:
        check_name(target, generated)
    assert [o.object_name for o in target.direct.list_objects(bucket_name=target.bucket)] in (
        [],
        ["uploads/"],
    )
