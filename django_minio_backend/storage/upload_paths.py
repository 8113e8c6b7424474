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
