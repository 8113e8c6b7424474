"""No views: the suite needs a URLconf only for Django's error pages."""

from __future__ import annotations

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
