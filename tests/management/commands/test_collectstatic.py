"""The collectstatic override against the real server: same result as Django's, fewer requests."""

from __future__ import annotations

import io
import json
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles.management.commands import collectstatic as django_collectstatic
from django.core.management import call_command
from django.core.management.base import BaseCommand

from django_minio_backend.management.commands import collectstatic
from django_minio_backend.storage.collect import DEFAULT_UPLOAD_THREADS
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, make_public_bucket, server_profile
from tests.storage.test_static import IMMUTABLE, write_tree

MANIFEST_BACKEND = "django_minio_backend.models.MinioManifestStaticStorage"
PLAIN_BACKEND = "django_minio_backend.models.MinioBackendStatic"
FILES = 30  # write_tree(directories=1)


def new_public_bucket(server: S3Server) -> str:
    bucket = f"cs-{uuid.uuid4().hex[:16]}"
    make_public_bucket(server.client(), bucket)
    return bucket


def configure(
    settings: Any,
    server: S3Server,
    pool: RecordingPool,
    tree: Path,
    bucket: str,
    backend: str = MANIFEST_BACKEND,
) -> None:
    """Static files of ``tree`` into ``bucket`` through ``backend``; a fresh storage object."""
    settings.MINIO_PROFILES = {
        "default": server_profile(
            server, public_buckets=[bucket], static_bucket=bucket, http_client=pool
        )
    }
    settings.STATICFILES_DIRS = [str(tree)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {
            "BACKEND": backend,
            "OPTIONS": {"profile": "default", "cache_control": IMMUTABLE},
        },
    }


def run(command: BaseCommand, **options: Any) -> str:
    out = io.StringIO()
    call_command(command, interactive=False, verbosity=1, stdout=out, **options)
    return out.getvalue()


def ours(**options: Any) -> str:
    return run(collectstatic.Command(), **options)


def stored(server: S3Server, bucket: str) -> dict[str, tuple[str, str, str]]:
    """Key -> (ETag, Cache-Control, Content-Type) of every object in ``bucket``."""
    client = server.client()
    result = {}
    for item in client.list_objects(bucket_name=bucket, recursive=True):
        stat = client.stat_object(bucket_name=bucket, object_name=item.object_name)
        result[item.object_name] = (
            str(stat.etag),
            str(stat.metadata.get("Cache-Control", "")),
            str(stat.content_type),
        )
    return result


def manifest(server: S3Server, bucket: str) -> dict[str, Any]:
    response = server.client().get_object(bucket_name=bucket, object_name="staticfiles.json")
    try:
        return dict(json.loads(response.read()))
    finally:
        response.close()
        response.release_conn()


def puts(pool: RecordingPool) -> list[str]:
    return sorted(urlsplit(url).path for method, url, _ in pool.requests if method == "PUT")


@pytest.fixture
def pool() -> RecordingPool:
    return RecordingPool(maxsize=8)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    write_tree(root, directories=1)
    return root


@pytest.mark.parametrize("backend", [MANIFEST_BACKEND, PLAIN_BACKEND])
def test_same_objects_manifest_and_headers_as_djangos_command(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path, backend: str
) -> None:
    theirs_bucket, ours_bucket = new_public_bucket(s3_server), new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, theirs_bucket, backend)
    assert f"{FILES} static files copied" in run(django_collectstatic.Command())
    configure(settings, s3_server, pool, tree, ours_bucket, backend)
    assert f"{FILES} static files copied" in ours()

    theirs, mine = stored(s3_server, theirs_bucket), stored(s3_server, ours_bucket)
    assert mine == theirs
    if backend == MANIFEST_BACKEND:
        assert len(mine) == 2 * FILES + 1
        assert manifest(s3_server, ours_bucket) == manifest(s3_server, theirs_bucket)
        assert {cache for _, cache, _ in mine.values()} == {IMMUTABLE, "no-cache"}
    else:
        assert len(mine) == FILES
        assert {cache for _, cache, _ in mine.values()} == {IMMUTABLE}


def test_first_run_lists_once_and_uploads_each_file_once(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    bucket = new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, bucket)
    ours()
    methods = Counter(pool.methods())
    assert methods["PUT"] == 2 * FILES + 1  # originals, hashed copies, the manifest
    assert len(pool.listings()) == 1
    assert methods["DELETE"] == 0
    # No HEAD per file: only the static storage's bucket check, which threads starting at once
    # may each send before the first one is remembered.
    heads = [urlsplit(url).path for method, url, _ in pool.requests if method == "HEAD"]
    assert set(heads) == {f"/{bucket}"}
    assert len(heads) <= DEFAULT_UPLOAD_THREADS
    assert sum(methods.values()) == methods["PUT"] + 1 + len(heads)


@pytest.mark.parametrize("backend", [MANIFEST_BACKEND, PLAIN_BACKEND])
def test_second_run_uploads_nothing_with_one_listing(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path, backend: str
) -> None:
    bucket = new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, bucket, backend)
    ours()
    before = stored(s3_server, bucket)

    configure(settings, s3_server, pool, tree, bucket, backend)
    pool.requests.clear()
    output = ours()

    assert f"0 static files copied, {FILES} unmodified" in output
    methods = Counter(pool.methods())
    assert methods["PUT"] == 0 and methods["DELETE"] == 0 and methods["POST"] == 0
    assert len(pool.listings()) == 1
    assert methods["HEAD"] == 0
    assert sum(methods.values()) <= 2  # the listing (and the manifest, when one is read)
    assert stored(s3_server, bucket) == before


def test_changed_file_is_uploaded_even_with_an_older_modification_time(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    bucket = new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, bucket)
    ours()
    hashed_before = manifest(s3_server, bucket)["paths"]["d0/notes2.txt"]
    changed = tree / "d0" / "notes2.txt"
    changed.write_bytes(b"new content\n")
    # Older than the stored copy: Django's command would skip it by modification times.
    long_ago = time.time() - 86400
    os.utime(changed, (long_ago, long_ago))

    configure(settings, s3_server, pool, tree, bucket)
    pool.requests.clear()
    output = ours()

    assert f"1 static file copied, {FILES - 1} unmodified" in output
    hashed_after = manifest(s3_server, bucket)["paths"]["d0/notes2.txt"]
    assert hashed_after != hashed_before
    assert puts(pool) == sorted(
        [f"/{bucket}/d0/notes2.txt", f"/{bucket}/{hashed_after}", f"/{bucket}/staticfiles.json"]
    )
    assert len(pool.listings()) == 1


def test_dry_run_uploads_nothing(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    bucket = new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, bucket)
    output = ours(dry_run=True)
    assert f"{FILES} static files copied" in output
    assert Counter(pool.methods())["PUT"] == 0
    assert stored(s3_server, bucket) == {}


def test_clear_removes_stale_objects_and_uploads_everything(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    bucket = new_public_bucket(s3_server)
    s3_server.client().put_object(
        bucket_name=bucket, object_name="old/stale.css", data=io.BytesIO(b"x"), length=1
    )
    configure(settings, s3_server, pool, tree, bucket, PLAIN_BACKEND)
    ours()
    configure(settings, s3_server, pool, tree, bucket, PLAIN_BACKEND)
    pool.requests.clear()

    output = ours(clear=True)

    assert f"{FILES} static files copied" in output
    assert "old/stale.css" not in stored(s3_server, bucket)
    assert len(puts(pool)) == FILES


def test_upload_threads_option_is_checked(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    configure(settings, s3_server, pool, tree, new_public_bucket(s3_server))
    with pytest.raises(ValueError, match="at least one upload thread, got 0"):
        ours(upload_threads=0)
    assert "PUT" not in pool.methods()


def test_single_thread_gives_the_same_objects(
    settings: Any, s3_server: S3Server, pool: RecordingPool, tree: Path
) -> None:
    threaded, single = new_public_bucket(s3_server), new_public_bucket(s3_server)
    configure(settings, s3_server, pool, tree, threaded)
    ours()
    configure(settings, s3_server, pool, tree, single)
    ours(upload_threads=1)
    assert stored(s3_server, single) == stored(s3_server, threaded)


def test_other_storages_get_djangos_command(settings: Any, tmp_path: Path, tree: Path) -> None:
    settings.STATICFILES_DIRS = [str(tree)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    settings.STATIC_ROOT = str(tmp_path / "collected")
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    assert f"{FILES} static files copied" in ours()
    assert f", {FILES} unmodified" in ours()
    assert (tmp_path / "collected" / "d0" / "notes2.txt").is_file()
