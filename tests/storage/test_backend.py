"""MinioBackend against a real S3 server: the whole Storage API, URLs, names, profiles."""

from __future__ import annotations

import gzip
import io
import os
import pickle
import subprocess
import sys
import threading
import uuid
from copy import deepcopy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import urllib3
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse
from django.test import override_settings

from django_minio_backend import ConfigurationError, MinioBackend, MinioBackendStatic
from django_minio_backend.errors import ServerUnavailableError
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, private_and_public_buckets, server_profile

http = urllib3.PoolManager(retries=False)


@pytest.fixture
def buckets(s3_server: S3Server) -> tuple[str, str]:
    """A fresh private and a fresh public bucket on the server."""
    return private_and_public_buckets(s3_server)


@pytest.fixture
def profile(settings: Any, s3_server: S3Server, buckets: tuple[str, str]) -> dict[str, Any]:
    private, public = buckets
    data = server_profile(
        s3_server,
        private_buckets=[private],
        public_buckets=[public],
        default_bucket=private,
        static_bucket=public,
    )
    settings.MINIO_PROFILES = {"default": data}
    return data


@pytest.fixture
def storage(profile: dict[str, Any]) -> MinioBackend:
    return MinioBackend()


def test_save_open_read_round_trip(storage: MinioBackend) -> None:
    name = storage.save("docs/hello.txt", ContentFile(b"hello world"))
    assert name == "docs/hello.txt"
    with storage.open(name) as handle:
        assert handle.read() == b"hello world"
        assert handle.size == 11
    with storage.open(name, "r") as text:
        assert text.read() == "hello world"


def test_open_reads_in_chunks_and_seeks(storage: MinioBackend) -> None:
    data = bytes(range(256)) * 1024
    storage.save("chunks.bin", ContentFile(data))
    with storage.open("chunks.bin") as handle:
        chunks = list(handle.chunks(chunk_size=10_000))
        assert b"".join(chunks) == data
        assert max(len(chunk) for chunk in chunks) == 10_000
        handle.seek(1000)
        assert handle.read(5) == data[1000:1005]


def test_missing_object(storage: MinioBackend) -> None:
    assert not storage.exists("missing/file.txt")
    for call in (storage.open, storage.size, storage.get_modified_time):
        with pytest.raises(FileNotFoundError, match="missing/file.txt"):
            call("missing/file.txt")
    storage.delete("missing/file.txt")  # no error


def test_exists_size_modified_time_delete(storage: MinioBackend) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    storage.save("meta.txt", ContentFile(b"12345"))
    assert storage.exists("meta.txt")
    assert storage.size("meta.txt") == 5
    modified = storage.get_modified_time("meta.txt")
    assert modified.tzinfo is not None
    assert before <= modified <= datetime.now(UTC) + timedelta(seconds=5)
    with override_settings(USE_TZ=False):
        assert storage.get_modified_time("meta.txt").tzinfo is None
    storage.delete("meta.txt")
    assert not storage.exists("meta.txt")


def test_listdir_is_one_level(storage: MinioBackend) -> None:
    root = f"l{uuid.uuid4().hex[:8]}"
    for name in ("a.txt", "b.txt", "sub/c.txt", "sub/deeper/d.txt", "other/e.txt"):
        storage.save(f"{root}/{name}", ContentFile(b"x"))
    directories, files = storage.listdir(root)
    assert sorted(directories) == ["other", "sub"]
    assert sorted(files) == ["a.txt", "b.txt"]
    assert storage.listdir(f"{root}/sub/") == (["deeper"], ["c.txt"])


def test_same_name_twice_gets_an_alternative_name(storage: MinioBackend) -> None:
    first = storage.save("same.txt", ContentFile(b"first"))
    second = storage.save("same.txt", ContentFile(b"second"))
    assert first == "same.txt"
    assert second != first and second.startswith("same_") and second.endswith(".txt")
    assert storage.open(first).read() == b"first"
    assert storage.open(second).read() == b"second"


def test_alternative_names_respect_max_length(storage: MinioBackend) -> None:
    storage.save("longname.txt", ContentFile(b"1"))
    second = storage.save("longname.txt", ContentFile(b"2"), max_length=14)
    assert len(second) <= 14 and second.endswith(".txt")
    assert storage.open(second).read() == b"2"


def test_replace_existing_overwrites(profile: dict[str, Any]) -> None:
    storage = MinioBackend(replace_existing=True)
    assert storage.save("over.txt", ContentFile(b"old")) == "over.txt"
    assert storage.save("over.txt", ContentFile(b"new")) == "over.txt"
    assert storage.open("over.txt").read() == b"new"


def test_content_type_and_object_options(s3_server: S3Server, profile: dict[str, Any]) -> None:
    storage = MinioBackend(
        cache_control="max-age=60", content_disposition="attachment", metadata={"team": "docs"}
    )
    storage.save("a.css", ContentFile(b"body{}"))
    storage.save("b.bin", SimpleUploadedFile("b.bin", b"x", content_type="image/png"))
    storage.save("c.unknownext", ContentFile(b"x"))
    client = s3_server.client()
    stat = client.stat_object(bucket_name=storage.bucket_name, object_name="a.css")
    assert stat.content_type == "text/css"
    assert stat.metadata["Cache-Control"] == "max-age=60"
    assert stat.metadata["Content-Disposition"] == "attachment"
    assert stat.metadata["x-amz-meta-team"] == "docs"
    assert (
        client.stat_object(bucket_name=storage.bucket_name, object_name="b.bin").content_type
        == "image/png"
    )
    unknown = client.stat_object(bucket_name=storage.bucket_name, object_name="c.unknownext")
    assert unknown.content_type == "application/octet-stream"


def test_private_url_is_presigned(storage: MinioBackend) -> None:
    storage.save("private.txt", ContentFile(b"secret data"))
    url = storage.url("private.txt")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=604800" in url
    response = http.request("GET", url)
    assert response.status == 200 and response.data == b"secret data"
    unsigned = url.split("?")[0]
    assert http.request("GET", unsigned).status == 403


def test_public_url_is_plain_and_readable_anonymously(
    profile: dict[str, Any], buckets: tuple[str, str]
) -> None:
    storage = MinioBackend(bucket_name=buckets[1])
    name = storage.save("pub/a file+1.txt", ContentFile(b"public"))
    url = storage.url(name)
    assert url == f"http://{profile['endpoint']}/{buckets[1]}/pub/a%20file%2B1.txt"
    response = http.request("GET", url)
    assert response.status == 200 and response.data == b"public"


def test_urls_use_the_external_endpoint_without_network(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    private, public = buckets
    port = s3_server.endpoint.split(":")[1]
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            external_endpoint=f"localhost:{port}",
            private_buckets=[private],
            public_buckets=[public],
            default_bucket=private,
            url_expiry=timedelta(minutes=5),
            http_client=pool,
        )
    }
    storage = MinioBackend()
    storage.save("ext.txt", ContentFile(b"external"))
    pool.requests.clear()
    private_url = storage.url("ext.txt")
    public_url = MinioBackend(bucket_name=public).url("ext.txt")
    assert pool.requests == []  # no network call for either URL
    assert private_url.startswith(f"http://localhost:{port}/{private}/ext.txt?")
    assert "X-Amz-Expires=300" in private_url
    assert public_url == f"http://localhost:{port}/{public}/ext.txt"
    assert http.request("GET", private_url).data == b"external"


def test_url_needs_no_reachable_server(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": {
            "endpoint": "127.0.0.1:9",
            "external_endpoint": "files.example.com",
            "external_use_https": True,
            "access_key": "AK",
            "secret_key": "SK-not-shown",
        }
    }
    url = MinioBackend().url("x/y.txt")
    assert url.startswith("https://files.example.com/auto-generated-bucket-media-files/x/y.txt?")


def test_requests_per_operation(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server, private_buckets=[buckets[0]], default_bucket=buckets[0], http_client=pool
        )
    }
    storage = MinioBackend()
    storage.save("count.txt", ContentFile(b"1"))  # warm-up: nothing to look up any more
    pool.requests.clear()
    storage.save(f"count-{uuid.uuid4().hex}.txt", ContentFile(b"1"))
    assert pool.methods() == ["PUT"]
    pool.requests.clear()
    storage.exists("count.txt")
    assert pool.methods() == ["HEAD"]
    pool.requests.clear()
    storage.open("count.txt").read()
    assert pool.methods() == ["GET"]


TOO_LONG = "x" * 1025


@pytest.mark.parametrize(
    "name",
    ["../escape.txt", "a/../../b", "/abs.txt", "dir/", "a//b", "nul\x00.txt", TOO_LONG, "a\\b"],
)
def test_bad_names_are_refused_before_any_request(settings: Any, name: str) -> None:
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": {
            "endpoint": "127.0.0.1:9",
            "access_key": "a",
            "secret_key": "s",
            "http_client": pool,
        }
    }
    storage = MinioBackend()
    for call in (storage.exists, storage.open, storage.url, storage.delete, storage.size):
        with pytest.raises(SuspiciousFileOperation):
            call(name)
    if name is not TOO_LONG:  # save() cuts a long name to fit, as Django's storages do
        with pytest.raises(SuspiciousFileOperation):
            storage.save(name, ContentFile(b"x"))
    assert pool.requests == []


def test_construction_is_lazy_and_deconstructs_to_names(settings: Any) -> None:
    settings.MINIO_PROFILES = {"archive": {"endpoint": "http://broken"}}
    storage = MinioBackend(bucket_name="cold", profile="archive")  # broken profile: no error yet
    path, args, kwargs = storage.deconstruct()
    assert path == "django_minio_backend.models.MinioBackend"
    assert kwargs == {"bucket_name": "cold", "profile": "archive"} and args == ()
    with pytest.raises(ConfigurationError, match="profile 'archive'"):
        storage.exists("x")
    static_path, _, static_kwargs = MinioBackendStatic(profile="archive").deconstruct()
    assert static_path == "django_minio_backend.models.MinioBackendStatic"
    assert static_kwargs == {"profile": "archive"}


def test_unknown_option_is_named() -> None:
    with pytest.raises(
        ConfigurationError, match="unknown option 'bucket'.*did you mean 'bucket_name'"
    ):
        MinioBackend(bucket="x")


def test_storages_options_select_profile_and_bucket(
    settings: Any, s3_server: S3Server, s3_server_b: S3Server
) -> None:
    s3_server_b.client().make_bucket(bucket_name="cold-archive")
    settings.MINIO_PROFILES = {
        "default": server_profile(s3_server),
        "archive": server_profile(
            s3_server_b, private_buckets=["cold-archive"], default_bucket="cold-archive"
        ),
    }
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "archive": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {"profile": "archive", "cache_control": "no-store"},
        },
    }
    from django.core.files.storage import storages

    archive = storages["archive"]
    assert isinstance(archive, MinioBackend)
    name = archive.save(f"{uuid.uuid4().hex}.txt", ContentFile(b"cold data"))
    stat = s3_server_b.client().stat_object(
        bucket_name="cold-archive", object_name=name
    )  # landed on server b
    assert stat.metadata["Cache-Control"] == "no-store"
    assert not s3_server.client().bucket_exists(bucket_name="cold-archive")


def test_bucket_check_on_save_creates_the_bucket_once(
    settings: Any, s3_server: S3Server, unique_bucket: str
) -> None:
    # SeaweedFS creates a missing bucket on PUT by itself, so "the bucket exists" would prove
    # nothing: a public bucket must also get its public-read policy, which only we set.
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            public_buckets=[unique_bucket],
            default_bucket=unique_bucket,
            bucket_check_on_save=True,
            http_client=pool,
        )
    }
    storage = MinioBackend()
    name = storage.save("first.txt", ContentFile(b"x"))
    assert pool.methods()[-1] == "PUT" and len(pool.methods()) > 1  # bucket work came first
    assert http.request("GET", storage.url(name)).status == 200
    pool.requests.clear()
    storage.save("second.txt", ContentFile(b"y"))
    assert pool.methods() == ["PUT"]  # checked once per process and bucket


def test_wrong_credentials_raise_without_the_secret(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    canary = "wrong-secret-canary-31337"
    settings.MINIO_PROFILES = {
        "default": {
            **server_profile(s3_server, private_buckets=[buckets[0]], default_bucket=buckets[0]),
            "secret_key": canary,
        }
    }
    storage = MinioBackend()
    for call in (
        lambda: storage.exists("a.txt"),
        lambda: storage.save("a.txt", ContentFile(b"x")),
        lambda: storage.open("a.txt"),
    ):
        with pytest.raises(Exception) as caught:
            call()
        assert not isinstance(caught.value, FileNotFoundError)
        assert canary not in str(caught.value) and canary not in repr(caught.value)
    status = storage.is_minio_available()
    assert not status
    assert canary not in str(status.details)


def test_unreachable_server_names_profile_and_endpoint(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "edge": {
            "endpoint": "127.0.0.1:9",
            "access_key": "a",
            "secret_key": "s",
            "use_https": False,
            "connect_timeout": 0.5,
            "max_retries": 0,
        }
    }
    unreachable = "profile 'edge': the server at http://127.0.0.1:9 is unreachable"
    with pytest.raises(ServerUnavailableError, match=unreachable):
        MinioBackend(profile="edge").exists("x")


def test_is_minio_available(storage: MinioBackend) -> None:
    status = storage.is_minio_available()
    assert status


def test_path_is_not_supported(storage: MinioBackend) -> None:
    with pytest.raises(NotImplementedError):
        storage.path("x")


def test_open_for_appending_is_refused(storage: MinioBackend) -> None:
    # Writing ("wb", "w") is covered in tests/storage/test_writable.py.
    with pytest.raises(ValueError, match="cannot be appended to"):
        storage.open("x.txt", "ab")


def test_racing_threads_never_overwrite(storage: MinioBackend) -> None:
    name = f"race-{uuid.uuid4().hex[:8]}.txt"
    saved: list[tuple[str, bytes]] = []
    lock = threading.Lock()

    def worker(thread: int) -> None:
        for round_ in range(5):
            body = f"thread {thread} round {round_}".encode()
            stored = storage.save(name, ContentFile(body))
            with lock:
                saved.append((stored, body))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = [stored for stored, _ in saved]
    assert len(saved) == 40 and len(set(names)) == 40
    for stored, body in saved:
        assert storage.open(stored).read() == body


def test_static_storage_uses_static_bucket_and_overwrites(
    profile: dict[str, Any], buckets: tuple[str, str]
) -> None:
    static = MinioBackendStatic()
    assert static.bucket_name == buckets[1]
    static.save("app.css", ContentFile(b"a{}"))
    assert static.save("app.css", ContentFile(b"b{}")) == "app.css"
    assert http.request("GET", static.url("app.css")).data == b"b{}"


def test_large_stream_goes_multipart(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[buckets[0]],
            default_bucket=buckets[0],
            multipart_threshold=5 * 1024 * 1024,
            multipart_part_size=5 * 1024 * 1024,
        )
    }
    storage = MinioBackend()
    data = uuid.uuid4().bytes * (12 * 1024 * 1024 // 16)

    class Unsized(io.RawIOBase):
        def __init__(self) -> None:
            self.stream = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: Any) -> int:
            return self.stream.readinto(buffer)

        def seek(self, offset: int, whence: int = 0) -> int:
            return self.stream.seek(offset, whence)

    name = storage.save("big/unsized.bin", Unsized())
    assert storage.size(name) == len(data)
    with storage.open(name) as handle:
        assert handle.read() == data


def test_reopened_file_is_fetched_from_the_server_never_from_a_local_file(
    storage: MinioBackend, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Django's File.open() reopens a closed file from the local path of the same name; a storage
    # file must come from the server again, or a local file could be served in its place.
    name = storage.save(f"reopen-{uuid.uuid4().hex[:8]}.txt", ContentFile(b"from the server"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(b"a LOCAL file")
    handle = storage.open(name)
    assert handle.read() == b"from the server"
    handle.close()
    with handle.open() as reopened:
        assert reopened.read() == b"from the server"
    with handle.open("r") as text:
        assert text.read() == "from the server"
    storage.save(name, ContentFile(b"new content on the server"))  # replace_existing is off
    with pytest.raises(ValueError, match="cannot be reopened in mode 'wb'"):
        handle.open("wb")


def test_reopen_of_an_open_file_rewinds_and_sees_a_replacement(
    profile: dict[str, Any], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = MinioBackend(replace_existing=True)
    name = storage.save(f"rewind-{uuid.uuid4().hex[:8]}.txt", ContentFile(b"first"))
    handle = storage.open(name)
    assert handle.read() == b"first"
    assert handle.open().read() == b"first"  # still open: rewinds, no new object
    handle.close()
    storage.save(name, ContentFile(b"second version"))
    monkeypatch.chdir(tmp_path)
    with handle.open() as reopened:
        assert reopened.read() == b"second version"
        assert reopened.size == len(b"second version")


# --- every byte of the stream is stored (no size is trusted unless known to be right) ----------


def test_save_from_a_pipe_stores_every_byte(storage: MinioBackend) -> None:
    data = os.urandom(300_000)
    with subprocess.Popen(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    ) as child:
        assert child.stdin is not None and child.stdout is not None
        writer = threading.Thread(target=lambda: (child.stdin.write(data), child.stdin.close()))  # type: ignore[union-attr]
        writer.start()
        name = storage.save(f"pipe-{uuid.uuid4().hex[:8]}.bin", File(child.stdout, "pipe.bin"))
        writer.join()
    assert storage.size(name) == len(data)
    with storage.open(name) as handle:
        assert handle.read() == data


def test_save_from_an_os_pipe_descriptor(storage: MinioBackend) -> None:
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer:
        writer.write(b"through a pipe")
    with os.fdopen(read_end, "rb") as reader:
        name = storage.save(f"fd-{uuid.uuid4().hex[:8]}.txt", File(reader))
    with storage.open(name) as handle:
        assert handle.read() == b"through a pipe"


def test_save_from_gzip_stores_the_uncompressed_bytes(storage: MinioBackend, tmp_path: Any) -> None:
    data = b"compressible " * 50_000
    path = tmp_path / "data.gz"
    with gzip.open(path, "wb") as packed:
        packed.write(data)
    assert path.stat().st_size < len(data)  # what Django's File.size reports
    with gzip.open(path, "rb") as unpacked:
        name = storage.save(f"gz-{uuid.uuid4().hex[:8]}.txt", File(unpacked, str(path)))
    assert storage.size(name) == len(data)


def test_a_declared_size_that_is_too_small_does_not_truncate(storage: MinioBackend) -> None:
    content = File(io.BytesIO(b"0123456789"), "digits.txt")
    content.size = 3
    name = storage.save(f"sized-{uuid.uuid4().hex[:8]}.txt", content)
    with storage.open(name) as handle:
        assert handle.read() == b"0123456789"


def test_a_regular_file_is_sized_by_its_descriptor(storage: MinioBackend, tmp_path: Any) -> None:
    path = tmp_path / "regular.bin"
    path.write_bytes(b"x" * 1000)
    with path.open("rb") as source:
        name = storage.save(f"reg-{uuid.uuid4().hex[:8]}.bin", File(source))
    assert storage.size(name) == 1000


def test_text_content_is_stored_as_utf8(storage: MinioBackend, tmp_path: Any) -> None:
    text = "naïve café ✓ " * 1000
    name = storage.save(f"text-{uuid.uuid4().hex[:8]}.txt", ContentFile(text))
    with storage.open(name) as handle:
        assert handle.read() == text.encode("utf-8")
    path = tmp_path / "text.txt"
    path.write_text(text, encoding="utf-8")
    with path.open(encoding="utf-8") as source:
        name = storage.save(f"textfile-{uuid.uuid4().hex[:8]}.txt", File(source))
    with storage.open(name, "r") as handle:
        assert handle.read() == text


# --- names and streams as Django's own storages handle them ------------------------------------


def test_a_long_name_is_cut_to_max_length_keeping_directory_and_extension(
    storage: MinioBackend,
) -> None:
    long = f"cut-{uuid.uuid4().hex[:8]}/" + "r" * 300 + ".pdf"
    name = storage.save(long, ContentFile(b"x"), max_length=100)
    assert len(name) == 100 and name.endswith("r.pdf") and name.startswith(long[:13])
    again = storage.save(long, ContentFile(b"y"), max_length=100)  # taken: an alternative
    assert again != name and len(again) <= 100 and again.endswith(".pdf")
    with storage.open(again) as handle:
        assert handle.read() == b"y"


def test_a_name_beyond_the_byte_limits_is_cut_on_whole_characters(storage: MinioBackend) -> None:
    long = f"bytes-{uuid.uuid4().hex[:8]}/" + "é" * 200 + ".txt"  # 404 bytes of file name
    name = storage.save(long, ContentFile(b"x"))
    file_name = name.rsplit("/", 1)[1]
    assert len(file_name.encode("utf-8")) <= 255 and file_name.endswith("é.txt")
    assert storage.exists(name)
    with pytest.raises(SuspiciousFileOperation):
        storage.save("d" * 1100 + "/a.txt", ContentFile(b"x"))  # only the file name is cut


def test_a_read_once_stream_under_a_taken_name_gets_an_alternative(storage: MinioBackend) -> None:
    name = f"once-{uuid.uuid4().hex[:8]}.txt"
    storage.save(name, ContentFile(b"first"))
    read_end, write_end = os.pipe()
    with os.fdopen(write_end, "wb") as writer:
        writer.write(b"second")
    with os.fdopen(read_end, "rb") as reader:
        other = storage.save(name, File(reader))
    assert other != name
    with storage.open(name) as first, storage.open(other) as second:
        assert (first.read(), second.read()) == (b"first", b"second")


def test_a_used_storage_pickles_and_deep_copies(storage: MinioBackend) -> None:
    name = storage.save(f"pickle-{uuid.uuid4().hex[:8]}.txt", ContentFile(b"kept"))
    assert storage.exists(name)  # clients and caches are now built
    storage.listdir("")
    for copy in (pickle.loads(pickle.dumps(storage)), deepcopy(storage)):  # noqa: S301  (our own bytes)
        assert copy.bucket_name == storage.bucket_name
        with copy.open(name) as handle:
            assert handle.read() == b"kept"


def test_listdir_never_lists_a_folder_marker_as_an_empty_directory(
    storage: MinioBackend, s3_server: S3Server
) -> None:
    root = f"marker-{uuid.uuid4().hex[:8]}"
    s3_server.client().put_object(
        bucket_name=storage.bucket_name,
        object_name=f"{root}/stale/",
        data=io.BytesIO(b""),
        length=0,
    )
    storage.save(f"{root}/stale/kept.txt", ContentFile(b"x"))
    assert storage.listdir(root) == (["stale"], [])
    directories, files = storage.listdir(f"{root}/stale")
    assert "" not in directories and files == ["kept.txt"]


# --- reading as third-party apps do: seeks, size probes, FileResponse --------------------------


@pytest.fixture
def counted(settings: Any, s3_server: S3Server, buckets: tuple[str, str]) -> RecordingPool:
    """A profile whose requests are recorded (the storage: ``MinioBackend()``)."""
    pool = RecordingPool()
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server, private_buckets=[buckets[0]], default_bucket=buckets[0], http_client=pool
        )
    }
    return pool


def test_a_small_object_is_read_in_one_get_whatever_the_seeks(counted: RecordingPool) -> None:
    storage = MinioBackend()
    data = os.urandom(300_000)
    name = storage.save(f"small-{uuid.uuid4().hex[:8]}.xlsx", ContentFile(data))
    counted.requests.clear()
    with storage.open(name) as handle:
        assert handle.read(4) == data[:4]
        handle.seek(-22, io.SEEK_END)  # a zip reader looks for the central directory first
        assert handle.read() == data[-22:]
        handle.seek(1000)
        assert handle.read(10) == data[1000:1010]
        assert handle.size == len(data)
    assert counted.methods() == ["GET"]


def test_size_comes_from_the_object_not_from_a_local_file(
    counted: RecordingPool, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = MinioBackend()
    name = storage.save(f"sized-{uuid.uuid4().hex[:8]}.bin", ContentFile(b"12345"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_bytes(b"a much longer local file")
    with storage.open(name) as handle:
        assert handle.size == 5


@pytest.mark.django_db  # closing a response sends request_finished, which closes old DB connections
def test_file_response_of_a_small_object_sends_one_get(counted: RecordingPool) -> None:
    storage = MinioBackend()
    name = storage.save(f"resp-{uuid.uuid4().hex[:8]}.txt", ContentFile(b"served" * 1000))
    counted.requests.clear()
    response = FileResponse(storage.open(name))
    assert response["Content-Length"] == "6000"
    assert b"".join(response.streaming_content) == b"served" * 1000  # type: ignore[arg-type]
    response.close()
    assert counted.methods() == ["GET"]
