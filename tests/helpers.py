"""Small helpers shared by server tests."""

from __future__ import annotations

from typing import Any, NamedTuple

import urllib3

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


class RecordedRequest(NamedTuple):
    method: str
    url: str
    headers: dict[str, str]


class RecordingPool(urllib3.PoolManager):
    """A connection pool that records every request sent through it.

    ``fail_deletes`` refuses DELETE requests (to test aborts that fail);
    ``enforce_content_length=False`` turns urllib3's own length check off.
    """

    def __init__(
        self, *, fail_deletes: bool = False, enforce_content_length: bool = True, **pool_kw: Any
    ) -> None:
        pool_kw.setdefault("timeout", urllib3.Timeout(connect=5, read=30))
        super().__init__(**pool_kw)
        self.requests: list[RecordedRequest] = []
        self.fail_deletes = fail_deletes
        self.enforce_content_length = enforce_content_length

    def urlopen(  # type: ignore[override]  # PoolManager's own signature
        self, method: str, url: str, redirect: bool = True, **kw: Any
    ) -> urllib3.BaseHTTPResponse:
        self.requests.append(RecordedRequest(method, url, dict(kw.get("headers") or {})))
        if method == "DELETE" and self.fail_deletes:
            raise urllib3.exceptions.NewConnectionError(None, "injected: DELETE refused")  # type: ignore[arg-type]
        if not self.enforce_content_length:
            kw["enforce_content_length"] = False
        return super().urlopen(method, url, redirect=redirect, **kw)

    def methods(self) -> list[str]:
        """The HTTP methods sent so far, in order."""
        return [request.method for request in self.requests]

    def listings(self) -> list[str]:
        """The URLs of the bucket listings sent so far."""
        return [r.url for r in self.requests if r.method == "GET" and "list-type=" in r.url]
