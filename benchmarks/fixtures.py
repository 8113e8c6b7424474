"""What the harness prepares before measuring: buckets, objects to read and list, local files."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from minio import Minio
from minio.deleteobjects import DeleteObject

from benchmarks.contenders.common import MIB, SMALL_SIZE, payload, small_name
from benchmarks.plan import BIG_READ_NAME, XLSX_NAME, Paths, Sizes, listdir_path

PRIVATE_BUCKET = "bench-private"
PUBLIC_BUCKET = "bench-public"
PART_SIZE = 16 * MIB


def static_bucket(contender_key: str) -> str:
    return "bench-static-" + contender_key.replace("_", "-")


def make_buckets(client: Minio, names: Iterable[str]) -> None:
    for name in names:
        if not client.bucket_exists(bucket_name=name):
            client.make_bucket(bucket_name=name)


def _put_many(client: Minio, bucket: str, names: list[str], data: bytes) -> None:
    def put(name: str) -> None:
        client.put_object(
            bucket_name=bucket, object_name=name, data=io.BytesIO(data), length=len(data)
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, names))


def make_objects(client: Minio, sizes: Sizes, paths: Paths) -> None:
    """The objects every contender reads, stats and lists (in the private bucket)."""
    _put_many(
        client,
        PRIVATE_BUCKET,
        [small_name(i) for i in range(sizes.small_count)],
        payload(SMALL_SIZE),
    )
    for workload, count in (("listdir_2k", sizes.listdir[0]), ("listdir_20k", sizes.listdir[1])):
        prefix = listdir_path(workload)
        _put_many(
            client, PRIVATE_BUCKET, [f"{prefix}/f{i:05d}.txt" for i in range(count)], b"listed"
        )
    client.fput_object(
        bucket_name=PRIVATE_BUCKET,
        object_name=BIG_READ_NAME,
        file_path=paths.big_source,
        part_size=PART_SIZE,
    )
    book = workbook(sizes.xlsx_rows)
    client.put_object(
        bucket_name=PRIVATE_BUCKET, object_name=XLSX_NAME, data=io.BytesIO(book), length=len(book)
    )


def workbook(rows: int) -> bytes:
    """An xlsx of two sheets of ``rows`` rows each (numbers and text), made with openpyxl."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for title in ("first", "second"):
        sheet = book.create_sheet(title)
        for row in range(rows):
            sheet.append([row, row * 1.5, f"text {row} {row * 7919 % 100_003:06d}", title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def remove_prefix(client: Minio, bucket: str, prefix: str = "") -> int:
    """Delete every object under ``prefix``; return how many."""
    names = [
        o.object_name
        for o in client.list_objects(bucket_name=bucket, prefix=prefix, recursive=True)
    ]
    objects = [DeleteObject(n) for n in names if n is not None]
    errors = list(client.remove_objects(bucket_name=bucket, delete_object_list=objects))
    if errors:
        raise RuntimeError(f"could not delete from {bucket}: {errors[:3]}")  # noqa: S608
    return len(objects)


def write_source_file(path: Path, size: int) -> None:
    """A local file of ``size`` bytes, written in 1 MiB blocks (never held in memory)."""
    block = os.urandom(MIB)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(left, MIB)])
            left -= MIB


def make_local_files(root: Path, sizes: Sizes) -> Paths:
    """Static files for collectstatic and source files for the large saves."""
    static = root / "static"
    kinds = (("css", "css"), ("js", "js"), ("img", "svg"), ("fonts", "txt"))
    for i in range(sizes.static_files):
        folder, suffix = kinds[i % len(kinds)]
        path = static / f"app{i % 10}" / folder / f"file{i:04d}.{suffix}"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(payload(1024 + (i * 37) % 4096))
    # Older than anything the server stores, so that the second collectstatic skips them all.
    day_ago = time.time() - 86400
    for path in static.rglob("*"):
        os.utime(path, (day_ago, day_ago))
    sources = {}
    for mib in sizes.scaling_sizes_mib:
        sources[mib] = str(root / f"source-{mib}m.bin")
        write_source_file(Path(sources[mib]), mib * MIB)
    big = root / "source-big.bin"
    write_source_file(big, sizes.big)
    return Paths(static_dir=str(static), sources=sources, big_source=str(big))
