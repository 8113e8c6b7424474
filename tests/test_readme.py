"""The README's reference tables match the code, so the documentation cannot drift."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

import attrs

from django_minio_backend import checks
from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.sources import FLAT_SETTINGS
from django_minio_backend.storage.options import STORAGE_OPTIONS

README = Path(__file__).resolve().parent.parent / "README.md"


def table(marker: str) -> list[list[str]]:
    """The body rows of the table between ``<!-- marker:start -->`` and ``<!-- marker:end -->``."""
    text = README.read_text()
    match = re.search(rf"<!-- {marker}:start -->\n(.*?)<!-- {marker}:end -->", text, re.S)
    assert match, f"README has no {marker} table"
    lines = [line.strip() for line in match.group(1).splitlines() if line.strip()]
    rows = [
        [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        for line in lines[2:]  # after the header and the |---| line
    ]
    assert rows and all(len(row) == len(rows[0]) for row in rows), marker
    return rows


def code(value: str) -> str:
    return f"`{value}`"


def shown_default(value: Any) -> str:
    """How the README writes a field's default: the Python literal, in backticks."""
    return code(repr(value).removeprefix("datetime."))


def test_every_profile_field_with_its_type_and_default() -> None:
    rows = table("profile-fields")
    fields: list[attrs.Attribute[Any]] = list(attrs.fields(MinioProfile))
    annotations = inspect.get_annotations(MinioProfile)  # as written in the source
    assert [row[0] for row in rows] == [code(field.name) for field in fields]
    for row, field in zip(rows, fields, strict=True):
        _name, type_cell, default_cell, meaning = row
        assert type_cell == code(annotations[field.name]), field.name
        if field.default is attrs.NOTHING:
            assert default_cell == "required", field.name
        else:
            assert default_cell.split(" ")[0] == shown_default(field.default), field.name
        assert meaning.endswith("."), field.name


def test_defaults_are_shown_as_python_literals() -> None:
    # The rendering the table test relies on, for the kinds of defaults the profile has.
    profile = MinioProfile(endpoint="h", access_key="a", secret_key="s")
    assert shown_default(profile.url_expiry) == "`timedelta(days=7)`"
    assert shown_default(profile.region) == "`'us-east-1'`"
    assert shown_default(profile.private_buckets) == "`()`"


def test_every_storage_option() -> None:
    assert [row[0] for row in table("storage-options")] == [code(o) for o in STORAGE_OPTIONS]


def test_flat_settings_migration_table() -> None:
    rows = table("flat-settings")
    documented = {row[0]: row[1].split(" ")[0] for row in rows}
    assert documented == {code(key): code(field) for key, field in FLAT_SETTINGS.items()}


def test_every_check_id() -> None:
    assert checks.__doc__
    in_code = re.findall(r"^([EW]\d{3})  ", checks.__doc__, re.M)
    readme = re.findall(r"^\| ([EW]\d{3}) \|", README.read_text(), re.M)
    assert in_code and readme == in_code


def test_quick_start_comes_first_with_the_two_commands() -> None:
    text = README.read_text()
    first_section = text.split("\n## ")[1]
    assert first_section.startswith("Quick start")
    commands = re.findall(r"^make \w+", first_section, re.M)
    assert commands == ["make demo", "make test"]
