"""The README's table of profile fields, rendered from the field specs of ``MinioProfile``.

``tests/profiles/test_reference.py`` compares it with README.md and prints it when they differ.
"""

from __future__ import annotations

import inspect
from typing import Any

import attrs

from django_minio_backend.profiles.model import FIELD_SPECS, MinioProfile
from django_minio_backend.profiles.rules import human_size

__all__ = ["profile_fields_table"]


def _code(text: str) -> str:
    return f"`{text}`"


def _default(field: attrs.Attribute[Any]) -> str:
    spec = FIELD_SPECS[field.name]
    if field.default is attrs.NOTHING:
        return "required"
    shown = _code(repr(field.default).removeprefix("datetime."))
    if spec.follows is not None:
        return f"{shown} (= {_code(spec.follows)})"
    if spec.size and isinstance(field.default, int):
        return f"{shown} ({human_size(field.default)})"
    return shown


def profile_fields_table() -> str:
    """The markdown table ``| field | type | default | meaning |``, one row per field, in order."""
    annotations = inspect.get_annotations(MinioProfile)  # as written in the source
    lines = ["| field | type | default | meaning |", "|---|---|---|---|"]
    for field in attrs.fields(MinioProfile):
        cells = (
            _code(field.name),
            _code(annotations[field.name]),
            _default(field),
            FIELD_SPECS[field.name].doc,
        )
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"
