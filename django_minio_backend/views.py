"""The view that hands out upload tickets for direct upload fields (``forms.MinioDirectFileField``).

``POST <field_id>/`` with ``name`` (the file's name), ``size`` (bytes) and ``type`` (its content
type) answers JSON: ``method``, ``url``, ``fields``, ``headers`` (what the browser sends to the
bucket) and ``ticket`` (what the form submits). Refused: an unknown field (404), a request the
field's ``allow`` rejects (403), a size or type outside the field's limits (400).
"""

from __future__ import annotations

import posixpath
from typing import Final

from django.core import signing
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpRequest, JsonResponse
from django.utils.text import get_valid_filename
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from django_minio_backend.forms import DirectUpload, direct_upload, ticket_salt
from django_minio_backend.storage.direct_uploads import normalized_content_type

__all__ = ["upload_ticket"]

RANDOM_PART: Final = 17  # "_" and 16 hex digits added by presigned_upload
DEFAULT_TYPE: Final = "application/octet-stream"


def _refused(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _file_name(raw: str, upload: DirectUpload) -> str:
    """The browser's file name made safe and short enough, under the field's prefix."""
    base = posixpath.basename(raw.replace("\\", "/")).strip()
    try:
        safe = get_valid_filename(base)
    except SuspiciousFileOperation:  # names like "." or ".."
        safe = "upload"
    root, ext = posixpath.splitext(safe)
    ext = ext[:16]
    if upload.max_length is not None:
        room = upload.max_length - len(upload.upload_to) - len(ext) - RANDOM_PART
        root = root[: max(room, 1)]
    return f"{upload.upload_to}{root or 'upload'}{ext}"


@never_cache
@require_POST
def upload_ticket(request: HttpRequest, field_id: str) -> JsonResponse:
    """A signed upload for one file of field ``field_id``, and the ticket the form submits."""
    upload = direct_upload(field_id)
    if upload is None:
        return _refused(404, f"no direct upload field {field_id!r}")
    if not upload.allow(request):
        return _refused(403, "you may not upload files here")
    raw_size = request.POST.get("size", "")
    if not raw_size.isdigit():
        return _refused(400, "size: expected the file's size in bytes")
    size = int(raw_size)
    if size > upload.max_size:
        return _refused(400, f"the file is too large ({size} bytes; at most {upload.max_size})")
    if size < upload.min_size:
        return _refused(400, f"the file is too small ({size} bytes; at least {upload.min_size})")
    content_type = normalized_content_type(request.POST.get("type", "")) or DEFAULT_TYPE
    if not upload.allows_type(content_type) or content_type.count("/") != 1:
        return _refused(400, f"files of type {content_type} are not accepted")
    storage = upload.resolved_storage()
    signed = storage.presigned_upload(
        _file_name(request.POST.get("name", ""), upload),
        max_size=upload.max_size,
        min_size=upload.min_size,
        content_types=[content_type],
        expire=upload.expire,
    )
    user = getattr(request, "user", None)
    ticket = signing.dumps(
        {"name": signed.name, "user": getattr(user, "pk", None)}, salt=ticket_salt(field_id)
    )
    return JsonResponse(
        {
            "method": signed.method,
            "url": signed.url,
            "fields": dict(signed.fields),
            "headers": dict(signed.headers),
            "name": signed.name,
            "ticket": ticket,
        }
    )
