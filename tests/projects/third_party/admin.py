from __future__ import annotations

from django.contrib import admin

from tests.projects.third_party.models import Attachment

admin.site.register(Attachment)
