"""``upload_to`` helpers kept from the seed."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

__all__ = ["get_iso_date", "iso_date_prefix"]


def get_iso_date() -> str:
    """Today's date as ``YYYY-MM-DD`` (in the current Django time zone when ``USE_TZ``)."""
    now = timezone.now()
    local = timezone.localtime(now) if timezone.is_aware(now) else now
    return local.date().isoformat()


def iso_date_prefix(_instance: Any, file_name_ext: str) -> str:
    """``upload_to`` callable that stores files under today's date: ``2026-11-25/report.pdf``."""
    return f"{get_iso_date()}/{file_name_ext}"


# Migrations record an upload_to callable by its module path. The seed's path (models, where
# 3.8.1 defined these) stays importable in every version, so a migration written now also loads
# after a downgrade and survives any later move of this module.
get_iso_date.__module__ = iso_date_prefix.__module__ = "django_minio_backend.models"
