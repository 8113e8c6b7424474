"""The direct upload form: the file goes from the browser to the private bucket."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from django_minio_backend.forms import MinioDirectFileField

from .models import Document


def anyone(request: HttpRequest) -> bool:
    """The demo has no users; a real project keeps the default (logged-in users only)."""
    return True


class DirectDocumentForm(forms.ModelForm):  # type: ignore[type-arg]
    file = MinioDirectFileField(
        field_id="demo-document",
        upload_to="direct",
        max_size=64 * 1024 * 1024,
        content_types=["application/*"],
        allow=anyone,
    )

    class Meta:
        model = Document
        fields = ("title", "file")
