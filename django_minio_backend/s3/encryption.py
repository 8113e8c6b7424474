"""The request headers of a storage's server-side encryption.

SSE-S3 and SSE-KMS go on every write only; SSE-C, whose key the server does not keep, goes on
every write, read, stat, ranged read and (for both sides) copy. Header values that carry the
customer key are ``ConcealedText``: a traceback's locals show them as ``'***'``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from typing import Final

import attrs

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.encryption import (
    ENCRYPTION_HINT,
    SSE_C,
    SSE_KMS,
    SSE_S3,
    Encryption,
    decode_customer_key,
)
from django_minio_backend.s3.credentials import ConcealedText

__all__ = ["NO_ENCRYPTION", "ObjectEncryption", "customer_key_problem", "object_encryption"]

_SSE: Final = "X-Amz-Server-Side-Encryption"
_CUSTOMER: Final = "X-Amz-Server-Side-Encryption-Customer-"
_COPY_CUSTOMER: Final = "X-Amz-Copy-Source-Server-Side-Encryption-Customer-"


@attrs.frozen
class ObjectEncryption:
    """Headers to add to each kind of request; all empty without encryption."""

    mode: str | None = None
    write: Mapping[str, str] = attrs.field(factory=dict)
    read: Mapping[str, str] = attrs.field(factory=dict)
    copy_source: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def customer_key(self) -> bool:
        """True for SSE-C: reads need the key too."""
        return bool(self.read)

    def part_headers(self) -> dict[str, str]:
        """The headers of each part of a multipart upload (SSE-C only, as S3 wants)."""
        return dict(self.read)


NO_ENCRYPTION: Final = ObjectEncryption()


def _customer_headers(prefix: str, key: bytes) -> dict[str, str]:
    return {
        prefix + "Algorithm": "AES256",
        prefix + "Key": ConcealedText(base64.b64encode(key).decode("ascii")),
        prefix + "Key-MD5": base64.b64encode(
            hashlib.md5(key, usedforsecurity=False).digest()
        ).decode("ascii"),
    }


def customer_key_problem(encryption: Encryption | None) -> str | None:
    """What is wrong with an SSE-C key read from the environment; ``None`` when fine."""
    if encryption is None or encryption.customer_key_env is None:
        return None
    name = encryption.customer_key_env
    value = os.environ.get(name)
    if not value:
        return f"the environment variable {name} holding the SSE-C key is not set"
    if decode_customer_key(value) is None:
        return f"the environment variable {name} does not hold 32 bytes in base64"
    return None


def object_encryption(
    encryption: Encryption | None, profile: str, setting: str
) -> ObjectEncryption:
    """The headers of ``encryption``; an SSE-C key named by ``env:NAME`` is read now.

    ``ConfigurationError`` naming ``profile`` and ``setting`` when that key is missing or wrong.
    """
    if encryption is None:
        return NO_ENCRYPTION
    if encryption.mode == SSE_S3:
        return ObjectEncryption(SSE_S3, write={_SSE: "AES256"})
    if encryption.mode == SSE_KMS:
        return ObjectEncryption(
            SSE_KMS,
            write={_SSE: "aws:kms", f"{_SSE}-Aws-Kms-Key-Id": str(encryption.kms_key_id)},
        )
    if encryption.mode != SSE_C:
        raise ValueError(f"unknown encryption mode {encryption.mode!r}")
    key = encryption.customer_key
    if key is None:
        problem = customer_key_problem(encryption)
        value = os.environ.get(str(encryption.customer_key_env), "")
        key = decode_customer_key(value) if problem is None else None
        if key is None:
            raise ConfigurationError(
                Problem(
                    str(problem),
                    setting=setting,
                    profile=profile,
                    hint=ENCRYPTION_HINT,
                    code="E001",
                )
            )
    customer = _customer_headers(_CUSTOMER, key)
    return ObjectEncryption(
        SSE_C,
        write=customer,
        read=customer,
        copy_source=_customer_headers(_COPY_CUSTOMER, key),
    )
