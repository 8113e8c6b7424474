"""The page of ``make demo-serve``: every uploaded file with its link."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

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
