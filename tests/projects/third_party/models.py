from __future__ import annotations

from django.db import models
from easy_thumbnails.fields import ThumbnailerImageField


class Attachment(models.Model):
    title = models.CharField(max_length=100)
    file = models.FileField(upload_to="attachments/")
    picture = ThumbnailerImageField(upload_to="pictures/", blank=True)

    def __str__(self) -> str:
        return self.title


class DirectAttachment(models.Model):
    """A file uploaded by the browser straight to the bucket, through the admin."""

    title = models.CharField(max_length=100)
    file = models.FileField(upload_to="direct/")

    def __str__(self) -> str:
        return self.title
