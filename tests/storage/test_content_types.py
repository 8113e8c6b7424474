"""Content types: uploads typed by name, active content kept from running on public buckets."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import urllib3
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from django_minio_backend import ConfigurationError, MinioBackend, MinioBackendStatic
from django_minio_backend.storage.content_types import content_type_for, is_active_content
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import private_and_public_buckets, server_profile

http = urllib3.PoolManager(retries=False)


def test_a_browser_upload_is_typed_by_its_name_not_by_what_the_browser_declared() -> None:
    upload = SimpleUploadedFile("x.jpg", b"<script>", content_type="text/html")
    assert content_type_for("x.jpg", upload) == "image/jpeg"
    nameless = SimpleUploadedFile("blob", b"<script>", content_type="text/html")
    assert content_type_for("blob", nameless) == "application/octet-stream"
    typed = SimpleUploadedFile("blob", b"\x89PNG", content_type="image/png")
    assert content_type_for("blob", typed) == "image/png"


def test_content_from_code_keeps_its_declared_type() -> None:
    content = ContentFile(b"{}")
    content.content_type = "application/json; charset=utf-8"  # type: ignore[attr-defined]
    assert content_type_for("data.bin", content) == "application/json; charset=utf-8"
    assert content_type_for("style.css", ContentFile(b"")) == "text/css"
    assert content_type_for("no-extension", ContentFile(b"")) == "application/octet-stream"


@pytest.mark.parametrize(
    ("content_type", "active"),
    [
        ("text/html", True),
        ("text/html; charset=utf-8", True),
        ("image/svg+xml", True),
        ("application/xhtml+xml", True),
        ("text/xml", True),
        ("text/javascript", True),
        ("image/png", False),
        ("text/plain", False),
        ("application/octet-stream", False),
    ],
)
def test_active_content_types(content_type: str, active: bool) -> None:
    assert is_active_content(content_type) is active


@pytest.fixture
def buckets(settings: Any, s3_server: S3Server) -> tuple[str, str]:
    private, public = private_and_public_buckets(s3_server)
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[private],
            public_buckets=[public],
            default_bucket=public,
            static_bucket=public,
        )
    }
    return private, public


def served(storage: MinioBackend, name: str) -> urllib3.BaseHTTPResponse:
    response = http.request("GET", storage.url(name))
    assert response.status == 200
    return response


def test_uploaded_html_on_a_public_bucket_is_served_as_an_attachment(
    buckets: tuple[str, str],
) -> None:
    storage = MinioBackend()
    name = storage.save(
        f"up-{uuid.uuid4().hex[:8]}.html", SimpleUploadedFile("a.html", b"<script>alert(1)")
    )
    response = served(storage, name)
    assert response.headers["Content-Type"].startswith("text/html")
    assert response.headers["Content-Disposition"] == "attachment"
    disguised = storage.save(
        f"up-{uuid.uuid4().hex[:8]}.jpg",
        SimpleUploadedFile("x.jpg", b"<script>", content_type="text/html"),
    )
    assert served(storage, disguised).headers["Content-Type"] == "image/jpeg"


def test_opting_in_serves_active_content_inline(buckets: tuple[str, str]) -> None:
    storage = MinioBackend(inline_active_content=True)
    name = storage.save(f"in-{uuid.uuid4().hex[:8]}.svg", ContentFile(b"<svg/>"))
    response = served(storage, name)
    assert response.headers["Content-Type"] == "image/svg+xml"
    assert "Content-Disposition" not in response.headers


def test_private_buckets_and_static_files_are_not_changed(buckets: tuple[str, str]) -> None:
    private, _ = buckets
    storage = MinioBackend(bucket_name=private)
    name = storage.save(f"p-{uuid.uuid4().hex[:8]}.html", ContentFile(b"<p>"))
    assert "Content-Disposition" not in served(storage, name).headers
    static = MinioBackendStatic()
    name = static.save(f"admin/{uuid.uuid4().hex[:8]}.js", ContentFile(b"1"))
    assert "Content-Disposition" not in served(static, name).headers


def test_non_ascii_metadata_is_stored_rfc2047_encoded(
    buckets: tuple[str, str], s3_server: S3Server
) -> None:
    _, public = buckets
    storage = MinioBackend(metadata={"title": "Café ✓", "plain": "ok"})
    name = storage.save(f"m-{uuid.uuid4().hex[:8]}.txt", ContentFile(b"x"))
    stat = s3_server.client().stat_object(bucket_name=public, object_name=name)
    assert stat.metadata["x-amz-meta-plain"] == "ok"
    assert stat.metadata["x-amz-meta-title"] == "=?UTF-8?B?Q2Fmw6kg4pyT?="


@pytest.mark.parametrize(
    "options",
    [
        {"content_disposition": 'attachment; filename="résumé.pdf"'},
        {"cache_control": "max-age=60\r\nX-Injected: 1"},
        {"metadata": {"tïtle": "x"}},
        {"metadata": {"title": "line\nbreak"}},
    ],
)
def test_headers_that_cannot_be_sent_are_refused_at_construction(options: Any) -> None:
    with pytest.raises(ConfigurationError, match="MinioBackend option"):
        MinioBackend(**options)
