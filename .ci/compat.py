"""Prove the declared ranges at their ends: minio 7.2.8 / 7.2.19 / newest 7.x, Django 4.2 / 5.2,
Python 3.11 / 3.13. Each combination gets its own virtual environment under .venv-compat/ and runs
the server tests that exercise the SDK and Django's file API (the whole suite runs in .venv).

The combinations run at the same time (each starts its own S3 server; the tests mostly wait on
the network), each into its own log under .venv-compat/; the log of a failed one is printed.

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
# minio 7.2.19 made SDK arguments keyword-only and renamed some; 7.2.20 returned to the old API.
COMBINATIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "py311-minio728-django42": ("3.11", ("minio==7.2.8", "Django>=4.2,<4.3")),
    "py313-minio7219-django52": ("3.13", ("minio==7.2.19", "Django>=5.2,<5.3")),
    "py313-minio7latest-django42": ("3.13", ("minio>=7.2.20,<8", "Django>=4.2,<4.3")),
}
TESTS = (
    "tests/storage/test_backend.py",
    "tests/s3/test_uploads.py",
    "tests/s3/test_sdk_requests.py",
    "tests/s3/test_fast_client.py",
    "tests/s3/test_object_reader.py",
    "tests/s3/test_buckets.py",
    "tests/s3/test_credentials.py",
    "tests/s3/test_encryption.py",
    "tests/administration/test_bucket_setup.py",
    "tests/storage/test_static.py",
    "tests/test_seed_compat.py",
    "tests/test_secrets.py",
    "tests/test_upstream_projects.py",
)
# What the tests above need beyond the test extra (the 4.x project's models use Pillow).
EXTRA_PINS = ("Pillow>=10",)


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


def script(name: str) -> str:
    """The shell commands of one combination: (re)build its venv when the pins changed, run."""
    version, pins = COMBINATIONS[name]
    venv = VENVS / name
    stamp = venv / ".installed"
    wanted = "\n".join((*pins, *EXTRA_PINS, (ROOT / "pyproject.toml").read_text()))
    python = venv / "bin" / "python"
    steps = []
    if not stamp.exists() or stamp.read_text() != wanted:
        shutil.rmtree(venv, ignore_errors=True)
        venv.parent.mkdir(exist_ok=True)
        (VENVS / f"{name}.wanted").write_text(wanted)
        quoted_pins = " ".join(f"'{pin}'" for pin in (*pins, *EXTRA_PINS))
        steps += [
            f"'{interpreter(version)}' -m venv '{venv}'",
            f"'{python}' -m pip install --quiet --disable-pip-version-check "
            f"-e '{ROOT}[test]' {quoted_pins}",
            f"cp '{VENVS / f'{name}.wanted'}' '{stamp}'",
        ]
    steps += [
        f"'{python}' -c \"import sys, django, minio; print('Python', sys.version.split()[0], "
        "'Django', django.__version__, 'minio', minio.__version__)\"",
        f"'{python}' -m pytest -q -p no:cacheprovider " + " ".join(TESTS),
    ]
    return " && ".join(steps)


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in COMBINATIONS]
    if unknown:
        print(f"compat: unknown combination {unknown}; known: {', '.join(COMBINATIONS)}")
        return 2
    started = time.monotonic()
    VENVS.mkdir(exist_ok=True)
    running = {}
    for name in names or COMBINATIONS:
        log = (VENVS / f"{name}.log").open("w")
        running[name] = (
            subprocess.Popen(
                ["bash", "-c", script(name)],
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    failed = []
    for name, (process, log) in running.items():
        process.wait()
        log.close()
        text = (VENVS / f"{name}.log").read_text()
        lines = [line for line in text.splitlines() if not line.startswith("WARNING: Location")]
        versions = next((line for line in lines if line.startswith("Python ")), "?")
        outcome = "passed" if process.returncode == 0 else "FAILED"
        print(f"compat {name}: {versions}: {outcome}", flush=True)
        if process.returncode != 0:
            failed.append(name)
            print("\n".join(lines[-80:]), flush=True)
    print(
        f"compat: {len(running) - len(failed)} of {len(running)} passed in "
        f"{time.monotonic() - started:.0f} s"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
