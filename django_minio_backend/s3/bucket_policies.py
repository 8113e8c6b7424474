"""Bucket policies: the public-read policy, and comparing or trimming policies by meaning.

SeaweedFS (and other servers) rewrite policy JSON, so policies are compared statement by
statement, not as text.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "policy_statements",
    "public_read_policy",
    "same_policy",
    "without_anonymous_access",
]

_ANONYMOUS: Final = "*"
_LIST_KEYS: Final = ("Action", "NotAction", "Resource", "NotResource")


def public_read_policy(bucket: str) -> dict[str, Any]:
    """Anonymous read of the objects of ``bucket``; listing the bucket stays forbidden."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": [_ANONYMOUS]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{bucket}/*"],
            }
        ],
    }


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _principal(value: Any) -> Any:
    # "*", {"AWS": "*"} and {"AWS": ["*"]} mean the same: everybody.
    if value == _ANONYMOUS:
        return {"AWS": [_ANONYMOUS]}
    if isinstance(value, Mapping):
        return {key: sorted(map(str, _as_list(item))) for key, item in sorted(value.items())}
    return value


def policy_statements(policy: Mapping[str, Any]) -> list[Any]:
    statements = policy.get("Statement", [])
    return [statements] if isinstance(statements, Mapping) else _as_list(statements)


def _canonical_statement(statement: Any) -> str:
    if not isinstance(statement, Mapping):
        return json.dumps(statement, sort_keys=True, default=str)
    canonical: dict[str, Any] = {}
    for key, value in statement.items():
        if key == "Sid":  # servers may drop or rename it; it grants nothing
            continue
        if key in ("Principal", "NotPrincipal"):
            value = _principal(value)
        elif key in _LIST_KEYS:
            value = sorted(map(str, _as_list(value)))
        canonical[key] = value
    return json.dumps(canonical, sort_keys=True, default=str)


def same_policy(first: Mapping[str, Any], second: Mapping[str, Any]) -> bool:
    """True when two policies grant the same (servers rewrite the JSON they are given)."""

    def canonical(policy: Mapping[str, Any]) -> tuple[Any, list[str]]:
        return policy.get("Version"), sorted(map(_canonical_statement, policy_statements(policy)))

    return canonical(first) == canonical(second)


def _grants_anonymous(statement: Any) -> bool:
    if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
        return False
    principal = _principal(statement.get("Principal"))
    return isinstance(principal, Mapping) and _ANONYMOUS in principal.get("AWS", [])


def without_anonymous_access(policy: Mapping[str, Any]) -> dict[str, Any] | None:
    """``policy`` minus its anonymous grants; ``None`` when nothing is left."""
    kept = [
        statement for statement in policy_statements(policy) if not _grants_anonymous(statement)
    ]
    if not kept:
        return None
    return {**policy, "Statement": kept}
