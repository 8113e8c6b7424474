"""``path("uploads/", include("django_minio_backend.urls"))``: the direct upload ticket view."""

from __future__ import annotations

from django.urls import path

from django_minio_backend.views import upload_ticket

app_name = "django_minio_backend"
urlpatterns = [path("<str:field_id>/", upload_ticket, name="direct-upload")]
