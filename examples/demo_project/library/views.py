"""The pages of ``make demo-serve``: every uploaded file with its link, and a direct upload."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .forms import DirectDocumentForm
from .models import ArchivedReport, Document, Photo


def index(request: HttpRequest) -> HttpResponse:
    """List the files of each model; every link is the storage's own URL for the file."""
    groups = [
        (
            "Documents: private bucket, default cluster (presigned URLs)",
            Document.objects.all(),
            "file",
        ),
        ("Photos: public bucket, default cluster (plain URLs)", Photo.objects.all(), "image"),
        ("Reports: archive cluster (presigned URLs)", ArchivedReport.objects.all(), "scan"),
    ]
    sections = [
        {
            "heading": heading,
            "files": [(str(row), getattr(row, field)) for row in rows.order_by("pk")],
        }
        for heading, rows, field in groups
    ]
    return render(request, "library/index.html", {"sections": sections})


def upload(request: HttpRequest) -> HttpResponse:
    """A document whose file the browser sends straight to the bucket (direct-upload.js)."""
    saved = None
    form = DirectDocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        saved = form.save()
        form = DirectDocumentForm()
    return render(request, "library/upload.html", {"form": form, "saved": saved})
