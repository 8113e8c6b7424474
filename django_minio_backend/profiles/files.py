"""Profiles from TOML files, ``${VAR}`` taken from the environment so secrets stay out of files."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.parsing import try_parse_profile

__all__ = ["load_profiles"]

_VARIABLE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _expand(value: Any, environ: Mapping[str, str], missing: list[str]) -> Any:
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in environ:
                missing.append(name)
                return ""
            return environ[name]

        return _VARIABLE.sub(substitute, value)
    if isinstance(value, list):
        return [_expand(item, environ, missing) for item in value]
    if isinstance(value, dict):
        return {key: _expand(item, environ, missing) for key, item in value.items()}
    return value


def load_profiles(
    path: str | os.PathLike[str], environ: Mapping[str, str] | None = None
) -> dict[str, MinioProfile]:
    """Read the ``[name]`` tables of a TOML file into profiles.

    ``${VAR}`` in any string is replaced from ``environ`` (default: ``os.environ``). Every problem
    (a missing variable, a bad field) is reported in one ``ConfigurationError`` naming the file.
    """
    # Raised from here, where no local holds the file's content or the environment: a traceback
    # printed with its locals shows no secret.
    profiles, problems = _read_profiles(Path(path), os.environ if environ is None else environ)
    if problems:
        raise ConfigurationError.from_problems(problems)
    return profiles


def _read_profiles(
    file: Path, environ: Mapping[str, str]
) -> tuple[dict[str, MinioProfile], list[Problem]]:
    try:
        with file.open("rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return {}, [Problem(f"profile file {str(file)!r} does not exist", code="E010")]
    except tomllib.TOMLDecodeError as exc:
        return {}, [Problem(f"profile file {str(file)!r} is not valid TOML: {exc}", code="E010")]
    profiles: dict[str, MinioProfile] = {}
    problems: list[Problem] = []
    for name, table in document.items():
        if not isinstance(table, dict):
            problems.append(
                Problem(
                    f"expected a [{name}] table in {str(file)!r}, got a plain value",
                    profile=name,
                    code="E010",
                )
            )
            continue
        for field, raw in table.items():
            missing: list[str] = []
            _expand(raw, environ, missing)
            problems.extend(
                Problem(
                    f"environment variable {variable} is not set (used in {str(file)!r})",
                    profile=name,
                    setting=str(field),
                    hint=f"export {variable} before starting Django",
                    code="E010",
                )
                for variable in dict.fromkeys(missing)
            )
        missing_any: list[str] = []
        expanded = _expand(table, environ, missing_any)
        if missing_any:
            continue
        profile, found = try_parse_profile(name, expanded)
        problems.extend(found)
        if profile is not None:
            profiles[name] = profile
    return profiles, problems
