"""Two views: upload a file; copy an upload to the archive."""

from __future__ import annotations

from django.core.files import File
from django.http import HttpRequest, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gallery.models import ArchivedUpload, Upload


@csrf_exempt
@require_POST
def upload(request: HttpRequest) -> JsonResponse | HttpResponseBadRequest:
    """POST a ``file``: stored on the default profile; answers its id, name and URL."""
    received = request.FILES.get("file")
    if received is None:
        return HttpResponseBadRequest("send the file as the form field 'file'")
    item = Upload.objects.create(file=received)
    return JsonResponse({"id": item.pk, "name": item.file.name, "url": item.file.url}, status=201)


@csrf_exempt
@require_POST
def archive(request: HttpRequest, pk: int) -> JsonResponse:
    """Copy upload ``pk`` to the archive profile (streamed, never read whole into memory)."""
    item = get_object_or_404(Upload, pk=pk)
    with item.file.open("rb") as source:
        copy = ArchivedUpload(original=item)
        copy.file.save(item.file.name.rsplit("/", 1)[-1], File(source), save=True)
    return JsonResponse({"name": copy.file.name, "url": copy.file.url})
