"""Small helpers shared by server tests."""

from __future__ import annotations

from typing import Any

from tests.s3server import S3Server


def server_profile(server: S3Server, **fields: Any) -> dict[str, Any]:
    """The dict form of a profile pointing at ``server`` over plain HTTP, plus ``fields``."""
    return {
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
        "use_https": False,
        "connect_timeout": 5.0,
        "read_timeout": 30.0,
        **fields,
    }
