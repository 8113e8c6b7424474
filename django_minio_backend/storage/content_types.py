"""The content type an object is stored with."""

from __future__ import annotations

import mimetypes
import posixpath
from typing import Final

from django.core.files.uploadedfile import UploadedFile

__all__ = ["ACTIVE_CONTENT_TYPES", "OCTET_STREAM", "content_type_for", "is_active_content"]

OCTET_STREAM: Final = "application/octet-stream"

ACTIVE_CONTENT_TYPES: Final = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "text/ecmascript",
        "application/x-javascript",
        "text/xsl",
    }
)
"""Types a browser renders with scripts running: from a public bucket, such a file uploaded by a
user could run code on the bucket's host (stored XSS)."""

# Types that mimetypes may not know on a slim system, but browsers need for static files.
_EXTRA_TYPES: Final = {
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".wasm": "application/wasm",
}


def _guess(name: str) -> str | None:
    extension = posixpath.splitext(name)[1].lower()
    return _EXTRA_TYPES.get(extension) or mimetypes.guess_type(name)[0]


def content_type_for(name: str, content: object) -> str:
    """The type ``content`` is stored with under ``name``.

    For a file uploaded through a form the browser's declared type is not trusted (the sender
    chooses it): the name decides, and the declared type counts only when the name tells nothing
    and it is not active content. Other content keeps its declared ``content_type``; otherwise
    the type is guessed from the name, else ``application/octet-stream``.
    """
    declared = getattr(content, "content_type", None)
    declared = declared.strip() if isinstance(declared, str) else ""
    if isinstance(content, UploadedFile):
        guessed = _guess(name)
        if guessed and guessed != OCTET_STREAM:
            return guessed
        if declared and not is_active_content(declared):
            return declared
        return OCTET_STREAM
    return declared or _guess(name) or OCTET_STREAM


def is_active_content(content_type: str) -> bool:
    """Whether browsers run scripts in content of this type (HTML, SVG, XML, JavaScript...)."""
    base = content_type.split(";")[0].strip().lower()
    return base in ACTIVE_CONTENT_TYPES or base.endswith("+xml")
