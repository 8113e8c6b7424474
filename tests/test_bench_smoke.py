"""The benchmark harness in smoke mode (tiny counts), so that ``make bench`` never rots."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from benchmarks import plan

REPO = Path(__file__).resolve().parent.parent
COLUMNS = ("raw minio SDK", "this package")


def _table(output: str) -> dict[str, dict[str, str]]:
    """The first Markdown table in ``output`` (the timings) as {row: {column title: cell}}."""
    text = output[output.index("\n| ") :]
    lines = text.strip().split("\n\n")[0].splitlines()
    lines = [line for line in lines if line.startswith("| ")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[1:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[cells[0]] = dict(zip(header[1:], cells[1:], strict=True))
    return rows


def test_smoke_mode_measures_every_workload_for_raw_sdk_and_this_package() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    table = _table(done.stdout)
    expected = [row for w in plan.WORKLOADS for row in w.rows(plan.SMOKE)]
    assert list(table) == expected
    for row in expected:
        for column in COLUMNS:
            cell = table[row][column]
            assert cell[:1].isdigit(), f"{row} / {column}: {cell!r}"
        # This package's cells carry the ratio to the raw SDK.
        assert re.search(r" \d+\.\d\dx", table[row]["this package"]), row
    # Peak RSS is measured for the large transfers.
    assert "RSS +" in table["save_256m"]["this package"]
    assert "RSS +" in table["open_read_256m"]["raw minio SDK"]
