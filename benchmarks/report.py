"""Turn the measurements into the Markdown table, the target checks and ``RESULTS.md``."""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.peers import Contender
from benchmarks.plan import per_mib, row_unit

KIB_PER_MIB = 1024
KEEP_MARKER = "<!-- Hand-written notes below this line are kept when the file is regenerated. -->"
# Issue 17's goals.
SMALL_OBJECT_ROWS = ("save_4k", "open_read_4k", "exists_hit", "exists_miss", "size")
URL_RATE_TARGETS = (
    ("url_private", 150_000),
    ("url_public", 1_000_000),
    ("url_download_name", 50_000),
)


@dataclass
class Measurements:
    """Every sample of every (row, contender), in the order rows were first seen."""

    rows: list[str] = field(default_factory=list)
    samples: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    def add(self, contender: str, result: dict[str, Any]) -> None:
        row = result["row"]
        if row not in self.rows:
            self.rows.append(row)
        self.samples.setdefault((row, contender), []).append(result)

    def error(self, contender: str, message: str) -> None:
        self.errors.setdefault(contender, []).append(message)

    def seconds_per_op(self, row: str, contender: str) -> float | None:
        """Median over rounds of seconds per operation (per MiB for large transfers)."""
        samples = self.samples.get((row, contender))
        if not samples:
            return None
        return statistics.median(s["seconds"] / max(s["ops"], 1) for s in samples)

    def median_seconds(self, row: str, contender: str) -> float | None:
        samples = self.samples.get((row, contender))
        return statistics.median(s["seconds"] for s in samples) if samples else None

    def rss_growth_mib(self, row: str, contender: str) -> float | None:
        """The largest peak-RSS growth seen over the rounds, in MiB."""
        samples = self.samples.get((row, contender)) or []
        growths = [s["rss_growth_kib"] for s in samples if "rss_growth_kib" in s]
        return max(growths) / KIB_PER_MIB if growths else None

    def requests(self, row: str, contender: str) -> int | None:
        """The most HTTP requests one operation of the row sent, over the rounds."""
        samples = self.samples.get((row, contender)) or []
        counts = [s["requests"] for s in samples if "requests" in s]
        return max(counts) if counts else None

    def spread(self, row: str, contender: str) -> float | None:
        """Half the range of the per-operation times over the rounds, relative to the median."""
        samples = self.samples.get((row, contender)) or []
        if len(samples) < 2:
            return None
        times = [s["seconds"] / max(s["ops"], 1) for s in samples]
        return (max(times) - min(times)) / 2 / statistics.median(times)

    def cpu_per_op(self, row: str, contender: str) -> float | None:
        """Median over rounds of the client process's CPU seconds per operation."""
        samples = [
            s for s in self.samples.get((row, contender)) or [] if s.get("cpu_seconds") is not None
        ]
        if not samples:
            return None
        return statistics.median(s["cpu_seconds"] / max(s["ops"], 1) for s in samples)

    def cpu_ratio(self, row: str, contender: str, baseline: str = "raw") -> float | None:
        """CPU time per operation relative to ``baseline``, paired by round like ``ratio``."""
        mine = {s.get("round"): s for s in self.samples.get((row, contender)) or []}
        theirs = {s.get("round"): s for s in self.samples.get((row, baseline)) or []}
        pairs = [
            (mine[r]["cpu_seconds"] / max(mine[r]["ops"], 1))
            / (theirs[r]["cpu_seconds"] / max(theirs[r]["ops"], 1))
            for r in mine.keys() & theirs.keys()
            if r is not None
            and mine[r].get("cpu_seconds") is not None
            and theirs[r].get("cpu_seconds")
        ]
        return statistics.median(pairs) if pairs else None

    def rounds(self, row: str, contender: str) -> int:
        return len(self.samples.get((row, contender)) or [])

    def ratio(self, row: str, contender: str, baseline: str = "raw") -> float | None:
        """Time relative to ``baseline`` (1.00 = as fast; lower is better).

        Paired by round: the median of this round's time over the baseline's time in the same
        round. The server shares the machine and its speed drifts from round to round; a
        drift slows both sides of a pair alike, so it cancels out.
        """
        mine = {s.get("round"): s for s in self.samples.get((row, contender)) or []}
        theirs = {s.get("round"): s for s in self.samples.get((row, baseline)) or []}
        pairs = [
            (mine[r]["seconds"] / max(mine[r]["ops"], 1))
            / (theirs[r]["seconds"] / max(theirs[r]["ops"], 1))
            for r in mine.keys() & theirs.keys()
            if r is not None and theirs[r]["seconds"] > 0
        ]
        if pairs:
            return statistics.median(pairs)
        ours, base = self.seconds_per_op(row, contender), self.seconds_per_op(row, baseline)
        if ours is None or base is None or base == 0:
            return None
        return ours / base


def _value(m: Measurements, row: str, contender: str) -> str | None:
    per_op = m.seconds_per_op(row, contender)
    if per_op is None:
        return None
    unit = row_unit(row)
    if unit == "calls/s":
        return f"{1 / per_op:,.0f}/s"
    if unit == "ms/MiB":
        return f"{per_op * 1000:.2f} ms/MiB"
    seconds = m.median_seconds(row, contender) or 0.0
    return f"{seconds:.3f} s" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def cell(m: Measurements, row: str, contender: str) -> str:
    value = _value(m, row, contender)
    if value is None:
        return "error" if contender in m.errors else "-"
    parts = [value]
    ratio = m.ratio(row, contender)
    if ratio is not None and contender != "raw":
        parts.append(f"{ratio:.2f}x")
    spread = m.spread(row, contender)
    if spread is not None:
        parts.append(f"±{spread * 100:.0f}%")
    growth = m.rss_growth_mib(row, contender)
    if growth is not None:
        parts.append(f"RSS +{growth:.0f} MiB")
    requests = m.requests(row, contender)
    if requests is not None:
        parts.append(f"{requests} requests")
    return " · ".join(parts)


def table(m: Measurements, contenders: Sequence[Contender]) -> str:
    header = "| workload | " + " | ".join(c.title for c in contenders) + " |"
    rule = "|---|" + "---|" * len(contenders)
    lines = [header, rule]
    for row in m.rows:
        cells = [cell(m, row, c.key) for c in contenders]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu_cell(m: Measurements, row: str, contender: str) -> str:
    per_op = m.cpu_per_op(row, contender)
    if per_op is None:
        return "-"
    if per_mib(row):
        text = f"{per_op * 1000:.2f} ms/MiB"
    elif per_op >= 0.01:
        text = f"{per_op:.3f} s"
    elif per_op >= 1e-5:
        text = f"{per_op * 1e6:,.0f} µs"
    else:
        text = f"{per_op * 1e6:.2f} µs"
    raw = m.cpu_per_op(row, "raw")
    if contender != "raw" and raw:
        text += f" · {per_op / raw:.2f}x"
    return text


def cpu_table(m: Measurements, contenders: Sequence[Contender]) -> str:
    """Client CPU time per operation: each contender's own overhead, without the server's."""
    header = "| workload (CPU per op) | " + " | ".join(c.title for c in contenders) + " |"
    lines = [header, "|---|" + "---|" * len(contenders)]
    for row in m.rows:
        cells = [_cpu_cell(m, row, c.key) for c in contenders]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _check(ok: bool | None, text: str) -> str:
    mark = "n/a " if ok is None else ("PASS" if ok else "MISS")
    return f"- {mark} {text}"


def targets(m: Measurements, contenders: Sequence[Contender]) -> list[str]:
    """The issue's targets for this package, each marked PASS, MISS or n/a."""
    lines = []
    for row in SMALL_OBJECT_ROWS:
        ratio = m.ratio(row, "ours")
        text = f"{row}: <= 1.05x raw SDK" + (f" (got {ratio:.3f}x)" if ratio else "")
        lines.append(_check(None if ratio is None else ratio <= 1.05, text))
        cpu = m.cpu_ratio(row, "ours")
        text = f"{row}: CPU <= 1.05x raw SDK" + (f" (got {cpu:.3f}x)" if cpu else "")
        lines.append(_check(None if cpu is None else cpu <= 1.05, text))
    for row, floor in URL_RATE_TARGETS:
        per_op = m.seconds_per_op(row, "ours")
        rate = 1 / per_op if per_op else None
        text = f"{row}: >= {floor:,} calls/s" + (f" (got {rate:,.0f})" if rate else "")
        lines.append(_check(None if rate is None else rate >= floor, text))
    for row, limit, cpu_limit in (
        ("save_256m", 1.0, None),
        ("scaling_save_128m", 1.0, None),
        ("open_read_256m", 1.05, 1.3),
    ):
        growth, ratio = m.rss_growth_mib(row, "ours"), m.ratio(row, "ours")
        if growth is not None:
            text = f"{row}: peak RSS growth < 64 MiB (got {growth:.0f} MiB)"
            lines.append(_check(growth < 64, text))
        if ratio is not None:
            text = f"{row}: <= {limit:.2f}x raw SDK's time (got {ratio:.3f}x)"
            lines.append(_check(ratio <= limit, text))
        cpu = m.cpu_ratio(row, "ours")
        if cpu_limit is not None and cpu is not None:
            text = f"{row}: CPU <= {cpu_limit:.2f}x raw SDK's (got {cpu:.3f}x)"
            lines.append(_check(cpu <= cpu_limit, text))
    ours_requests = m.requests("xlsx_read", "ours")
    storages_requests = m.requests("xlsx_read", "storages")
    if ours_requests is not None and storages_requests is not None:
        text = (
            f"xlsx_read: no more requests than django-storages "
            f"(got {ours_requests}, django-storages {storages_requests})"
        )
        lines.append(_check(ours_requests <= storages_requests, text))
    threads = m.ratio("scaling_save_4k_t8", "ours")
    if threads is not None:
        text = f"scaling_save_4k_t8: >= raw SDK's throughput (got {threads:.3f}x its time)"
        lines.append(_check(threads <= 1.0, text))
    first = m.median_seconds("collectstatic_500_first", "ours")
    second = m.median_seconds("collectstatic_500_second", "ours")
    if first and second:
        text = f"collectstatic_500: second run >= 5x faster than first (got {first / second:.1f}x)"
        lines.append(_check(first / second >= 5, text))
    peers = [c for c in contenders if c.key not in {"raw", "ours"}]
    behind = []
    for row in m.rows:
        ours = m.seconds_per_op(row, "ours")
        if ours is None:
            continue
        for peer in peers:
            ratio = m.ratio(row, "ours", baseline=peer.key)
            if ratio is not None and ratio > 1:
                behind.append(f"{row} (behind {peer.title}: {ratio:.2f}x its time)")
    if peers:
        lines.append(_check(not behind, "ahead of every peer on every workload"))
        lines.extend(f"    - {entry}" for entry in behind)
    return lines


def markdown(
    m: Measurements,
    contenders: Sequence[Contender],
    machine: Mapping[str, str],
    versions: Mapping[str, Mapping[str, str]],
    unavailable: Mapping[str, str],
    settings: Mapping[str, str],
    kept_notes: str = "",
    charts: Sequence[tuple[str, str]] | str = (),
) -> str:
    """The report; ``charts``: (title, path relative to the report) pairs, or a note saying
    why there are none."""
    out = ["# Benchmark results", ""]
    out.append(
        "Generated by `make bench` (`python -m benchmarks.run`); see `benchmarks/README.md`."
    )
    out += ["", "## Machine", ""]
    out += [f"- {key}: {value}" for key, value in machine.items()]
    out += ["", "## Run", ""]
    out += [f"- {key}: {value}" for key, value in settings.items()]
    out += ["", "## Versions", ""]
    titles = {c.key: c.title for c in contenders}
    for key, info in versions.items():
        joined = ", ".join(f"{name} {version}" for name, version in info.items())
        out.append(f"- {titles.get(key, key)}: {joined}")
    for key, reason in unavailable.items():
        out.append(f"- {titles.get(key, key)}: not measured ({reason})")
    out += [
        "",
        "## Results",
        "",
        "Median over rounds; `Nx` is the time relative to the raw SDK doing the same work,"
        " the median of the per-round ratios (lower is better; for calls/s rows, the raw rate"
        " divided by this rate);"
        " `±N%` is half the range over the rounds, relative to the median (the noise);"
        " `RSS +N MiB` is the largest growth of the worker's peak RSS over the rounds"
        " (fresh process per measurement).",
        "",
        table(m, contenders),
        "",
        "## Client CPU time per operation",
        "",
        "The worker process's CPU time (all its threads) per operation, median over rounds:"
        " what each library costs on the client, without the server's time and its noise."
        " Per-operation (the large transfers: per MiB); `Nx` relative to the raw SDK.",
        "",
        cpu_table(m, contenders),
        "",
        "## Targets for this package",
        "",
        *targets(m, contenders),
    ]
    out += ["", "## Charts", ""]
    if isinstance(charts, str):
        out.append(charts)
    else:
        for title, path in charts:
            out += [f"![{title}]({path})", ""]
        if out[-1] == "":
            out.pop()
    if m.errors:
        out += ["", "## Errors", ""]
        for key, messages in m.errors.items():
            out += [f"- {titles.get(key, key)}: {message}" for message in messages]
    out += ["", KEEP_MARKER]
    if kept_notes:
        out.append(kept_notes.rstrip())
    return "\n".join(out) + "\n"


def kept_notes(existing: str) -> str:
    """The hand-written part of an existing ``RESULTS.md`` (after the marker)."""
    _, marker, rest = existing.partition(KEEP_MARKER)
    return rest.strip("\n") if marker else ""
