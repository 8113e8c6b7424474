"""Profiles: the typed model, its rules, parsing with cattrs, and where profiles come from."""

from __future__ import annotations

from django_minio_backend.profiles.files import load_profiles
from django_minio_backend.profiles.model import MinioProfile, MinioProfileDict
from django_minio_backend.profiles.sources import get_profile, get_profiles

__all__ = ["MinioProfile", "MinioProfileDict", "get_profile", "get_profiles", "load_profiles"]
