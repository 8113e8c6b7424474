"""Counts what the Django server receives: every request's line, headers and body, in bytes."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

_lock = threading.Lock()
received: list[tuple[str, str, int]] = []
"""(method, path, bytes received) of every request, in order."""


def request_bytes(request: HttpRequest) -> int:
    """The size of the request as sent: request line, headers and body (its Content-Length)."""
    line = len(f"{request.method} {request.get_full_path()} HTTP/1.1\r\n")
    headers = sum(
        len(key) - len("HTTP_") + len(str(value)) + 4
        for key, value in request.META.items()
        if key.startswith("HTTP_")
    )
    body = int(request.META.get("CONTENT_LENGTH") or 0)
    content_type = request.META.get("CONTENT_TYPE", "")
    headers += len(f"Content-Type: {content_type}\r\n") if content_type else 0
    return line + headers + body + 2


def count_request_bytes(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[..., HttpResponse]:
    def middleware(request: HttpRequest) -> HttpResponse:
        with _lock:
            received.append((request.method or "", request.path, request_bytes(request)))
        return get_response(request)

    return middleware
