"""A page with a direct upload form (tests/testapp/test_direct_upload_browser.py uses it)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.html import format_html

from django_minio_backend.forms import MinioDirectFileField
from django_minio_backend.models import MinioBackend
from tests.testapp.models import Document

MAX_SIZE = 32 * 1024 * 1024


def anyone(request: HttpRequest) -> bool:
    return True


class DocumentForm(forms.ModelForm):  # type: ignore[type-arg]
    file = MinioDirectFileField(
        field_id="testapp-document",
        storage=MinioBackend(profile="testapp"),
        upload_to="direct/",
        max_size=MAX_SIZE,
        content_types=["application/*"],
        allow=anyone,
    )

    class Meta:
        model = Document
        fields = ("file",)


PAGE = """<!doctype html><html><head><title>upload</title>{media}</head><body>
<form method="post" id="upload-form">
<input type="hidden" name="csrfmiddlewaretoken" value="{token}">
{form}
<button type="submit" id="submit">Save</button>
</form>{saved}</body></html>"""


def upload_page(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: save the Document and say which object it references."""
    saved = ""
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        document = form.save()
        saved = format_html('<p id="saved" data-pk="{}">{}</p>', document.pk, document.file.name)
        form = DocumentForm()
    return HttpResponse(
        PAGE.format(media=form.media, token=get_token(request), form=form.as_div(), saved=saved)
    )
