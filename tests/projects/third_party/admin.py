from __future__ import annotations

from django import forms
from django.contrib import admin

from django_minio_backend.forms import MinioDirectFileField
from tests.projects.third_party.models import Attachment, DirectAttachment

admin.site.register(Attachment)


class DirectAttachmentForm(forms.ModelForm):  # type: ignore[type-arg]
    file = MinioDirectFileField(
        field_id="admin-direct-attachment",
        upload_to="direct/",
        max_size=1024 * 1024,
        content_types=["text/plain"],
    )

    class Meta:
        model = DirectAttachment
        fields = ("title", "file")


@admin.register(DirectAttachment)
class DirectAttachmentAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = DirectAttachmentForm
