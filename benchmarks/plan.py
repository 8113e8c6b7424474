"""What is measured: the workloads, the rows they report, their sizes in full and smoke mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MIB = 1024 * 1024


@dataclass(frozen=True)
class Sizes:
    """Every count and size the run uses; the smoke mode shrinks them all."""

    small_count: int  # saves / reads / stats per small-object workload
    url_calls: int
    listdir: tuple[int, int]  # objects under the listdir_2k and listdir_20k prefixes
    big: int  # bytes of save_256m / open_read_256m
    scaling_sizes_mib: tuple[int, ...]
    scaling_threads: tuple[int, ...]
    static_files: int
    xlsx_rows: int  # rows per sheet of the xlsx_read workbook (two sheets)


FULL = Sizes(
    small_count=500,
    url_calls=20_000,
    listdir=(2_000, 20_000),
    big=256 * MIB,
    scaling_sizes_mib=(1, 16, 64, 128, 256),
    scaling_threads=(1, 2, 4, 8),
    static_files=500,
    xlsx_rows=40_000,
)
SMOKE = Sizes(
    small_count=5,
    url_calls=50,
    listdir=(5, 10),
    big=2 * MIB,
    scaling_sizes_mib=(1,),
    scaling_threads=(1, 2),
    static_files=5,
    xlsx_rows=100,
)


@dataclass(frozen=True)
class Workload:
    name: str
    command: str  # the worker method: bench_<command>
    big: bool = False  # large transfer: fewer rounds
    fresh_process: bool = False  # measured in a new worker process (peak RSS)

    def rows(self, sizes: Sizes) -> tuple[str, ...]:
        if self.name == "collectstatic_500":
            return ("collectstatic_500_first", "collectstatic_500_second")
        if self.name == "scaling_threads":
            return tuple(f"scaling_save_4k_t{n}" for n in sizes.scaling_threads)
        if self.name == "scaling_size":
            return tuple(f"scaling_save_{n}m" for n in sizes.scaling_sizes_mib)
        return (self.name,)


WORKLOADS: tuple[Workload, ...] = (
    Workload("save_4k", "save_4k"),
    Workload("open_read_4k", "open_read_4k"),
    Workload("exists_hit", "exists_hit"),
    Workload("exists_miss", "exists_miss"),
    Workload("size", "size"),
    Workload("url_private", "url_private"),
    Workload("url_public", "url_public"),
    Workload("url_download_name", "url_download_name"),
    Workload("listdir_2k", "listdir"),
    Workload("listdir_20k", "listdir"),
    Workload("save_256m", "save_big", big=True, fresh_process=True),
    Workload("open_read_256m", "open_read_big", fresh_process=True),  # cheap: every round
    Workload("xlsx_read", "xlsx_read"),
    Workload("collectstatic_500", "collectstatic"),
    Workload("scaling_threads", "scaling_threads"),
    Workload("scaling_size", "scaling_size", big=True),
)
ALIASES = {"scaling": ("scaling_threads", "scaling_size"), "collectstatic": ("collectstatic_500",)}

# How each row is shown: "seconds" (lower is better), "calls/s" or "ms/MiB".
RATE_ROWS = frozenset({"url_private", "url_public", "url_download_name"})


def row_unit(row: str) -> str:
    if row in RATE_ROWS:
        return "calls/s"
    if row.startswith("scaling_save_") and row.endswith("m"):
        return "ms/MiB"
    return "s"


def per_mib(row: str) -> bool:
    """Whether the row's operation count is in MiB (large transfers)."""
    return row in {"save_256m", "open_read_256m"} or row_unit(row) == "ms/MiB"


def select(only: list[str] | None) -> tuple[Workload, ...]:
    """The workloads named by ``--only`` (names or aliases), in plan order."""
    if not only:
        return WORKLOADS
    wanted: set[str] = set()
    known = {w.name for w in WORKLOADS}
    for name in only:
        if name in ALIASES:
            wanted.update(ALIASES[name])
        elif name in known:
            wanted.add(name)
        else:
            valid = ", ".join(sorted(known | set(ALIASES)))
            raise SystemExit(f"unknown workload {name!r}; valid: {valid}")
    return tuple(w for w in WORKLOADS if w.name in wanted)


@dataclass(frozen=True)
class Paths:
    """Local files the workers read (made by the harness)."""

    static_dir: str
    sources: dict[int, str]  # MiB -> path of a source file of that size
    big_source: str


def params(workload: Workload, sizes: Sizes, paths: Paths, prefix: str) -> dict[str, Any]:
    """The parameters of one measurement; ``prefix`` is unique to (contender, round)."""
    name = workload.name
    if name == "save_4k":
        return {"prefix": prefix, "count": sizes.small_count, "size": 4096}
    if name in {"open_read_4k", "exists_hit", "exists_miss", "size"}:
        return {"count": sizes.small_count}
    if name in RATE_ROWS:
        return {"count": sizes.url_calls, "distinct": sizes.small_count}
    if name in {"listdir_2k", "listdir_20k"}:
        count = sizes.listdir[0] if name == "listdir_2k" else sizes.listdir[1]
        return {"path": listdir_path(name), "expect": count, "row": name}
    if name == "save_256m":
        return {
            "name": f"{prefix}/big.bin",
            "source": paths.big_source,
            "size": sizes.big,
            "row": name,
        }
    if name == "open_read_256m":
        return {"name": BIG_READ_NAME, "size": sizes.big, "row": name}
    if name == "collectstatic_500":
        return {"count": sizes.static_files, "row": name}
    if name == "xlsx_read":
        return {"name": XLSX_NAME, "rows": sizes.xlsx_rows}
    if name == "scaling_threads":
        return {
            "prefix": prefix,
            "count": sizes.small_count,
            "size": 4096,
            "threads": list(sizes.scaling_threads),
        }
    if name == "scaling_size":
        return {
            "prefix": prefix,
            "sources": [[mib, paths.sources[mib]] for mib in sizes.scaling_sizes_mib],
        }
    raise ValueError(f"no parameters for workload {name!r}")


BIG_READ_NAME = "big/read.bin"
XLSX_NAME = "books/workbook.xlsx"


def listdir_path(name: str) -> str:
    return f"listdir/{name.removeprefix('listdir_')}"
