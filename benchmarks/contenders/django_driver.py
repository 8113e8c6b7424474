"""Workloads run through Django's ``Storage`` API, shared by every Django-based contender.

A contender subclasses :class:`DjangoContender` and says how to configure Django and build its
media storages; everything measured goes through the public ``Storage`` methods a Django
project calls (``save``, ``open``, ``exists``, ``size``, ``url``, ``listdir``) and the
``collectstatic`` command.
"""

from __future__ import annotations

import io
import re
from importlib import metadata
from typing import Any
from urllib.parse import quote

from common import (
    MIB,
    SMALL_SIZE,
    check,
    download_name,
    memory_probe,
    missing_name,
    payload,
    read_stream,
    read_workbook,
    requests_sent,
    result,
    run_threads,
    small_name,
    timed,
)


def base_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The Django settings every contender shares; contenders add STORAGES and their own."""
    return {
        "SECRET_KEY": "benchmarks-only",
        "DEBUG": False,
        "USE_TZ": True,
        "TIME_ZONE": "UTC",
        "INSTALLED_APPS": ["django.contrib.staticfiles"],
        "DATABASES": {},
        "STATIC_URL": "/static/",
        "STATICFILES_DIRS": [config["static_dir"]],
        # Only the benchmark's files: an installed app's own static files would change the count.
        "STATICFILES_FINDERS": ["django.contrib.staticfiles.finders.FileSystemFinder"],
    }


def package_versions(*names: str) -> dict[str, str]:
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


_COPIED = re.compile(r"(\d+) static files? copied")
_UNMODIFIED = re.compile(r"(\d+) unmodified")


def _collectstatic() -> tuple[int, int]:
    """Run ``collectstatic`` as a user would; return (copied, unmodified)."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command("collectstatic", interactive=False, verbosity=1, stdout=out)
    text = out.getvalue()
    copied = _COPIED.search(text)
    unmodified = _UNMODIFIED.search(text)
    return (int(copied.group(1)) if copied else 0, int(unmodified.group(1)) if unmodified else 0)


class DjangoContender:
    """Base class: subclasses implement ``settings``, ``media_storages`` and ``packages``."""

    packages: tuple[str, ...] = ()
    # Whether collectstatic's summary counts the unmodified files (collectfasta's does not).
    counts_unmodified = True

    def settings(self, config: dict[str, Any]) -> dict[str, Any]:
        raise NotImplementedError

    def media_storages(self, config: dict[str, Any]) -> tuple[Any, Any]:
        """(storage on the private bucket, storage on the public bucket)."""
        raise NotImplementedError

    def setup(self, config: dict[str, Any]) -> None:
        import django
        from django.conf import settings

        settings.configure(**{**base_settings(config), **self.settings(config)})
        django.setup()
        self.config = config
        self.private, self.public = self.media_storages(config)

    def versions(self) -> dict[str, str]:
        import django

        return {"python": _python_version(), "Django": django.get_version()} | package_versions(
            *self.packages
        )

    # ------------------------------------------------------------------ small objects

    def bench_save_4k(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from django.core.files.base import ContentFile

        data = payload(p["size"])
        names = [f"{p['prefix']}/f{i:05d}.bin" for i in range(p["count"])]
        seconds, saved = timed(lambda: [self.private.save(n, ContentFile(data)) for n in names])
        check(saved == names, f"saved under other names, e.g. {saved[:1]} for {names[:1]}")
        return [result(p.get("row", "save_4k"), seconds, len(names))]

    def bench_open_read_4k(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        def read_all() -> list[int]:
            sizes = []
            for i in range(p["count"]):
                with self.private.open(small_name(i), "rb") as f:
                    sizes.append(len(f.read()))
            return sizes

        seconds, sizes = timed(read_all)
        check(set(sizes) == {SMALL_SIZE}, f"read sizes {set(sizes)}")
        return [result("open_read_4k", seconds, p["count"])]

    def bench_exists_hit(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, found = timed(
            lambda: [self.private.exists(small_name(i)) for i in range(p["count"])]
        )
        check(all(found), "exists() said False for an existing object")
        return [result("exists_hit", seconds, p["count"])]

    def bench_exists_miss(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, found = timed(
            lambda: [self.private.exists(missing_name(i)) for i in range(p["count"])]
        )
        check(not any(found), "exists() said True for a missing object")
        return [result("exists_miss", seconds, p["count"])]

    def bench_size(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, sizes = timed(
            lambda: [self.private.size(small_name(i)) for i in range(p["count"])]
        )
        check(set(sizes) == {SMALL_SIZE}, f"sizes {set(sizes)}")
        return [result("size", seconds, p["count"])]

    def _urls(
        self, storage: Any, p: dict[str, Any], row: str, signed: bool
    ) -> list[dict[str, Any]]:
        names = [small_name(i % p["distinct"]) for i in range(p["count"])]
        seconds, urls = timed(lambda: [storage.url(n) for n in names])
        check(names[-1] in urls[-1], f"url {urls[-1]!r} does not name {names[-1]!r}")
        check(("X-Amz-Signature=" in urls[-1]) == signed, f"unexpected url {urls[-1]!r}")
        return [result(row, seconds, len(names))]

    def bench_url_private(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self._urls(self.private, p, "url_private", signed=True)

    def bench_url_public(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return self._urls(self.public, p, "url_public", signed=False)

    def download_url(self, storage: Any, name: str, index: int) -> str | None:
        """``url()`` telling the browser to save as ``download_name(index)``; None when the
        package has no such option (the row is then not measured)."""
        return None

    def bench_url_download_name(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        indexes = [i % p["distinct"] for i in range(p["count"])]
        names = [small_name(i) for i in indexes]
        if self.download_url(self.private, names[0], indexes[0]) is None:
            return []
        pairs = list(zip(names, indexes, strict=True))
        seconds, urls = timed(lambda: [self.download_url(self.private, n, i) for n, i in pairs])
        check("X-Amz-Signature=" in urls[-1], f"unsigned url {urls[-1]!r}")
        check(
            quote(download_name(indexes[-1]), safe="") in urls[-1],
            f"url {urls[-1]!r} does not name {download_name(indexes[-1])!r}",
        )
        return [result("url_download_name", seconds, len(names))]

    def bench_listdir(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, (_, files) = timed(lambda: self.private.listdir(p["path"]))
        check(len(files) == p["expect"], f"listdir found {len(files)} files, not {p['expect']}")
        return [result(p["row"], seconds, 1)]

    # ------------------------------------------------------------------ large objects

    def bench_save_big(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from django.core.files import File

        self.private.exists(small_name(0))  # warm up: client, connection pool, lazy imports

        def save() -> str:
            with open(p["source"], "rb") as fh:  # noqa: PTH123
                return str(self.private.save(p["name"], File(fh, name=p["name"])))

        seconds, saved, growth, peak = memory_probe(save)
        check(saved == p["name"], f"saved as {saved!r}")
        check(self.private.size(saved) == p["size"], "stored size differs")
        return [result(p["row"], seconds, p["size"] // MIB, rss_growth_kib=growth, rss_kib=peak)]

    def bench_open_read_big(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self.private.exists(small_name(0))

        def read() -> int:
            with self.private.open(p["name"], "rb") as f:
                return read_stream(f)

        seconds, total, growth, peak = memory_probe(read)
        check(total == p["size"], f"read {total} bytes, not {p['size']}")
        return [result(p["row"], seconds, p["size"] // MIB, rss_growth_kib=growth, rss_kib=peak)]

    def bench_xlsx_read(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """``storage.open()`` of the workbook, loaded by openpyxl (which seeks around a zip)."""

        def load() -> int:
            with self.private.open(p["name"], "rb") as handle:
                return read_workbook(handle)

        before = requests_sent()
        seconds, cells = timed(load)
        requests = requests_sent() - before
        check(cells == p["rows"] * 2 * 4, f"read {cells} cells")
        return [result("xlsx_read", seconds, 1, requests=requests)]

    # ------------------------------------------------------------------ collectstatic

    def bench_collectstatic(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        first, (copied, _) = timed(_collectstatic)
        check(copied == p["count"], f"first run copied {copied}, not {p['count']}")
        second, (copied_again, unmodified) = timed(_collectstatic)
        check(
            copied_again == 0 and (unmodified == p["count"] or not self.counts_unmodified),
            f"second run copied {copied_again}, left {unmodified} unmodified",
        )
        return [
            result(f"{p['row']}_first", first, p["count"]),
            result(f"{p['row']}_second", second, p["count"]),
        ]

    # ------------------------------------------------------------------ scaling

    def bench_scaling_threads(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from django.core.files.base import ContentFile

        data = payload(p["size"])
        rows = []
        for threads in p["threads"]:
            prefix = f"{p['prefix']}/t{threads}"
            seconds = run_threads(
                threads,
                p["count"],
                lambda i, prefix=prefix: self.private.save(
                    f"{prefix}/f{i:05d}.bin", ContentFile(data)
                ),
            )
            rows.append(result(f"scaling_save_4k_t{threads}", seconds, p["count"]))
        return rows

    def bench_scaling_size(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        from django.core.files import File

        rows = []
        for mib, source in p["sources"]:
            name = f"{p['prefix']}/s{mib}.bin"

            def save(source: str = source, name: str = name) -> str:
                with open(source, "rb") as fh:  # noqa: PTH123
                    return str(self.private.save(name, File(fh, name=name)))

            seconds, saved = timed(save)
            check(saved == name, f"saved as {saved!r}")
            rows.append(result(f"scaling_save_{mib}m", seconds, mib))
        return rows


def _python_version() -> str:
    import platform

    return platform.python_version()
