"""The test project's pages: a direct upload form and the ticket view."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from tests.testapp.views import upload_page

urlpatterns: list[URLPattern | URLResolver] = [
    path("direct/", upload_page, name="direct-upload-page"),
    path("uploads/", include("django_minio_backend.urls")),
]
