"""The contenders and the virtual environments (under ``.bench/``) that the peers run in."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO / ".bench"
CONTENDERS_DIR = Path(__file__).resolve().parent / "contenders"


@dataclass(frozen=True)
class VenvSpec:
    name: str
    requirements: tuple[str, ...]
    python: str  # "project": the interpreter running the harness; "3.12": a Python 3.12


@dataclass(frozen=True)
class Contender:
    key: str
    title: str
    script: str
    venv: VenvSpec | None  # None: the project's own .venv (the harness's interpreter)
    workloads: frozenset[str] | None = None  # None: every workload; else only these are run

    def runs(self, workload: str) -> bool:
        return self.workloads is None or workload in self.workloads

    @property
    def script_path(self) -> Path:
        return CONTENDERS_DIR / self.script


def _django_pin() -> str:
    """Every Django-based peer runs the Django version of the project's own environment."""
    import django

    return f"Django=={django.get_version()}"


OPENPYXL = "openpyxl==3.1.*"  # xlsx_read loads a workbook through every storage


def contenders() -> tuple[Contender, ...]:
    django = _django_pin()
    # collectfasta (the maintained fork of collectfast, whose last release is from 2020) runs
    # on django-storages, so it shares that contender's environment.
    storages = VenvSpec(
        "django-storages",
        (
            "django-storages[s3]==1.14.*",
            "boto3>=1.35,<2",
            "collectfasta==3.*",
            OPENPYXL,
            django,
        ),
        "project",
    )
    return (
        Contender("raw", "raw minio SDK", "raw_minio.py", None),
        Contender("ours", "this package", "ours.py", None),
        Contender("storages", "django-storages (boto3)", "django_storages_s3.py", storages),
        Contender(
            "collectfast",
            "collectfasta (django-storages)",
            "collectfast.py",
            storages,
            workloads=frozenset({"collectstatic_500"}),  # the rest would repeat "storages"
        ),
        Contender(
            "minio_storage",
            "django-minio-storage",
            "django_minio_storage.py",
            VenvSpec(
                "django-minio-storage", ("django-minio-storage==0.6.*", OPENPYXL, django), "project"
            ),
        ),
        Contender(
            "upstream",
            "upstream 4.5",
            "upstream_backend.py",
            VenvSpec("upstream-4.5", ("django-minio-backend==4.5.*", OPENPYXL, django), "3.12"),
        ),
    )


SMOKE_CONTENDERS = ("raw", "ours")


class VenvError(RuntimeError):
    """A peer's environment could not be made; the run goes on without that peer."""


def _is_python312(path: str) -> bool:
    check = "import sys; sys.exit(sys.version_info[:2] != (3, 12))"
    try:
        return subprocess.run([path, "-c", check], capture_output=True, check=False).returncode == 0
    except OSError:
        return False


def find_python312() -> str | None:
    """A working Python 3.12: ``$BENCH_PYTHON312``, a pyenv install, or ``python3.12``."""
    pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    candidates = [
        os.environ.get("BENCH_PYTHON312", ""),
        *sorted(glob.glob(f"{pyenv_root}/versions/3.12*/bin/python"), reverse=True),  # noqa: PTH207
        shutil.which("python3.12") or "",
    ]
    return next((c for c in candidates if c and _is_python312(c)), None)


def _base_python(spec: VenvSpec) -> str:
    if spec.python == "project":
        return sys.executable
    found = find_python312()
    if found is None:
        raise VenvError(
            f"{spec.name} needs Python 3.12: none found (set BENCH_PYTHON312 to its path)"
        )
    return found


def ensure_venv(spec: VenvSpec, log_dir: Path) -> str:
    """The Python of ``.bench/<name>``, created or updated with pip when needed."""
    venv = BENCH_DIR / spec.name
    python = venv / "bin" / "python"
    stamp = venv / ".bench-requirements"
    base = _base_python(spec)
    wanted = "\n".join((base, *spec.requirements))
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return str(python)
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"venv-{spec.name}.log"
    print(f"  creating {venv.relative_to(REPO)} ({', '.join(spec.requirements)}) ...", flush=True)
    with log_path.open("w") as log:
        for command in (
            [base, "-m", "venv", "--clear", str(venv)],
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *spec.requirements,
            ],
        ):
            done = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                raise VenvError(f"{' '.join(command[:4])} ... failed; see {log_path}")
    stamp.write_text(wanted)
    return str(python)


def ensure_profiler(python: str) -> str:
    """A folder holding pyinstrument for ``python`` (installed with pip --target on first use)."""
    version = subprocess.run(
        [python, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    target = BENCH_DIR / "tools" / f"py{version}"
    if not (target / "pyinstrument").is_dir():
        subprocess.run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--target",
                str(target),
                "pyinstrument",
            ],
            check=True,
        )
    return str(target)
