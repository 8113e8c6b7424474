"""Prove the declared ranges at their ends: minio 7.2.8 / 7.2.19 / newest 7.x, Django 4.2 / 5.2,
Python 3.11 / 3.13. Each combination gets its own virtual environment under .venv-compat/ and runs
the server tests that exercise the SDK and Django's file API (the whole suite runs in .venv).

Usage: python .ci/compat.py [NAME ...]   (no name: every combination)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENVS = ROOT / ".venv-compat"

# name: (Python version, pins). Together they reach each end of each declared range once.
COMBINATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "py311-minio728-django42": ("3.11", ("minio==7.2.8", "Django>=4.2,<4.3")),
    "py313-minio7219-django52": ("3.13", ("minio==7.2.19", "Django>=5.2,<5.3")),
    "py313-minio7latest-django42": ("3.13", ("minio>=7.2.20,<8", "Django>=4.2,<4.3")),
}
TESTS = (
    "tests/test_storage.py",
    "tests/test_transfers.py",
    "tests/test_sdk_requests.py",
    "tests/test_object_reader.py",
    "tests/test_buckets.py",
    "tests/test_static.py",
    "tests/test_seed_compat.py",
    "tests/test_secrets.py",
)


def interpreter(version: str) -> str:
    """A ``pythonX.Y`` on PATH, else the newest pyenv-installed X.Y."""
    found = shutil.which(f"python{version}")
    if found and subprocess.run([found, "--version"], capture_output=True).returncode == 0:
        return found
    prefix = subprocess.run(
        ["pyenv", "prefix", version], capture_output=True, text=True, check=False
    ).stdout.strip()
    if prefix and Path(prefix, "bin", "python").exists():
        return str(Path(prefix, "bin", "python"))
    raise SystemExit(
        f"compat: no Python {version} found (install it, e.g. pyenv install {version})"
    )


def run(name: str) -> bool:
    version, pins = COMBINATIONS[name]
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".installed"
    started = time.monotonic()
    wanted = "\n".join((*pins, (ROOT / "pyproject.toml").read_text()))
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        subprocess.run([interpreter(version), "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[dev]", *pins],
            check=True,
        )
        stamp.write_text(wanted)
    versions = subprocess.run(
        [
            str(python),
            "-c",
            "import sys, django, minio; "
            "print(sys.version.split()[0], 'Django', django.__version__, "
            "'minio', minio.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    print(f"compat {name}: Python {versions}", flush=True)
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=ROOT
    )
    print(
        f"compat {name}: {'passed' if result.returncode == 0 else 'FAILED'} "
        f"in {time.monotonic() - started:.0f} s",
        flush=True,
    )
    return result.returncode == 0


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in COMBINATIONS]
    if unknown:
        print(f"compat: unknown combination {unknown}; known: {', '.join(COMBINATIONS)}")
        return 2
    failed = [name for name in names or COMBINATIONS if not run(name)]
    if failed:
        print(f"compat: FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
