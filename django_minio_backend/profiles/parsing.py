"""Turning the dict form of a profile into a ``MinioProfile``, reporting every problem at once.

The cattrs converter lives here and nowhere else. It is strict: ``"false"`` is not a bool, ``5`` is
not a string and a lone string is not a list of buckets, so a typo in settings never turns into a
silently wrong value.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final

import attrs
import cattrs
import urllib3

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.model import (
    FIELD_SPECS,
    PROFILE_FIELDS,
    REQUIRED_FIELDS,
    SECRET_FIELDS,
    MinioProfile,
    profile_problems,
)
from django_minio_backend.profiles.rules import shown

__all__ = ["converter", "parse_profile", "try_parse_profile"]


def _type_name(value: Any) -> str:
    return type(value).__name__


def _strict(kind: type, label: str) -> Callable[[Any, Any], Any]:
    def structure(value: Any, _type: Any) -> Any:
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
            raise TypeError(f"expected {label}, got {shown(value)}")
        return value

    return structure


def _structure_float(value: Any, _type: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {shown(value)}")
    return float(value)


def _structure_timedelta(value: Any, _type: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(seconds=value)
    raise TypeError(f"expected a timedelta or a number of seconds, got {shown(value)}")


def _is_tuple_type(type_: Any) -> bool:
    return typing.get_origin(type_) is tuple


def _is_dict_type(type_: Any) -> bool:
    return typing.get_origin(type_) is dict


def _structure_tuple(value: Any, type_: Any) -> tuple[Any, ...]:
    # cattrs would happily turn "media" into ("m", "e", "d", "i", "a"); only real sequences count.
    if not isinstance(value, list | tuple):
        shown = f"the string {value!r}" if isinstance(value, str) else _type_name(value)
        raise TypeError(f"expected a list, got {shown}")
    args = typing.get_args(type_)
    if len(args) == 2 and args[1] is Ellipsis:
        item_types = [args[0]] * len(value)
    elif len(args) != len(value):
        raise TypeError(f"expected a pair of {len(args)} items, got {len(value)}")
    else:
        item_types = list(args)
    items = []
    for index, (item, item_type) in enumerate(zip(value, item_types, strict=True)):
        try:
            items.append(converter.structure(item, item_type))
        except Exception as exc:
            raise TypeError(f"item {index}: {_error_text(exc)}") from None
    return tuple(items)


def _structure_dict(value: Any, _type: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a dict, got {_type_name(value)}")
    return value


_SEVERAL_FORMS: Final = frozenset(
    {
        attrs.fields_dict(attrs.resolve_types(MinioProfile))[name].type
        for name in ("credentials", "encryption")
    }
)


def _is_any_of_several_forms(type_: Any) -> bool:
    return type_ in _SEVERAL_FORMS


def _as_given(value: Any, _type: Any) -> Any:
    return value


def _build_converter() -> cattrs.Converter:
    result = cattrs.Converter()
    result.register_structure_hook(str, _strict(str, "a string"))
    result.register_structure_hook(bool, _strict(bool, "True or False"))
    result.register_structure_hook(int, _strict(int, "an integer"))
    result.register_structure_hook(float, _structure_float)
    result.register_structure_hook(timedelta, _structure_timedelta)
    result.register_structure_hook(
        urllib3.PoolManager, _strict(urllib3.PoolManager, "a PoolManager")
    )
    # Credentials and encryption take several forms: their converters and rules sort them out.
    result.register_structure_hook_func(_is_any_of_several_forms, _as_given)
    result.register_structure_hook_func(_is_tuple_type, _structure_tuple)
    result.register_structure_hook_func(_is_dict_type, _structure_dict)
    return result


converter: Final = _build_converter()

_FIELD_TYPES: Final[Mapping[str, Any]] = {
    field.name: field.type for field in attrs.fields(attrs.resolve_types(MinioProfile))
}
_FOLLOWING: Final = frozenset(name for name, spec in FIELD_SPECS.items() if spec.follows)
_DEFAULTS: Final[Mapping[str, Any]] = {
    field.name: field.default
    for field in attrs.fields(MinioProfile)
    if field.default is not attrs.NOTHING
}


def _error_text(exc: BaseException) -> str:
    if isinstance(exc, cattrs.BaseValidationError) and exc.exceptions:
        return _error_text(exc.exceptions[0])
    return str(exc)


def _unknown_field_problem(key: object) -> Problem:
    if not isinstance(key, str):
        return Problem(f"field names must be strings, got {_type_name(key)}", code="E002")
    guess = difflib.get_close_matches(key.lower().removeprefix("minio_"), PROFILE_FIELDS, n=1)
    hint = f"did you mean {guess[0]!r}?" if guess else "valid fields: " + ", ".join(PROFILE_FIELDS)
    return Problem(f"unknown field {key!r}", setting=key, hint=hint, code="E002")


def try_parse_profile(
    name: str, data: Mapping[str, Any] | MinioProfile
) -> tuple[MinioProfile | None, list[Problem]]:
    """Structure and validate one profile; return it, or ``None`` with every problem found."""
    if isinstance(data, MinioProfile):
        return data, []
    if not isinstance(data, Mapping):
        problem = Problem(
            f"expected a dict of profile fields or a MinioProfile, got {_type_name(data)}",
            profile=name,
        )
        return None, [problem]
    problems = [_unknown_field_problem(key) for key in data if key not in _FIELD_TYPES]
    problems += [
        Problem("is required but missing", setting=field, code="E003")
        for field in REQUIRED_FIELDS
        if field not in data
    ]
    structured: dict[str, Any] = {}
    for field, type_ in _FIELD_TYPES.items():
        if field not in data or (data[field] is None and field in _FOLLOWING):
            continue  # left to the default: a following field's None takes the followed value
        try:
            structured[field] = converter.structure(data[field], type_)
        except Exception as exc:
            # A secret is described by its type only, never echoed, even when it is wrong.
            text = f"expected a string, got {_type_name(data[field])}"
            if field not in SECRET_FIELDS:
                text = _error_text(exc)
            problems.append(Problem(text, setting=field))
    if not problems:
        try:
            return MinioProfile(**structured), []
        except ConfigurationError as exc:  # the rules ran once, in the constructor
            return None, [problem.for_profile(name) for problem in exc.problems]
    # No profile can be built: the rules run once here, on what was read, so that every problem
    # is reported at once.
    failed = {problem.setting for problem in problems}
    candidate = {key: value for key, value in _DEFAULTS.items() if key not in failed}
    candidate.update(structured)
    problems += profile_problems(candidate)
    return None, [problem.for_profile(name) for problem in problems]


def parse_profile(name: str, data: Mapping[str, Any] | MinioProfile) -> MinioProfile:
    """Structure and validate one profile; raise ``ConfigurationError`` naming every problem."""
    profile, problems = try_parse_profile(name, data)
    if profile is None:
        raise ConfigurationError.from_problems(problems)
    return profile
