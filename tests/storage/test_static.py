"""Static files on a real S3 server: collectstatic, {% static %}, hashed names, headers."""

from __future__ import annotations

import html
import io
import json
import os
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import attrs
import pytest
import urllib3
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.template import Context, Engine
from django.test import override_settings
from django.utils.module_loading import import_string

from django_minio_backend import ConfigurationError, MinioBackendStatic
from django_minio_backend.storage.static import MinioManifestStaticStorage
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, private_and_public_buckets, server_profile

http = urllib3.PoolManager(retries=False)

MANIFEST_BACKEND = "django_minio_backend.models.MinioManifestStaticStorage"
PLAIN_BACKEND = "django_minio_backend.models.MinioBackendStatic"
IMMUTABLE = "public, max-age=31536000, immutable"
DIRECTORIES = 10
FILES_PER_DIRECTORY = 30  # 300 files in all


def write_tree(root: Path, directories: int = DIRECTORIES) -> list[str]:
    """A static tree of ``directories`` x FILES_PER_DIRECTORY files; returns their names."""
    names: list[str] = []

    def write(name: str, data: bytes) -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        names.append(name)

    svg = '<svg xmlns="http://www.w3.org/2000/svg" id="{}"/>'
    css = '.i{0} {{ background: url("icon{0}.svg"); }}\n@font-face {{ src: url("font0.woff2"); }}\n'
    js = "var n = {0};\n//# sourceMappingURL=app{0}.js.map\n"
    for d in range(directories):
        for i in range(5):
            write(f"d{d}/icon{i}.svg", svg.format(f"{d}-{i}").encode())
            write(f"d{d}/style{i}.css", css.format(i).encode())
            write(f"d{d}/app{i}.js", js.format(i).encode())
            write(f"d{d}/app{i}.js.map", json.dumps({"version": 3, "file": f"app{i}.js"}).encode())
        for i in range(3):
            write(f"d{d}/font{i}.woff2", b"wOF2" + os.urandom(200))
        for i in range(7):
            write(f"d{d}/notes{i}.txt", f"notes {d}/{i}\n".encode() * 20)
    assert len(names) == directories * FILES_PER_DIRECTORY
    return names


@pytest.fixture
def buckets(s3_server: S3Server) -> tuple[str, str]:
    return private_and_public_buckets(s3_server, prefix="s")


@pytest.fixture
def pool() -> RecordingPool:
    return RecordingPool()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    write_tree(root)
    return root


@pytest.fixture
def small_tree(tmp_path: Path) -> Path:
    root = tmp_path / "static"
    write_tree(root, directories=1)
    return root


def static_settings(
    server: S3Server,
    pool: RecordingPool,
    *,
    static_bucket: str,
    buckets: tuple[str, str],
    tree: Path,
    backend: str = MANIFEST_BACKEND,
    **options: Any,
) -> dict[str, Any]:
    """Settings for collectstatic from ``tree`` into ``static_bucket`` through ``backend``."""
    private, public = buckets
    profile = server_profile(
        server,
        external_endpoint=f"localhost:{server.s3_port}",
        private_buckets=[private],
        public_buckets=[public],
        static_bucket=static_bucket,
        http_client=pool,
    )
    return {
        "MINIO_PROFILES": {"default": profile},
        "STATICFILES_DIRS": [str(tree)],
        # Only the tree: the apps' own static files (direct-upload.js) would change the counts.
        "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
        "STORAGES": {
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {"BACKEND": backend, "OPTIONS": {"profile": "default", **options}},
        },
    }


def configure(settings: Any, server: S3Server, pool: RecordingPool, **arguments: Any) -> None:
    for name, value in static_settings(server, pool, **arguments).items():
        setattr(settings, name, value)


def collectstatic(settings: Any) -> str:
    """Run collectstatic with a fresh storage object, as a new process would."""
    settings.STORAGES = dict(settings.STORAGES)  # drops the cached storage and profiles
    return run_collectstatic()


def run_collectstatic() -> str:
    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
    return out.getvalue()


ENGINE = Engine(libraries={"static": "django.templatetags.static"})


def render_static(name: str) -> str:
    """The URL ``{% static name %}`` gives in a template (HTML-unescaped, as a browser reads it)."""
    template = ENGINE.from_string("{% load static %}{% static name %}")
    return html.unescape(template.render(Context({"name": name})))


@pytest.fixture
def manifest_setup(
    settings: Any, s3_server: S3Server, pool: RecordingPool, buckets: tuple[str, str], tree: Path
) -> str:
    """A manifest storage on the public bucket, collectstatic run once; returns the bucket."""
    configure(
        settings,
        s3_server,
        pool,
        static_bucket=buckets[1],
        buckets=buckets,
        tree=tree,
        cache_control=IMMUTABLE,
    )
    output = collectstatic(settings)
    assert "300 static files copied" in output
    return buckets[1]


@attrs.frozen
class Collected:
    """A bucket that collectstatic filled from ``tree`` through the manifest storage."""

    buckets: tuple[str, str]
    tree: Path

    @property
    def bucket(self) -> str:
        return self.buckets[1]


@pytest.fixture(scope="module")
def collected(s3_server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> Collected:
    """collectstatic run once for the module's tests that only read the result."""
    result = Collected(
        private_and_public_buckets(s3_server, prefix="s"),
        tmp_path_factory.mktemp("collected") / "static",
    )
    write_tree(result.tree)
    overrides = static_settings(
        s3_server,
        RecordingPool(),
        static_bucket=result.bucket,
        buckets=result.buckets,
        tree=result.tree,
        cache_control=IMMUTABLE,
    )
    with override_settings(**overrides):
        assert "300 static files copied" in run_collectstatic()
    return result


@pytest.fixture
def on_collected(
    settings: Any, s3_server: S3Server, pool: RecordingPool, collected: Collected
) -> str:
    """Settings pointing at the shared collected bucket (a fresh storage); returns the bucket."""
    configure(
        settings,
        s3_server,
        pool,
        static_bucket=collected.bucket,
        buckets=collected.buckets,
        tree=collected.tree,
        cache_control=IMMUTABLE,
    )
    return collected.bucket


def test_second_collectstatic_uploads_nothing(
    settings: Any, pool: RecordingPool, manifest_setup: str
) -> None:
    first = Counter(pool.methods())
    assert first["PUT"] == 300 + 300 + 1  # originals, hashed copies, the manifest

    pool.requests.clear()
    output = collectstatic(settings)

    assert "0 static files copied, 300 unmodified" in output
    methods = Counter(pool.methods())
    assert methods["PUT"] == 0 and methods["DELETE"] == 0 and methods["POST"] == 0
    # Originals: Django's exists + modified-time check (at most a HEAD each); hashed copies:
    # nothing per file, one listing per directory (and one of the root, for the manifest).
    assert methods["HEAD"] <= 2 * 300
    assert len(pool.listings()) == DIRECTORIES + 1
    others = [
        url
        for method, url, _headers in pool.requests
        if method == "GET" and "list-type=" not in url
    ]
    assert others == []


def test_changed_file_uploads_only_that_file_and_the_manifest(
    settings: Any, s3_server: S3Server, pool: RecordingPool, manifest_setup: str, tree: Path
) -> None:
    before = render_static("d3/notes2.txt")
    changed = tree / "d3" / "notes2.txt"
    changed.write_bytes(b"new content\n")
    later = time.time() + 120  # newer than the upload, whatever the clocks' resolution
    os.utime(changed, (later, later))

    pool.requests.clear()
    output = collectstatic(settings)

    assert "1 static file copied, 299 unmodified" in output
    puts = sorted(urlsplit(url).path for method, url, _headers in pool.requests if method == "PUT")
    after = render_static("d3/notes2.txt")
    assert after != before
    bucket = manifest_setup
    assert puts == sorted(
        [
            f"/{bucket}/d3/notes2.txt",
            urlsplit(after).path,
            f"/{bucket}/staticfiles.json",
        ]
    )
    assert http.request("GET", after).data == b"new content\n"


def test_static_tag_resolves_hashed_names_readable_anonymously(
    s3_server: S3Server, on_collected: str
) -> None:
    bucket = on_collected
    expected_types = {
        "d1/style0.css": "text/css",
        "d1/app0.js": "text/javascript",
        "d1/icon0.svg": "image/svg+xml",
        "d1/font0.woff2": "font/woff2",
        "d1/app0.js.map": "application/json",
    }
    for name, content_type in expected_types.items():
        url = render_static(name)
        root, extension = name.rsplit(".", 1)
        prefix = f"http://localhost:{s3_server.s3_port}/{bucket}/{root}."
        assert url.startswith(prefix) and url.endswith(f".{extension}")
        hashed = url[len(prefix) : -len(extension) - 1]
        assert len(hashed) == 12 and all(ch in "0123456789abcdef" for ch in hashed)
        response = http.request("GET", url)  # anonymous
        assert response.status == 200, name
        assert response.headers.get("Content-Type") == content_type
        assert response.headers.get("Cache-Control") == IMMUTABLE


def test_references_inside_css_and_js_point_at_hashed_files(on_collected: str) -> None:
    css_url = render_static("d2/style1.css")
    css = http.request("GET", css_url).data.decode()
    icon_url = render_static("d2/icon1.svg")
    icon_name = icon_url.rsplit("/", 1)[1]
    assert f'url("{icon_name}")' in css
    assert http.request("GET", urljoin(css_url, icon_name)).status == 200
    js = http.request("GET", render_static("d2/app1.js")).data.decode()
    map_name = render_static("d2/app1.js.map").rsplit("/", 1)[1]
    assert f"//# sourceMappingURL={map_name}" in js


def test_originals_and_manifest_are_not_cached_as_immutable(
    s3_server: S3Server, on_collected: str
) -> None:
    client = s3_server.client()
    bucket = on_collected
    for name in ("d0/style0.css", "staticfiles.json"):
        metadata = client.stat_object(bucket_name=bucket, object_name=name).metadata
        assert metadata is not None and metadata["Cache-Control"] == "no-cache", name
    manifest = json.loads(
        client.get_object(bucket_name=bucket, object_name="staticfiles.json").read()
    )
    assert len(manifest["paths"]) == 300
    assert manifest["paths"]["d0/notes0.txt"].startswith("d0/notes0.")


def test_manifest_is_read_lazily_once(
    settings: Any, pool: RecordingPool, on_collected: str
) -> None:
    storage = MinioManifestStaticStorage(profile="default")
    assert pool.requests == []  # building it reads nothing
    first = storage.url("d4/notes1.txt")
    assert pool.methods() == ["GET"]
    assert urlsplit(pool.requests[0].url).path.endswith("/staticfiles.json")
    assert storage.url("d5/app3.js") != first
    assert len(pool.requests) == 1  # later URLs need no request
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("d0/not-collected.css")


def test_private_static_bucket_gets_presigned_urls(
    settings: Any,
    s3_server: S3Server,
    pool: RecordingPool,
    buckets: tuple[str, str],
    small_tree: Path,
) -> None:
    private = buckets[0]
    configure(settings, s3_server, pool, static_bucket=private, buckets=buckets, tree=small_tree)
    collectstatic(settings)
    url = render_static("d0/style2.css")
    parts = urlsplit(url)
    assert parts.netloc == f"localhost:{s3_server.s3_port}"
    assert parts.path.startswith(f"/{private}/d0/style2.") and "X-Amz-Signature=" in parts.query
    response = http.request("GET", url)
    assert response.status == 200, (url, response.data)
    # References inside the CSS are plain hashed names, never a signed URL's query string.
    icon_name = render_static("d0/icon2.svg").split("?")[0].rsplit("/", 1)[1]
    assert f'url("{icon_name}")' in response.data.decode()
    assert "X-Amz" not in response.data.decode()
    assert http.request("GET", url.split("?")[0]).status == 403


def test_plain_static_storage_with_collectstatic(
    settings: Any,
    s3_server: S3Server,
    pool: RecordingPool,
    buckets: tuple[str, str],
    small_tree: Path,
) -> None:
    public = buckets[1]
    configure(
        settings,
        s3_server,
        pool,
        static_bucket=public,
        buckets=buckets,
        tree=small_tree,
        backend=PLAIN_BACKEND,
        cache_control="public, max-age=600",
    )
    assert "30 static files copied" in collectstatic(settings)
    url = render_static("d0/icon4.svg")
    assert url == f"http://localhost:{s3_server.s3_port}/{public}/d0/icon4.svg"
    response = http.request("GET", url)
    assert response.status == 200
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert response.headers["Cache-Control"] == "public, max-age=600"

    pool.requests.clear()
    assert "0 static files copied, 30 unmodified" in collectstatic(settings)
    assert "PUT" not in pool.methods()


def test_dry_run_writes_nothing(
    settings: Any, s3_server: S3Server, pool: RecordingPool, buckets: tuple[str, str], tree: Path
) -> None:
    configure(settings, s3_server, pool, static_bucket=buckets[1], buckets=buckets, tree=tree)
    settings.STORAGES = dict(settings.STORAGES)
    call_command("collectstatic", interactive=False, dry_run=True, verbosity=0)
    assert "PUT" not in pool.methods()
    assert list(s3_server.client().list_objects(bucket_name=buckets[1])) == []


def test_construction_is_lazy_and_deconstructs_to_the_public_path(settings: Any) -> None:
    settings.MINIO_PROFILES = {}  # no profile at all: building the storage must not care
    storage = MinioManifestStaticStorage(profile="nowhere", cache_control=IMMUTABLE)
    path, args, kwargs = storage.deconstruct()
    assert path == "django_minio_backend.models.MinioManifestStaticStorage"
    assert args == () and kwargs == {"profile": "nowhere", "cache_control": IMMUTABLE}
    assert import_string(path) is MinioManifestStaticStorage  # a migration can import it
    with pytest.raises(ConfigurationError, match="nowhere"):
        storage.url("x.css")
    with pytest.raises(ConfigurationError, match="colour"):
        MinioManifestStaticStorage(colour="red")


def test_saving_outside_collectstatic_still_writes(
    settings: Any, s3_server: S3Server, pool: RecordingPool, buckets: tuple[str, str], tree: Path
) -> None:
    configure(settings, s3_server, pool, static_bucket=buckets[1], buckets=buckets, tree=tree)
    storage = MinioManifestStaticStorage()
    storage.save("extra/a.txt", ContentFile(b"one"))
    storage.save("extra/a.txt", ContentFile(b"two"))  # overwrites, as collectstatic expects
    assert storage.open("extra/a.txt").read() == b"two"
    storage.delete("extra/a.txt")
    assert not storage.exists("extra/a.txt")


@pytest.mark.parametrize("backend", [PLAIN_BACKEND, MANIFEST_BACKEND])
def test_collectstatic_clear_removes_stale_files(
    settings: Any,
    s3_server: S3Server,
    pool: RecordingPool,
    buckets: tuple[str, str],
    small_tree: Path,
    backend: str,
) -> None:
    public = buckets[1]
    configure(
        settings,
        s3_server,
        pool,
        static_bucket=public,
        buckets=buckets,
        tree=small_tree,
        backend=backend,
    )
    client = s3_server.client()
    client.put_object(
        bucket_name=public, object_name="stale/deep/old.css", data=io.BytesIO(b"old"), length=3
    )
    collectstatic(settings)
    settings.STORAGES = dict(settings.STORAGES)
    call_command("collectstatic", interactive=False, clear=True, verbosity=0)
    names = {item.object_name for item in client.list_objects(bucket_name=public, recursive=True)}
    assert "stale/deep/old.css" not in names
    assert "d0/icon4.svg" in names  # collected again after the clear


def test_the_static_bucket_is_made_public_before_the_first_write(
    settings: Any, s3_server: S3Server
) -> None:
    # 3.8.1 behaviour: collectstatic works before initialize_buckets ever ran. (SeaweedFS would
    # create a missing bucket on PUT by itself, but private: the public URL proves our work.)
    bucket = f"static-{uuid.uuid4().hex[:16]}"
    settings.MINIO_PROFILES = {
        "default": server_profile(s3_server, public_buckets=[bucket], static_bucket=bucket)
    }
    storage = MinioBackendStatic()
    name = storage.save(f"css/{uuid.uuid4().hex[:8]}.css", ContentFile(b"body{}"))
    response = urllib3.PoolManager(retries=False).request("GET", storage.url(name))
    assert response.status == 200 and response.data == b"body{}"
