"""The file list, the direct upload page and its ticket view."""

from django.urls import include, path
from library.views import index, upload

urlpatterns = [
    path("", index, name="index"),
    path("upload/", upload, name="upload"),
    path("uploads/", include("django_minio_backend.urls")),
]
