"""Contender: plain ``minio`` SDK calls doing the same work, the floor for any storage's overhead.

Each workload makes the fewest requests that do the job: one PUT per save (names are unique,
so no existence check), one GET per read, one HEAD per exists/size, one listing per listdir,
and for ``collectstatic`` one HEAD per file (plus a PUT when it is missing or older).
"""

from __future__ import annotations

import datetime
import mimetypes
import os
import platform
import sys
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import (
    MIB,
    SMALL_SIZE,
    check,
    download_disposition,
    memory_probe,
    missing_name,
    payload,
    read_stream,
    read_workbook,
    requests_sent,
    result,
    run_threads,
    serve,
    small_name,
    timed,
)

PART_SIZE = 16 * MIB  # the same multipart part size as this package's default
URL_EXPIRY = datetime.timedelta(days=7)


class RawMinio:
    def setup(self, config: dict[str, Any]) -> None:
        from minio import Minio

        self.config = config
        self.client = Minio(
            endpoint=config["endpoint"],
            access_key=config["access_key"],
            secret_key=config["secret_key"],
            secure=False,
            region=config["region"],
        )
        self.private = config["private_bucket"]
        self.public = config["public_bucket"]
        self.static = config["static_bucket"]
        self.base_url = f"http://{config['endpoint']}"

    def versions(self) -> dict[str, str]:
        return {"python": platform.python_version(), "minio": metadata.version("minio")}

    # ------------------------------------------------------------------ helpers

    def _put(self, bucket: str, name: str, data: bytes) -> None:
        import io

        self.client.put_object(
            bucket_name=bucket,
            object_name=name,
            data=io.BytesIO(data),
            length=len(data),
            content_type="application/octet-stream",
        )

    def _stat(self, bucket: str, name: str) -> Any:
        """The object's stat, or None when it does not exist."""
        from minio.error import S3Error

        try:
            return self.client.stat_object(bucket_name=bucket, object_name=name)
        except S3Error as error:
            if error.code in {"NoSuchKey", "NoSuchObject"}:
                return None
            raise

    def _get_bytes(self, bucket: str, name: str) -> bytes:
        response = self.client.get_object(bucket_name=bucket, object_name=name)
        try:
            return bytes(response.read())
        finally:
            response.close()
            response.release_conn()

    # ------------------------------------------------------------------ small objects

    def bench_save_4k(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        data = payload(p["size"])
        names = [f"{p['prefix']}/f{i:05d}.bin" for i in range(p["count"])]
        seconds, _ = timed(lambda: [self._put(self.private, n, data) for n in names])
        return [result(p.get("row", "save_4k"), seconds, len(names))]

    def bench_open_read_4k(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, blobs = timed(
            lambda: [len(self._get_bytes(self.private, small_name(i))) for i in range(p["count"])]
        )
        check(set(blobs) == {SMALL_SIZE}, f"read sizes {set(blobs)}")
        return [result("open_read_4k", seconds, p["count"])]

    def bench_exists_hit(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, found = timed(
            lambda: [self._stat(self.private, small_name(i)) is not None for i in range(p["count"])]
        )
        check(all(found), "stat missed an existing object")
        return [result("exists_hit", seconds, p["count"])]

    def bench_exists_miss(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, found = timed(
            lambda: [
                self._stat(self.private, missing_name(i)) is not None for i in range(p["count"])
            ]
        )
        check(not any(found), "stat found a missing object")
        return [result("exists_miss", seconds, p["count"])]

    def bench_size(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        seconds, sizes = timed(
            lambda: [
                self.client.stat_object(bucket_name=self.private, object_name=small_name(i)).size
                for i in range(p["count"])
            ]
        )
        check(set(sizes) == {SMALL_SIZE}, f"sizes {set(sizes)}")
        return [result("size", seconds, p["count"])]

    def bench_url_private(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        names = [small_name(i % p["distinct"]) for i in range(p["count"])]
        presign = self.client.presigned_get_object
        seconds, urls = timed(lambda: [presign(self.private, n, expires=URL_EXPIRY) for n in names])
        check("X-Amz-Signature=" in urls[-1], f"unsigned url {urls[-1]!r}")
        return [result("url_private", seconds, len(names))]

    def bench_url_download_name(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        indexes = [i % p["distinct"] for i in range(p["count"])]
        pairs = [(small_name(i), i) for i in indexes]
        presign = self.client.presigned_get_object

        def sign(name: str, index: int) -> str:
            headers = {"response-content-disposition": download_disposition(index)}
            return presign(self.private, name, expires=URL_EXPIRY, response_headers=headers)

        seconds, urls = timed(lambda: [sign(n, i) for n, i in pairs])
        check("response-content-disposition=" in urls[-1], f"url {urls[-1]!r}")
        return [result("url_download_name", seconds, len(pairs))]

    def bench_url_public(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        names = [small_name(i % p["distinct"]) for i in range(p["count"])]
        prefix = f"{self.base_url}/{self.public}/"
        seconds, urls = timed(lambda: [prefix + quote(n) for n in names])
        check(urls[-1].endswith(names[-1]), f"url {urls[-1]!r}")
        return [result("url_public", seconds, len(names))]

    def bench_listdir(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        prefix = p["path"].strip("/") + "/"

        def listdir() -> tuple[list[str], list[str]]:
            dirs, files = [], []
            for obj in self.client.list_objects(bucket_name=self.private, prefix=prefix):
                relative = obj.object_name[len(prefix) :]
                if obj.is_dir:
                    dirs.append(relative.rstrip("/"))
                elif relative:
                    files.append(relative)
            return dirs, files

        seconds, (_, files) = timed(listdir)
        check(len(files) == p["expect"], f"listed {len(files)} files, not {p['expect']}")
        return [result(p["row"], seconds, 1)]

    # ------------------------------------------------------------------ large objects

    def _put_file(self, name: str, source: str, size: int) -> None:
        with Path(source).open("rb") as fh:
            self.client.put_object(
                bucket_name=self.private,
                object_name=name,
                data=fh,
                length=size,
                content_type="application/octet-stream",
                part_size=PART_SIZE,
            )

    def bench_save_big(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self._stat(self.private, small_name(0))  # warm up the connection pool
        seconds, _, growth, peak = memory_probe(
            lambda: self._put_file(p["name"], p["source"], p["size"])
        )
        check(
            self.client.stat_object(bucket_name=self.private, object_name=p["name"]).size
            == p["size"],
            "size differs",
        )
        return [result(p["row"], seconds, p["size"] // MIB, rss_growth_kib=growth, rss_kib=peak)]

    def bench_open_read_big(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self._stat(self.private, small_name(0))

        def read() -> int:
            response = self.client.get_object(bucket_name=self.private, object_name=p["name"])
            try:
                return read_stream(response)
            finally:
                response.close()
                response.release_conn()

        seconds, total, growth, peak = memory_probe(read)
        check(total == p["size"], f"read {total} bytes, not {p['size']}")
        return [result(p["row"], seconds, p["size"] // MIB, rss_growth_kib=growth, rss_kib=peak)]

    def bench_xlsx_read(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """One GET of the whole workbook into memory, then openpyxl: the fewest requests."""
        import io

        def load() -> int:
            response = self.client.get_object(bucket_name=self.private, object_name=p["name"])
            try:
                return read_workbook(io.BytesIO(response.read()))
            finally:
                response.close()
                response.release_conn()

        before = requests_sent()
        seconds, cells = timed(load)
        requests = requests_sent() - before
        check(cells == p["rows"] * 2 * 4, f"read {cells} cells")
        return [result("xlsx_read", seconds, 1, requests=requests)]

    # ------------------------------------------------------------------ collectstatic

    def _collect(self) -> tuple[int, int]:
        """The requests ``collectstatic`` needs: HEAD each target, PUT the missing/stale ones."""
        root = Path(self.config["static_dir"])
        copied = unmodified = 0
        for dirpath, _, filenames in os.walk(root):
            for filename in filenames:
                path = Path(dirpath) / filename
                key = path.relative_to(root).as_posix()
                stat = self._stat(self.static, key)
                if stat is not None and stat.last_modified.timestamp() >= path.stat().st_mtime:
                    unmodified += 1
                    continue
                content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
                self.client.fput_object(
                    bucket_name=self.static,
                    object_name=key,
                    file_path=str(path),
                    content_type=content_type,
                )
                copied += 1
        return copied, unmodified

    def bench_collectstatic(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        first, (copied, _) = timed(self._collect)
        check(copied == p["count"], f"first run copied {copied}")
        second, (copied_again, unmodified) = timed(self._collect)
        check(copied_again == 0 and unmodified == p["count"], "second run copied again")
        return [
            result(f"{p['row']}_first", first, p["count"]),
            result(f"{p['row']}_second", second, p["count"]),
        ]

    # ------------------------------------------------------------------ scaling

    def bench_scaling_threads(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        data = payload(p["size"])
        rows = []
        for threads in p["threads"]:
            prefix = f"{p['prefix']}/t{threads}"
            seconds = run_threads(
                threads,
                p["count"],
                lambda i, prefix=prefix: self._put(self.private, f"{prefix}/f{i:05d}.bin", data),
            )
            rows.append(result(f"scaling_save_4k_t{threads}", seconds, p["count"]))
        return rows

    def bench_scaling_size(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for mib, source in p["sources"]:
            name = f"{p['prefix']}/s{mib}.bin"
            seconds, _ = timed(
                lambda name=name, source=source, mib=mib: self._put_file(name, source, mib * MIB)
            )
            rows.append(result(f"scaling_save_{mib}m", seconds, mib))
        return rows


if __name__ == "__main__":
    sys.exit(serve(RawMinio()))
