"""MinioBackend.url() options, signing windows, public base URLs, against the real server."""

from __future__ import annotations

import time
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest
import urllib3
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile

from django_minio_backend import ConfigurationError, MinioBackend
from django_minio_backend.storage.backend import MAX_CACHED_URL_NAMES
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, private_and_public_buckets, server_profile

http = urllib3.PoolManager(retries=False)


@pytest.fixture
def buckets(s3_server: S3Server) -> tuple[str, str]:
    return private_and_public_buckets(s3_server)


def install(settings: Any, s3_server: S3Server, buckets: tuple[str, str], **fields: Any) -> None:
    private, public = buckets
    settings.MINIO_PROFILES = {
        "default": server_profile(
            s3_server,
            private_buckets=[private],
            public_buckets=[public],
            default_bucket=private,
            **fields,
        )
    }


@pytest.fixture
def private(settings: Any, s3_server: S3Server, buckets: tuple[str, str]) -> MinioBackend:
    install(settings, s3_server, buckets)
    return MinioBackend()


@pytest.fixture
def public(private: MinioBackend, buckets: tuple[str, str]) -> MinioBackend:
    return MinioBackend(bucket_name=buckets[1])


def get(url: str) -> urllib3.BaseHTTPResponse:
    return http.request("GET", url)


def test_download_name_comes_back_from_the_server(private: MinioBackend) -> None:
    name = private.save("reports/r1.bin", ContentFile(b"%PDF-1.7 data"))
    url = private.url(name, download_name="Grüße «Q3» 100%.pdf", content_type="application/pdf")
    response = get(url)
    assert response.status == 200 and response.data == b"%PDF-1.7 data"
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="Grue Q3 100_.pdf"; '
        "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%C2%ABQ3%C2%BB%20100%25.pdf"
    )


def test_inline_and_other_response_overrides(private: MinioBackend) -> None:
    name = private.save("i.txt", ContentFile(b"hello"))
    response = get(
        private.url(
            name,
            download_name="i.txt",
            inline=True,
            parameters={
                "response-cache-control": "max-age=60, private",
                "response-content-language": "de-CH",
            },
        )
    )
    assert response.status == 200
    assert response.headers["Content-Disposition"].startswith('inline; filename="i.txt"')
    assert response.headers["Cache-Control"] == "max-age=60, private"
    assert response.headers["Content-Language"] == "de-CH"
    forced = get(private.url(name, inline=False))
    assert forced.headers["Content-Disposition"] == "attachment"


def test_a_tampered_override_is_refused(private: MinioBackend) -> None:
    name = private.save("t.txt", ContentFile(b"x"))
    url = private.url(name, content_type="text/plain")
    assert get(url).status == 200
    assert get(url.replace("text%2Fplain", "text%2Fhtml")).status == 403


def test_any_option_on_a_public_bucket_gives_a_presigned_url(
    public: MinioBackend, buckets: tuple[str, str], s3_server: S3Server
) -> None:
    name = public.save("p/a.txt", ContentFile(b"pub"))
    plain = public.url(name)
    assert plain == f"http://{s3_server.endpoint}/{buckets[1]}/p/a.txt"
    for options in (
        {"download_name": "b.txt"},
        {"expire": 60},
        {"content_type": "text/csv"},
        {"inline": True},
        {"parameters": {"response-content-language": "fr"}},
    ):
        url = public.url(name, **options)  # type: ignore[arg-type]
        assert url.startswith(plain + "?") and "X-Amz-Signature=" in url, options
        assert get(url).status == 200
    assert public.url(name, parameters={}) == plain


def test_expire_overrides_the_profile_and_the_server_refuses_it_after(
    private: MinioBackend,
) -> None:
    name = private.save("e.txt", ContentFile(b"soon gone"))
    url = private.url(name, expire=1)
    assert "X-Amz-Expires=1&" in url
    assert "X-Amz-Expires=7200&" in private.url(name, expire=timedelta(hours=2))
    signed_at = datetime.strptime(url.split("X-Amz-Date=")[1][:16], "%Y%m%dT%H%M%SZ")
    time.sleep(max(0.0, signed_at.replace(tzinfo=UTC).timestamp() + 2.5 - time.time()))
    response = get(url)
    assert response.status == 403 and b"expired" in response.data.lower()


def test_bad_options_name_the_object(private: MinioBackend) -> None:
    with pytest.raises(ValueError, match=r"url\('x.txt'\): unknown URL parameter 'x-foo'"):
        private.url("x.txt", parameters={"x-foo": "1"})
    with pytest.raises(ValueError, match=r"url\('x.txt'\): expire must be between"):
        private.url("x.txt", expire=timedelta(days=8))


def test_urls_with_options_make_no_request(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    pool = RecordingPool()
    install(settings, s3_server, buckets, http_client=pool)
    storage = MinioBackend(bucket_name=buckets[1])
    storage.url("a.txt", download_name="ä.txt", expire=5, content_type="text/plain")
    MinioBackend().url("a.txt", download_name="ä.txt")
    assert pool.requests == []


# --- the signing window ---------------------------------------------------------------------------


def test_urls_are_identical_within_a_window_and_work(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    install(
        settings,
        s3_server,
        buckets,
        url_expiry=timedelta(hours=2),
        url_signing_window=timedelta(hours=1),
    )
    storage = MinioBackend()
    name = storage.save("w.txt", ContentFile(b"cache me"))
    first = storage.url(name)
    time.sleep(1.1)  # another second: without the window the signature would differ
    assert storage.url(name) == first
    start = int(time.time()) // 3600 * 3600
    assert f"X-Amz-Date={datetime.fromtimestamp(start, UTC):%Y%m%dT%H%M%SZ}" in first
    assert "X-Amz-Expires=7200&" in first
    assert get(first).data == b"cache me"
    with_name = storage.url(name, download_name="w.txt")
    assert with_name == storage.url(name, download_name="w.txt") != first
    assert storage.url_caching_enabled is True and storage.url_cache_timeout == 3600
    assert storage.cache_prefix == "minio_url_"


def test_without_a_window_the_upstream_attributes_say_off(private: MinioBackend) -> None:
    assert private.url_caching_enabled is False and private.url_cache_timeout == 0


# --- public base URL ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base", ["https://cdn.example.com/media", "https://cdn.example.com/media/", "http://h:8080"]
)
def test_public_base_url_keeps_its_path(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str], base: str
) -> None:
    install(settings, s3_server, buckets)
    storage = MinioBackend(bucket_name=buckets[1], public_base_url=base)
    assert storage.url("a b/ü+1.txt") == base.rstrip("/") + "/a%20b/%C3%BC%2B1.txt"
    # Options cannot go through a path-rewriting proxy: presigned on the external endpoint.
    assert storage.url("a.txt", download_name="a.txt").startswith(
        f"http://{s3_server.endpoint}/{buckets[1]}/a.txt?"
    )


def test_public_base_url_in_front_of_the_bucket_serves_the_object(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str]
) -> None:
    # The bucket's own URL is a base URL whose path is the bucket: a proxy that maps a path.
    install(settings, s3_server, buckets)
    base = f"http://{s3_server.endpoint}/{buckets[1]}"
    storage = MinioBackend(bucket_name=buckets[1], public_base_url=base, location="cdn")
    name = storage.save("x y+z.txt", ContentFile(b"via cdn"))
    assert storage.url(name) == f"{base}/cdn/x%20y%2Bz.txt"
    assert get(storage.url(name)).data == b"via cdn"


@pytest.mark.parametrize(
    ("base", "message"),
    [
        ("cdn.example.com", "http or https URL"),
        ("ftp://cdn.example.com", "http or https URL"),
        ("https://cdn.example.com/m?x=1", "no query"),
        ("https://cdn.example.com/m#top", "no query"),
        ("https://cdn.example.com/a b", "without spaces"),
        (42, "expected a string"),
    ],
)
def test_bad_public_base_urls_are_refused(base: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        MinioBackend(public_base_url=base)


# --- keys that trip other backends, every URL fetched ---------------------------------------------

HOSTILE = [
    "with space.txt",
    "plus+sign.txt",
    "percent%20literal.txt",
    "question?mark.txt",
    "hash#tag.txt",
    "tilde~x.txt",
    "dir with space/a&b=c;d.txt",
    unicodedata.normalize("NFC", "café-é.txt"),
    unicodedata.normalize("NFD", "café-é.txt"),
    "日本語/ファイル.txt",
    "emoji-😀.txt",
    "l/" + "x" * 200 + ".txt",
]


@pytest.mark.parametrize("location", ["", "media/sub dir+"])
def test_hostile_keys_are_served_by_every_url(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str], location: str
) -> None:
    install(settings, s3_server, buckets)
    storages = [
        MinioBackend(location=location),
        MinioBackend(bucket_name=buckets[1], location=location),
    ]
    for storage in storages:
        for index, wanted in enumerate(HOSTILE):
            body = f"{index}:{wanted}".encode()
            name = storage.save(wanted, ContentFile(body))
            assert name == wanted
            urls = [storage.url(name), storage.url(name, download_name=name.split("/")[-1])]
            for url in urls:
                response = get(url)
                assert (response.status, response.data) == (200, body), (name, url)
            if location and storage.bucket_name == buckets[1]:
                assert urls[0].endswith("/" + quote(location + "/" + name))


# --- url() remembers checked names: bounded, refreshed with the settings ------------------------


def test_remembered_urls_are_bounded_and_stay_correct(
    private: MinioBackend, public: MinioBackend
) -> None:
    names = [f"many/f{i}.txt" for i in range(MAX_CACHED_URL_NAMES + 50)]
    first = [public.url(name) for name in names]
    again = [public.url(name) for name in names]
    assert first == again == [f"{public.url('many/x.txt')[: -len('many/x.txt')]}{n}" for n in names]
    for storage in (private, public):
        for name in names:
            storage.url(name)
        target = storage._resolve()
        assert len(target.url_keys) <= MAX_CACHED_URL_NAMES
        assert len(target.public_urls) <= MAX_CACHED_URL_NAMES


def test_a_refused_name_is_refused_every_time(private: MinioBackend, public: MinioBackend) -> None:
    for storage in (private, public):
        for _ in range(2):
            for name in ("../up.txt", "", None, "a//b"):
                with pytest.raises(SuspiciousFileOperation):
                    storage.url(name)


def test_remembered_urls_follow_changed_settings(
    settings: Any, s3_server: S3Server, buckets: tuple[str, str], public: MinioBackend
) -> None:
    before = public.url("same/name.txt")
    assert before.startswith(f"http://{s3_server.endpoint}/")
    install(settings, s3_server, buckets, external_endpoint="cdn.example.com")
    after = public.url("same/name.txt")
    assert after == f"http://cdn.example.com/{buckets[1]}/same/name.txt"
