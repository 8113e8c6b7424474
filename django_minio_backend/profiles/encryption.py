"""Server-side encryption settings: ``"SSE-S3"``, ``{"kms_key_id": ...}`` or SSE-C.

The profile field and the storage option ``encryption`` take the same values; both become an
``Encryption``, whose ``repr`` never shows a customer key. An SSE-C key is 32 bytes, or an
``"env:NAME"`` reference to an environment variable holding the key in base64, read when the
storage is first used.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any, Final

import attrs
from minio.sse import Sse, SseCustomerKey, SseKMS, SseS3

from django_minio_backend.errors import ConfigurationError, Problem

__all__ = [
    "CUSTOMER_KEY_BYTES",
    "ENCRYPTION_HINT",
    "Encryption",
    "as_encryption",
    "decode_customer_key",
    "encryption_from_sse",
    "encryption_problem",
]

CUSTOMER_KEY_BYTES: Final = 32
SSE_S3: Final = "SSE-S3"
SSE_KMS: Final = "SSE-KMS"
SSE_C: Final = "SSE-C"
ENV_PREFIX: Final = "env:"
ENCRYPTION_HINT: Final = (
    "use 'SSE-S3', {'kms_key_id': 'KEY-ID'} or {'customer_key': 'env:VARIABLE'} (SSE-C: the "
    "variable holds 32 bytes in base64, from `openssl rand -base64 32`), or None"
)
_ENV_NAME: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@attrs.frozen(repr=False)
class Encryption:
    """One encryption mode; for SSE-C the key itself (``customer_key``) or the name of the
    environment variable holding it (``customer_key_env``)."""

    mode: str
    kms_key_id: str | None = None
    customer_key: bytes | None = None
    customer_key_env: str | None = None

    def describe(self) -> str:
        """The mode, without any key: ``SSE-S3``, ``SSE-KMS (key id 'x')``, ``SSE-C (key from
        $NAME)``."""
        if self.mode == SSE_KMS:
            return f"{SSE_KMS} (key id {self.kms_key_id!r})"
        if self.mode == SSE_C:
            where = f"${self.customer_key_env}" if self.customer_key_env else "settings"
            return f"{SSE_C} (key from {where})"
        return self.mode

    def setting(self) -> str | dict[str, str] | None:
        """The setting this came from, if it holds no key: what a migration may record."""
        if self.mode == SSE_KMS:
            return {"kms_key_id": str(self.kms_key_id)}
        if self.mode == SSE_C:
            env = self.customer_key_env
            return None if env is None else {"customer_key": ENV_PREFIX + env}
        return self.mode

    def __repr__(self) -> str:
        return f"Encryption({self.describe()!r})"

    __str__ = describe


def encryption_problem(value: Any) -> str | None:
    """Why ``value`` is no encryption setting, or ``None``; a key is described by its size only."""
    if value is None or isinstance(value, Encryption):
        return None
    if isinstance(value, str):
        if value == SSE_S3:
            return None
        return f"expected 'SSE-S3' or a dict, got {value[:20]!r}"
    if not isinstance(value, Mapping):
        return f"expected 'SSE-S3', a dict or None, got {type(value).__name__}"
    keys = sorted(map(str, value))
    if keys == ["kms_key_id"]:
        key_id = value["kms_key_id"]
        if not isinstance(key_id, str) or not key_id.strip():
            return "kms_key_id: expected a non-empty string"
        return None
    if keys == ["customer_key"]:
        return _customer_key_problem(value["customer_key"])
    return f"expected one key, 'kms_key_id' or 'customer_key', got {keys}"


def _customer_key_problem(key: Any) -> str | None:
    if isinstance(key, bytes):
        if len(key) != CUSTOMER_KEY_BYTES:
            return f"customer_key: expected {CUSTOMER_KEY_BYTES} bytes, got {len(key)} bytes"
        return None
    if isinstance(key, str):
        if not key.startswith(ENV_PREFIX):
            # A key written as text would be echoed by nothing, but it is no key either.
            return "customer_key: a string must be an 'env:VARIABLE' reference"
        if not _ENV_NAME.fullmatch(key[len(ENV_PREFIX) :]):
            return f"customer_key: {key!r} does not name an environment variable"
        return None
    return f"customer_key: expected 32 bytes or 'env:VARIABLE', got {type(key).__name__}"


def as_encryption(value: Any) -> Any:
    """The ``Encryption`` of a valid setting; anything else unchanged, for the rule to name."""
    if encryption_problem(value) is not None or value is None or isinstance(value, Encryption):
        return value
    if value == SSE_S3:
        return Encryption(SSE_S3)
    if "kms_key_id" in value:
        return Encryption(SSE_KMS, kms_key_id=value["kms_key_id"])
    key = value["customer_key"]
    if isinstance(key, bytes):
        return Encryption(SSE_C, customer_key=key)
    return Encryption(SSE_C, customer_key_env=key[len(ENV_PREFIX) :])


def decode_customer_key(text: str) -> bytes | None:
    """The 32-byte key of a base64 text (an environment variable's value), or ``None``."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return key if len(key) == CUSTOMER_KEY_BYTES else None


def encryption_from_sse(sse: Sse, where: str) -> Encryption:
    """The ``Encryption`` of upstream 4.x's ``sse=`` argument (a ``minio.sse`` object)."""
    if isinstance(sse, SseS3):
        return Encryption(SSE_S3)
    headers = sse.headers() if isinstance(sse, Sse) else {}
    if isinstance(sse, SseKMS) and "X-Amz-Server-Side-Encryption-Context" not in headers:
        return Encryption(
            SSE_KMS, kms_key_id=headers["X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"]
        )
    if isinstance(sse, SseCustomerKey):
        key = base64.b64decode(headers["X-Amz-Server-Side-Encryption-Customer-Key"])
        return Encryption(SSE_C, customer_key=key)
    raise ConfigurationError(
        Problem(
            f"sse: {type(sse).__name__} is not supported"
            + (" with an encryption context" if isinstance(sse, SseKMS) else ""),
            setting=where,
            hint="pass encryption=" + ENCRYPTION_HINT.removeprefix("use "),
            code="E008",
        )
    )
