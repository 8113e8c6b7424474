"""Charts for ``RESULTS.md``: per group of workloads, each contender's time relative to the raw SDK.

matplotlib is a benchmark-only dependency (the ``bench`` extra); without it the report is
written without charts and says how to get them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from benchmarks.peers import Contender
from benchmarks.report import Measurements

# (file stem, title, rows): a row is drawn when it was measured.
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "small-objects",
        "Small objects (4 KiB)",
        ("save_4k", "open_read_4k", "exists_hit", "exists_miss", "size"),
    ),
    ("urls", "url()", ("url_private", "url_public", "url_download_name")),
    ("listing", "listdir()", ("listdir_2k", "listdir_20k")),
    (
        "large-objects",
        "Large objects",
        (
            "save_256m",
            "open_read_256m",
            "scaling_save_16m",
            "scaling_save_64m",
            "scaling_save_128m",
            "scaling_save_256m",
        ),
    ),
    (
        "collectstatic",
        "collectstatic, 500 files",
        ("collectstatic_500_first", "collectstatic_500_second"),
    ),
    (
        "threads",
        "save_4k on threads",
        ("scaling_save_4k_t1", "scaling_save_4k_t2", "scaling_save_4k_t4", "scaling_save_4k_t8"),
    ),
)
MISSING_MATPLOTLIB = (
    "Charts need matplotlib: `.venv/bin/pip install -e '.[bench]'`, then"
    " `python -m benchmarks.run --report-only`."
)


def write_charts(
    m: Measurements, contenders: Sequence[Contender], folder: Path
) -> list[tuple[str, str]] | None:
    """Draw one SVG per group into ``folder``; return (title, file name) pairs, or None when
    matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    plt.rcParams["svg.hashsalt"] = "django-minio-backend"  # the same chart, the same file
    plt.rcParams["svg.fonttype"] = "none"  # text stays text: small, diffable files
    shown = [c for c in contenders if c.key != "raw"]
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for stem, title, group_rows in GROUPS:
        rows = [row for row in group_rows if m.samples.get((row, "raw"))]
        if not rows:
            continue
        figure, axes = plt.subplots(figsize=(8, 0.5 + 0.45 * len(rows) * max(len(shown), 1)))
        height = 0.8 / max(len(shown), 1)
        for index, contender in enumerate(shown):
            ratios = [m.ratio(row, contender.key) or 0.0 for row in rows]
            positions = [r + index * height for r in range(len(rows))]
            bars = axes.barh(positions, ratios, height=height, label=contender.title)
            axes.bar_label(
                bars, labels=[f"{x:.2f}x" if x else "n/a" for x in ratios], fontsize=7, padding=2
            )
        axes.set_yticks([r + height * (len(shown) - 1) / 2 for r in range(len(rows))], rows)
        axes.invert_yaxis()
        axes.axvline(1.0, color="black", linewidth=0.8)
        axes.set_xscale("log")
        axes.set_xlabel("time relative to the raw minio SDK (log scale; lower is better)")
        axes.set_title(title)
        axes.legend(fontsize=7, loc="best")
        figure.tight_layout()
        name = f"{stem}.svg"
        figure.savefig(folder / name, format="svg", metadata={"Date": None})
        plt.close(figure)
        written.append((title, name))
    return written
