"""``manage.py minio_transfer`` and ``administration.transfer``, against real servers."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.core.management.base import CommandError

from django_minio_backend.administration.transfer import (
    SHA256_METADATA,
    TEMPORARY_PREFIX,
    open_side,
    transfer,
)
from django_minio_backend.errors import TransferError
from django_minio_backend.testing.s3server import S3Server
from tests.fault_proxy import FaultProxy
from tests.helpers import RecordingPool, new_bucket_name, read_object, server_profile
from tests.testapp.models import Document

MiB = 1024 * 1024
ROOT = Path(__file__).resolve().parents[2]

NAMES = [
    "plain.txt",
    "docs/2024/report.pdf",
    "Ünïcödé/naïve café.txt",
    "日本語/ファイル 名.txt",
    "emoji/😀 smile.png",
    "deep/a/b/c/d/e.bin",
]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("minio_transfer", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_failing(*args: str) -> tuple[str, str, CommandError]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("minio_transfer", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue(), raised.value


def content_of(name: str, index: int = 0) -> bytes:
    return f"{index}:{name}\n".encode() * (1 + index % 7)


def make_tree(root: Path, count: int) -> dict[str, bytes]:
    """``count`` files in nested folders with unicode names under ``root``."""
    files: dict[str, bytes] = {}
    for index in range(count):
        base = NAMES[index % len(NAMES)]
        folder, _, leaf = base.rpartition("/")
        name = f"{folder}/{index:03d}-{leaf}" if folder else f"{index:03d}-{leaf}"
        path = root.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content_of(name, index)
        path.write_bytes(data)
        files[name] = data
    return files


def bucket_contents(server: S3Server, bucket: str, prefix: str = "") -> dict[str, bytes]:
    client = server.client()
    return {
        str(item.object_name)[len(prefix) :]: read_object(client, bucket, str(item.object_name))
        for item in client.list_objects(bucket_name=bucket, prefix=prefix, recursive=True)
        if not item.is_dir
    }


def writes(pool: RecordingPool) -> list[str]:
    return [method for method in pool.methods() if method in {"PUT", "POST", "DELETE"}]


@pytest.fixture
def buckets(s3_server: S3Server, s3_server_b: S3Server) -> tuple[str, str, str]:
    """A bucket on server A and one on server B (created), and one more on A."""
    first, second, third = new_bucket_name(), new_bucket_name(), new_bucket_name()
    s3_server.client().make_bucket(bucket_name=first)
    s3_server_b.client().make_bucket(bucket_name=second)
    s3_server.client().make_bucket(bucket_name=third)
    return first, second, third


@pytest.fixture
def pools() -> dict[str, RecordingPool]:
    return {"a": RecordingPool(maxsize=16), "b": RecordingPool(maxsize=16)}


@pytest.fixture
def profiles(
    settings: Any,
    s3_server: S3Server,
    s3_server_b: S3Server,
    buckets: tuple[str, str, str],
    pools: dict[str, RecordingPool],
) -> dict[str, Any]:
    """Profile "a" (server A: first and third bucket) and "b" (server B: second bucket); both
    with 5 MiB multipart thresholds and recording pools."""
    first, second, third = buckets
    small = {"multipart_threshold": 5 * MiB, "multipart_part_size": 5 * MiB}
    settings.MINIO_PROFILES = {
        "a": server_profile(
            s3_server,
            private_buckets=[first, third],
            default_bucket=first,
            http_client=pools["a"],
            **small,
        ),
        "b": server_profile(
            s3_server_b,
            private_buckets=[second],
            default_bucket=second,
            http_client=pools["b"],
            **small,
        ),
    }
    return settings.MINIO_PROFILES  # type: ignore[no-any-return]


# --- filesystem <-> profile -----------------------------------------------------------------------


def test_directory_to_profile_then_a_rerun_copies_nothing(
    tmp_path: Path,
    s3_server: S3Server,
    buckets: tuple[str, str, str],
    profiles: dict[str, Any],
    pools: dict[str, RecordingPool],
) -> None:
    first = buckets[0]
    files = make_tree(tmp_path, 300)
    total = sum(map(len, files.values()))

    dry_out, _ = run(str(tmp_path), f"a:{first}", "--dry-run")
    assert "would copy 日本語/003-ファイル 名.txt (" in dry_out
    assert f"300 files ({total / 1024:.1f} KiB), 300 to copy" in dry_out
    assert "(dry run: nothing was written)" in dry_out
    assert writes(pools["a"]) == []

    out, err = run(str(tmp_path), f"a:{first}")
    assert err == ""
    assert "copied Ünïcödé/002-naïve café.txt (" in out
    assert "300 copied" in out and "0 already there, 0 failed" in out
    assert bucket_contents(s3_server, first) == files
    assert writes(pools["a"]).count("PUT") == 300

    pools["a"].requests.clear()
    again, _ = run(str(tmp_path), f"a:{first}")
    assert "300 files" in again and "0 copied (0 B), 300 already there, 0 failed" in again
    assert writes(pools["a"]) == []  # nothing sent again
    assert len(again.splitlines()) == 1  # the summary only


def test_profile_to_directory_and_back_keeps_names(
    tmp_path: Path,
    s3_server: S3Server,
    buckets: tuple[str, str, str],
    profiles: dict[str, Any],
    pools: dict[str, RecordingPool],
) -> None:
    first, _, third = buckets
    source = tmp_path / "source"
    files = make_tree(source, 12)
    run(str(source), f"a:{first}/media")
    assert bucket_contents(s3_server, first, "media/") == files

    out_dir = tmp_path / "out"
    out, _ = run(f"a:{first}/media", str(out_dir))
    assert "12 copied" in out
    on_disk = {
        path.relative_to(out_dir).as_posix(): path.read_bytes()
        for path in out_dir.rglob("*")
        if path.is_file()
    }
    assert on_disk == files
    assert not any(path.name.startswith(TEMPORARY_PREFIX) for path in out_dir.rglob("*"))
    again, _ = run(f"a:{first}/media", str(out_dir))
    assert "0 copied (0 B), 12 already there" in again

    # A file changed on disk (same size) is found different by its checksum and copied again.
    changed = next(iter(files))
    path = out_dir.joinpath(*changed.split("/"))
    path.write_bytes(bytes(len(files[changed])))
    pools["a"].requests.clear()
    back, _ = run(str(out_dir), f"a:{third}")
    assert "12 copied" in back
    fixed, _ = run(f"a:{first}/media", str(out_dir))
    assert f"replaced {changed} (" in fixed and "1 copied" in fixed
    assert path.read_bytes() == files[changed]


# --- profile -> profile, two servers, multipart ---------------------------------------------------


def test_profile_to_profile_across_servers_stores_sha256_for_multipart(
    s3_server: S3Server,
    s3_server_b: S3Server,
    buckets: tuple[str, str, str],
    profiles: dict[str, Any],
    pools: dict[str, RecordingPool],
) -> None:
    first, second, _ = buckets
    client = s3_server.client()
    big = os.urandom(11 * MiB)
    client.put_object(
        bucket_name=first,
        object_name="big/video.bin",
        data=io.BytesIO(big),
        length=len(big),
        part_size=5 * MiB,
    )
    client.put_object(
        bucket_name=first,
        object_name="small.txt",
        data=io.BytesIO(b"small"),
        length=5,
        content_type="text/plain",
    )
    client.put_object(
        bucket_name=first, object_name="folder/", data=io.BytesIO(b""), length=0
    )  # a folder marker: not a file

    out, _ = run(f"a:{first}", f"b:{second}", "--workers", "2")
    assert "2 files" in out and "2 copied" in out
    target = s3_server_b.client()
    assert read_object(target, second, "big/video.bin") == big
    stat = target.stat_object(bucket_name=second, object_name="big/video.bin")
    assert stat.metadata[f"x-amz-meta-{SHA256_METADATA}"] == hashlib.sha256(big).hexdigest()
    assert "-" in str(stat.etag)  # multipart: the ETag is no checksum of the content
    assert (
        target.stat_object(bucket_name=second, object_name="small.txt").content_type == "text/plain"
    )

    for pool in pools.values():
        pool.requests.clear()
    again, _ = run(f"a:{first}", f"b:{second}")
    assert "0 copied (0 B), 2 already there" in again
    assert writes(pools["b"]) == []
    # Decided from listings and HEADs: no object content was downloaded again.
    assert not [r for r in pools["a"].requests if r.method == "GET" and "list-type" not in r.url]


def test_verify_catches_a_corrupted_destination(
    s3_server: S3Server,
    s3_server_b: S3Server,
    buckets: tuple[str, str, str],
    profiles: dict[str, Any],
) -> None:
    first, second, _ = buckets
    data = os.urandom(6 * MiB)
    s3_server.client().put_object(
        bucket_name=first, object_name="asset.bin", data=io.BytesIO(data), length=len(data)
    )
    run(f"a:{first}", f"b:{second}")
    # Corrupt it: same size, same stored SHA-256, other bytes (multipart, so no MD5 ETag).
    digest = hashlib.sha256(data).hexdigest()
    corrupt = bytes(len(data))
    s3_server_b.client().put_object(
        bucket_name=second,
        object_name="asset.bin",
        data=io.BytesIO(corrupt),
        length=len(corrupt),
        part_size=5 * MiB,
        metadata={SHA256_METADATA: digest},
    )
    unverified, _ = run(f"a:{first}", f"b:{second}")
    assert "1 already there" in unverified  # size and stored checksum agree: not read

    verified, _ = run(f"a:{first}", f"b:{second}", "--verify")
    assert "replaced asset.bin (6.0 MiB), verified" in verified
    assert "1 copied" in verified and "1 verified" in verified
    assert read_object(s3_server_b.client(), second, "asset.bin") == data


def test_delete_source_only_after_a_verified_copy(
    tmp_path: Path, s3_server: S3Server, buckets: tuple[str, str, str], profiles: dict[str, Any]
) -> None:
    first = buckets[0]
    files = make_tree(tmp_path / "media", 8)
    out, _ = run(str(tmp_path / "media"), f"a:{first}", "--delete-source")
    assert "8 copied" in out and "8 verified" in out and "8 deleted from the source" in out
    assert bucket_contents(s3_server, first) == files
    assert [p for p in (tmp_path / "media").rglob("*") if p.is_file()] == []


# --- names, references, errors ------------------------------------------------------------------


def test_invalid_names_are_reported_not_mangled(
    tmp_path: Path, s3_server: S3Server, buckets: tuple[str, str, str], profiles: dict[str, Any]
) -> None:
    first = buckets[0]
    (tmp_path / "good.txt").write_bytes(b"good")
    (tmp_path / "back\\slash.txt").write_bytes(b"bad")
    bad_bytes = os.fsencode(tmp_path) + b"/latin1-\xe9.txt"
    with open(bad_bytes, "wb") as handle:  # noqa: PTH123 (a name that is no UTF-8)
        handle.write(b"bad")
    out, err, error = run_failing(str(tmp_path), f"a:{first}")
    assert "FAILED back\\slash.txt: invalid name, not copied" in err
    assert "FAILED latin1-\\udce9.txt: invalid name, not copied" in err
    assert "1 copied" in out and "2 failed" in out
    assert str(error) == "2 files failed: back\\slash.txt, latin1-\\udce9.txt"
    assert bucket_contents(s3_server, first) == {"good.txt": b"good"}


@pytest.mark.django_db
def test_only_referenced_copies_referenced_files_and_lists_missing_ones(
    settings: Any, tmp_path: Path, s3_server: S3Server
) -> None:
    media, static = new_bucket_name(), new_bucket_name()
    s3_server.client().make_bucket(bucket_name=media)
    settings.MINIO_PROFILES = {
        "testapp": server_profile(
            s3_server, private_buckets=[media, static], default_bucket=media, static_bucket=static
        )
    }
    for name in ("docs/kept.txt", "docs/orphan.txt", "other.txt"):
        path = tmp_path.joinpath(*name.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(name.encode())
    Document.objects.create(file="docs/kept.txt")
    Document.objects.create(file="docs/missing.txt")
    Document.objects.create()

    out, err = run(str(tmp_path), f"testapp:{media}", "--only-referenced")
    assert bucket_contents(s3_server, media) == {"docs/kept.txt": b"docs/kept.txt"}
    assert "1 file (13 B), 1 copied" in out
    assert "1 reference to missing files" in out
    assert err == "referenced but missing on both sides: docs/missing.txt\n"

    _, _, error = run_failing(str(tmp_path), str(tmp_path / "elsewhere"), "--only-referenced")
    assert "no FileField stores files in" in str(error)


def test_a_django_storage_alias_as_source(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str, str], profiles: dict[str, Any]
) -> None:
    first = buckets[0]
    memory = storages["default"]  # the suite's InMemoryStorage
    memory.save("alias/one.txt", ContentFile(b"one"))
    memory.save("alias/sub/two.txt", ContentFile(b"two"))
    out, _ = run("default", f"a:{first}", "--prefix", "alias/")
    assert "2 copied" in out
    assert bucket_contents(s3_server, first) == {
        "alias/one.txt": b"one",
        "alias/sub/two.txt": b"two",
    }


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("relative/dir", "give a local directory as an absolute path"),
        ("nosuchalias", "'nosuchalias' is no STORAGES alias (known: 'default', 'staticfiles')"),
        ("nosuch:bucket", "unknown profile"),
        ("a:Bad_Bucket", "bucket name 'Bad_Bucket'"),
        ("a:t-missing-bucket-000", "bucket 't-missing-bucket-000' of profile 'a' does not exist"),
        ("/no/such/directory/here", "no such directory"),
    ],
)
def test_bad_sides_are_named(
    tmp_path: Path, profiles: dict[str, Any], source: str, message: str
) -> None:
    _, _, error = run_failing(source, str(tmp_path))
    assert message in str(error)


def test_same_source_and_destination_is_refused(
    buckets: tuple[str, str, str], profiles: dict[str, Any]
) -> None:
    with pytest.raises(TransferError, match="the same"):
        transfer(open_side(f"a:{buckets[0]}/x"), open_side(f"a:{buckets[0]}/x/"))


# --- killed and resumed; memory -----------------------------------------------------------------


def child(profiles: dict[str, Any], *args: str, measure: bool = False) -> list[str]:
    command = [sys.executable, "-u", "-m", "tests.administration.transfer_child"]
    command += [json.dumps(profiles), *(["--measure"] if measure else []), "--", *args]
    return command


def test_a_killed_run_resumes_without_copying_finished_files_again(
    tmp_path: Path, s3_server: S3Server, pools: dict[str, RecordingPool], settings: Any
) -> None:
    bucket = new_bucket_name()
    s3_server.client().make_bucket(bucket_name=bucket)
    files = make_tree(tmp_path, 40)
    with FaultProxy(s3_server.endpoint) as proxy:
        proxy.delay(0.05)  # slow enough to be killed halfway
        slow = server_profile(s3_server, endpoint=proxy.endpoint, private_buckets=[bucket])
        process = subprocess.Popen(
            child({"slow": slow}, str(tmp_path), f"slow:{bucket}", "--workers", "2"),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert process.stdout is not None
        copied_lines = 0
        for line in process.stdout:
            copied_lines += line.startswith("copied ")
            if copied_lines == 10:
                process.kill()
                break
        process.wait(timeout=60)
        assert process.returncode == -9, process.stderr.read() if process.stderr else ""
    present = bucket_contents(s3_server, bucket)
    assert 10 <= len(present) < 40
    assert all(files[name] == data for name, data in present.items())  # no half-written file

    settings.MINIO_PROFILES = {
        "fast": server_profile(s3_server, private_buckets=[bucket], http_client=pools["a"])
    }
    out, _ = run(str(tmp_path), f"fast:{bucket}")
    assert f"{40 - len(present)} copied" in out and f"{len(present)} already there" in out
    assert writes(pools["a"]).count("PUT") == 40 - len(present)
    assert bucket_contents(s3_server, bucket) == files


@pytest.mark.slow
def test_a_300_mib_file_is_copied_with_bounded_memory(
    tmp_path: Path, s3_server: S3Server, s3_server_b: S3Server
) -> None:
    bucket, other = new_bucket_name(), new_bucket_name()
    s3_server.client().make_bucket(bucket_name=bucket)
    s3_server_b.client().make_bucket(bucket_name=other)
    source = tmp_path / "media"
    source.mkdir()
    big = source / "video.bin"
    block = os.urandom(MiB)
    digest = hashlib.sha256()
    with big.open("wb") as handle:
        for index in range(300):
            chunk = bytes([index % 256]) + block[1:]
            handle.write(chunk)
            digest.update(chunk)
    profiles = {
        "a": server_profile(s3_server, private_buckets=[bucket]),
        "b": server_profile(s3_server_b, private_buckets=[other]),
    }
    growth = {}
    for args in ((str(source), f"a:{bucket}"), (f"a:{bucket}", f"b:{other}", "--verify")):
        result = subprocess.run(
            child(profiles, *args, "--workers", "1", measure=True),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
            check=True,
        )
        assert "1 copied (300.0 MiB)" in result.stdout
        growth[args[1]] = json.loads(result.stdout.splitlines()[-1])["growth_mib"]
    print(f"peak RSS growth, 300 MiB file: {growth}")
    stat = s3_server_b.client().stat_object(bucket_name=other, object_name="video.bin")
    assert stat.size == 300 * MiB
    assert stat.metadata[f"x-amz-meta-{SHA256_METADATA}"] == digest.hexdigest()
    # Parts of 16 MiB, two in flight plus the one being read: far below the file's size.
    assert all(value < 120 for value in growth.values()), growth


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar(
    tmp_path: Path, buckets: tuple[str, str, str], profiles: dict[str, Any]
) -> None:
    make_tree(tmp_path, 5)
    (tmp_path / "back\\slash.txt").write_bytes(b"bad")
    out, err = Terminal(), Terminal()
    with pytest.raises(CommandError, match="1 file failed"):
        call_command("minio_transfer", str(tmp_path), f"a:{buckets[0]}", stdout=out, stderr=err)
    bar = out.getvalue()
    assert "6/6 files" in bar and "\r" in bar  # redrawn in place
    assert "5 copied" in bar.splitlines()[-1]
    assert "FAILED back\\slash.txt: invalid name" in err.getvalue()
    assert "copied 000-plain.txt" not in bar  # no per-file lines on a terminal
