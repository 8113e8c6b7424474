"""Orphaned objects (``administration.orphans``), against the real server."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import urllib3
from django.test import Client

from django_minio_backend.administration.orphans import (
    DELETE_BATCH,
    DeleteFailure,
    Deletion,
    OrphanError,
    UnreferencedBucketError,
    clean_orphans,
    delete_objects,
    find_orphans,
    referencing_fields,
)
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import send, use_upload_profile
from tests.helpers import RecordingPool, bucket_names, server_profile
from tests.s3.test_health import down_profile
from tests.testapp.models import Document
from tests.testapp.views import DocumentForm


def put(server: S3Server, bucket: str, *names: str) -> None:
    client = server.client()
    for name in names:
        client.put_object(bucket_name=bucket, object_name=name, data=io.BytesIO(b"data"), length=4)


def keys(server: S3Server, bucket: str) -> list[str]:
    return sorted(
        str(item.object_name)
        for item in server.client().list_objects(bucket_name=bucket, recursive=True)
        if not item.is_dir
    )


def use_testapp(settings: Any, server: S3Server, media: str, static: str, **fields: Any) -> None:
    """The profile "testapp" of ``Document``'s fields: ``file`` in ``media``, ``asset`` in
    ``static``."""
    settings.MINIO_PROFILES = {
        "testapp": server_profile(
            server,
            private_buckets=[media, static],
            default_bucket=media,
            static_bucket=static,
            **fields,
        )
    }


@pytest.fixture
def testapp_buckets(settings: Any, s3_server: S3Server) -> tuple[str, str]:
    """Fresh media and static buckets of the profile "testapp", created."""
    media, static = bucket_names(2)
    use_testapp(settings, s3_server, media, static)
    client = s3_server.client()
    client.make_bucket(bucket_name=media)
    client.make_bucket(bucket_name=static)
    return media, static


@pytest.mark.django_db
def test_find_orphans_counts_referenced_orphaned_and_missing(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    media, static = testapp_buckets
    put(s3_server, media, "docs/kept.txt", "docs/orphan.txt", "top-orphan.txt", "docs/a/kept2.txt")
    put(s3_server, static, "assets/kept.txt")
    s3_server.client().put_object(
        bucket_name=media, object_name="folder/", data=io.BytesIO(b""), length=0
    )  # a marker, not a file
    Document.objects.create(file="docs/kept.txt", asset="assets/kept.txt")
    Document.objects.create(file="docs/a/kept2.txt")
    Document.objects.create(file="docs/missing.txt")
    Document.objects.create()  # no file: no name

    search = find_orphans("testapp", media)
    assert sorted(search) == ["docs/orphan.txt", "top-orphan.txt"]
    report = search.report()
    assert (report.profile, report.bucket) == ("testapp", media)
    assert (report.objects, report.referenced, report.orphaned) == (4, 2, 2)
    assert (report.recent, report.missing, report.deletion) == (0, 1, None)
    assert [key for key in keys(s3_server, media) if key != "folder/"] == [
        "docs/a/kept2.txt",
        "docs/kept.txt",
        "docs/orphan.txt",
        "top-orphan.txt",
    ]  # finding deletes nothing
    with pytest.raises(RuntimeError, match="only once"):
        iter(search)


@pytest.mark.django_db
def test_clean_orphans_deletes_only_the_orphans_of_that_bucket(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    media, static = testapp_buckets
    put(s3_server, media, "docs/kept.txt", "docs/orphan.txt", "top-orphan.txt")
    put(s3_server, static, "assets/kept.txt", "assets/orphan.txt")
    Document.objects.create(file="docs/kept.txt", asset="assets/kept.txt")

    found: list[str] = []
    report = clean_orphans("testapp", media, delete=True, on_orphan=found.append)
    assert sorted(found) == ["docs/orphan.txt", "top-orphan.txt"]
    assert report.orphaned == 2
    assert report.deletion == Deletion(deleted=2)
    assert keys(s3_server, media) == ["docs/kept.txt"]
    assert keys(s3_server, static) == ["assets/kept.txt", "assets/orphan.txt"]

    listed = clean_orphans("testapp", static)  # the static field has its own bucket
    assert (listed.objects, listed.referenced, listed.orphaned, listed.deletion) == (2, 1, 1, None)
    assert keys(s3_server, static) == ["assets/kept.txt", "assets/orphan.txt"]


@pytest.mark.django_db
def test_recent_objects_are_kept(s3_server: S3Server, testapp_buckets: tuple[str, str]) -> None:
    media, _static = testapp_buckets
    put(s3_server, media, "fresh.txt")
    Document.objects.create(file="elsewhere.txt")
    report = clean_orphans("testapp", media, delete=True, min_age=timedelta(hours=1))
    assert (report.objects, report.orphaned, report.recent) == (1, 0, 1)
    assert report.deletion == Deletion()
    assert keys(s3_server, media) == ["fresh.txt"]
    # Without a minimum age, an object older than the database read is judged.
    report = clean_orphans("testapp", media, delete=True)
    assert (report.orphaned, report.recent, report.deletion) == (1, 0, Deletion(deleted=1))


@pytest.mark.django_db
def test_referencing_fields_and_refusals(
    s3_server: S3Server, testapp_buckets: tuple[str, str]
) -> None:
    media, static = testapp_buckets
    assert referencing_fields("testapp", media) == (Document._meta.get_field("file"),)
    assert referencing_fields("testapp", static) == (Document._meta.get_field("asset"),)
    (unused,) = bucket_names(1)
    assert referencing_fields("testapp", unused) == ()
    with pytest.raises(UnreferencedBucketError, match="no FileField stores files in bucket"):
        find_orphans("testapp", unused)
    with pytest.raises(ConfigurationError, match="unknown profile 'nope'"):
        find_orphans("nope", media)


@pytest.mark.django_db
def test_server_errors_name_profile_and_bucket(settings: Any, s3_server: S3Server) -> None:
    media, static = bucket_names(2)  # never created
    use_testapp(settings, s3_server, media, static)
    with pytest.raises(OrphanError) as raised:
        list(find_orphans("testapp", media))
    assert str(raised.value).startswith(f"profile 'testapp' bucket {media!r}: NoSuchBucket")
    assert s3_server.secret_key not in str(raised.value)

    down = down_profile(private_buckets=[media], default_bucket=media)
    settings.MINIO_PROFILES = {"testapp": down}
    with pytest.raises(OrphanError) as raised:
        list(find_orphans("testapp", media))
    assert str(raised.value).startswith(
        f"profile 'testapp': the server at http://{down['endpoint']} is unreachable"
    )
    assert "down-secret-key-value" not in str(raised.value)


@pytest.mark.django_db
def test_deletes_go_out_in_batches(settings: Any, s3_server: S3Server) -> None:
    media, static = bucket_names(2)
    pool = RecordingPool()
    use_testapp(settings, s3_server, media, static, http_client=pool)
    s3_server.client().make_bucket(bucket_name=media)
    put(s3_server, media, *(f"o{index}.txt" for index in range(5)))
    Document.objects.create(file="o0.txt")
    deletion = delete_objects("testapp", media, find_orphans("testapp", media), batch_size=2)
    assert deletion == Deletion(deleted=4)
    deletes = [request for request in pool.requests if request.method == "POST"]
    assert len(deletes) == 2  # 4 orphans, 2 per request
    assert keys(s3_server, media) == ["o0.txt"]


@pytest.mark.slow
@pytest.mark.django_db
def test_listing_is_streamed_and_deleted_batch_by_batch(settings: Any, s3_server: S3Server) -> None:
    """More objects than one listing page: one page and one batch are held at a time."""
    media, static = bucket_names(2)
    pool = RecordingPool()
    use_testapp(settings, s3_server, media, static, http_client=pool)
    client = s3_server.client()
    client.make_bucket(bucket_name=media)
    names = [f"n/{index:05d}" for index in range(DELETE_BATCH + 5)]
    with ThreadPoolExecutor(16) as workers:
        list(workers.map(lambda name: put(s3_server, media, name), names))
    Document.objects.create(file=names[-1])  # on the second page

    search = find_orphans("testapp", media)
    orphans = iter(search)
    assert next(orphans) == "n/00000"
    assert len(pool.listings()) == 1  # the first page only
    pool.requests.clear()
    report = clean_orphans("testapp", media, delete=True)
    assert report.deletion == Deletion(deleted=DELETE_BATCH + 4)
    methods = [
        "list" if "list-type=" in request.url else request.method for request in pool.requests
    ]
    # A full batch is deleted before the next page is read.
    assert methods == ["list", "POST", "list", "POST"]
    assert keys(s3_server, media) == [names[-1]]


class RefusingDeletes(urllib3.PoolManager):
    """Answers every DeleteObjects request itself, refusing each object (nothing is deleted)."""

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        if method == "POST" and "delete=" in url:
            body = kw.get("body") or b""
            errors = b"".join(
                b"<Error><Key>%s</Key><Code>AccessDenied</Code><Message>refused</Message></Error>"
                % key
                for key in re.findall(rb"<Key>(.*?)</Key>", body)
            )
            return urllib3.HTTPResponse(
                body=io.BytesIO(b"<DeleteResult>" + errors + b"</DeleteResult>"),
                status=200,
                headers={"Content-Type": "application/xml"},
                preload_content=False,
            )
        return super().urlopen(method, url, redirect=redirect, **kw)


@pytest.mark.django_db
def test_refused_deletes_are_reported(settings: Any, s3_server: S3Server) -> None:
    media, static = bucket_names(2)
    use_testapp(settings, s3_server, media, static, http_client=RefusingDeletes())
    s3_server.client().make_bucket(bucket_name=media)
    put(s3_server, media, "a.txt", "b.txt")
    Document.objects.create(file="kept.txt")
    report = clean_orphans("testapp", media, delete=True)
    assert report.deletion == Deletion(
        deleted=0,
        failed=2,
        failures=(
            DeleteFailure("a.txt", "AccessDenied", "refused"),
            DeleteFailure("b.txt", "AccessDenied", "refused"),
        ),
    )
    assert keys(s3_server, media) == ["a.txt", "b.txt"]


# --- direct uploads never attached to a model -------------------------------------------------


@pytest.mark.django_db
def test_a_direct_upload_never_attached_is_an_orphan_once_old_enough(
    settings: Any, s3_server: S3Server
) -> None:
    _, bucket = use_upload_profile(settings, s3_server)
    tickets = []
    for _ in range(2):
        response = Client().post(
            "/uploads/testapp-document/", {"name": "a.pdf", "size": "3", "type": "application/pdf"}
        )
        answer = response.json()
        assert send(answer, b"pdf", "application/pdf").status == 204
        tickets.append(answer)
    attached, abandoned = tickets
    form = DocumentForm({"file": attached["ticket"]})
    assert form.is_valid(), form.errors
    form.save()

    fresh = clean_orphans("testapp", bucket, min_age=timedelta(hours=1))
    assert (fresh.referenced, fresh.orphaned, fresh.recent) == (1, 0, 1)
    found: list[str] = []
    old = clean_orphans("testapp", bucket, delete=True, on_orphan=found.append)
    assert found == [abandoned["name"]]
    assert old.deletion is not None and old.deletion.deleted == 1
    assert keys(s3_server, bucket) == [attached["name"]]
