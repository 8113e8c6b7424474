"""``manage.py upload_samples``: save a few files through the models and print their URLs."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandParser
from django.templatetags.static import static

from library.models import ArchivedReport, Document, Photo

# {% static %} names the demo fetches after collectstatic.
STATIC_NAMES = ("library/css/site.css", "library/img/logo.svg", "library/js/app.js")

PIXEL_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8">'
    b'<rect width="8" height="8" fill="#2e7dc7"/></svg>\n'
)


class Command(BaseCommand):
    help = "Upload one document, one photo and one archived report; print their URLs."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="print one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        document = Document(title="Meeting notes")
        document.file.save("notes.txt", ContentFile(b"Agenda: storage profiles.\n" * 40))
        photo = Photo(caption="Blue square")
        photo.image.save("square.svg", ContentFile(PIXEL_SVG))
        report = ArchivedReport(title="Annual report 2019")
        report.scan.save("report-2019.csv", ContentFile(b"quarter,revenue\n" + b"Q1,10\n" * 500))

        files = [
            {"label": "Document (private)", "name": document.file.name, "url": document.file.url},
            {"label": "Photo (public)", "name": photo.image.name, "url": photo.image.url},
            {"label": "Report (archive)", "name": report.scan.name, "url": report.scan.url},
        ]
        statics = [{"label": name, "name": name, "url": static(name)} for name in STATIC_NAMES]
        if options["json"]:
            self.stdout.write(json.dumps({"files": files, "static": statics}))
            return
        for entry in files + statics:
            self.stdout.write(f"{entry['label']}: {entry['name']}\n  {entry['url']}")
