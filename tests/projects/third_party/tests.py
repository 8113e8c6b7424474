"""Third-party apps used as their docs say, on a MinIO default storage (the real test server)."""

from __future__ import annotations

import io
import uuid

from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from easy_thumbnails.files import get_thumbnailer
from PIL import Image

from tests.direct_upload_support import send
from tests.projects.third_party.models import Attachment, DirectAttachment


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


class AdminFileFieldTests(TestCase):
    def setUp(self) -> None:
        self.admin = User.objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(self.admin)

    def test_add_and_change_through_the_admin(self) -> None:
        add = self.client.post(
            "/admin/third_party/attachment/add/",
            {"title": "report", "file": SimpleUploadedFile("report.txt", b"first version")},
        )
        self.assertEqual(add.status_code, 302, add.content[:2000])
        attachment = Attachment.objects.get(title="report")
        self.assertTrue(attachment.file.name.startswith("attachments/report"))
        with attachment.file.open("rb") as stored:
            self.assertEqual(stored.read(), b"first version")
        # FieldFile.open() on the closed cached file: fetched again from the server.
        with attachment.file.open("rb") as again:
            self.assertEqual(again.read(), b"first version")

        change_url = f"/admin/third_party/attachment/{attachment.pk}/change/"
        page = self.client.get(change_url)
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, default_storage.url(attachment.file.name).split("?")[0])

        changed = self.client.post(
            change_url,
            {"title": "report", "file": SimpleUploadedFile("report.txt", b"second version")},
        )
        self.assertEqual(changed.status_code, 302, changed.content[:2000])
        attachment.refresh_from_db()
        with default_storage.open(attachment.file.name) as stored:
            self.assertEqual(stored.read(), b"second version")
        self.assertEqual(attachment.file.size, len(b"second version"))


class AdminDirectUploadTests(TestCase):
    """MinioDirectFileField in a ModelAdmin's form: the file never passes through Django."""

    def setUp(self) -> None:
        call_command("initialize_buckets", silenced=True)  # no save makes the bucket here
        self.admin = User.objects.create_superuser("admin", "a@example.com", "pw")
        self.client.force_login(self.admin)

    def test_add_through_the_admin_with_a_direct_upload(self) -> None:
        page = self.client.get("/admin/third_party/directattachment/add/")
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "django_minio_backend/direct-upload.js")
        self.assertContains(page, "/uploads/admin-direct-attachment/")

        data = b"uploaded by the browser"
        ticket = self.client.post(
            "/uploads/admin-direct-attachment/",
            {"name": "notes.txt", "size": len(data), "type": "text/plain"},
        )
        self.assertEqual(ticket.status_code, 200, ticket.content)
        answer = ticket.json()
        self.assertIn(send(answer, data, "text/plain").status, (200, 204))

        added = self.client.post(
            "/admin/third_party/directattachment/add/",
            {"title": "notes", "file": answer["ticket"]},
        )
        self.assertEqual(added.status_code, 302, added.content[:2000])
        stored = DirectAttachment.objects.get(title="notes")
        self.assertTrue(stored.file.name.startswith("direct/notes_"), stored.file.name)
        with stored.file.open("rb") as handle:
            self.assertEqual(handle.read(), data)

        tampered = self.client.post(
            "/admin/third_party/directattachment/add/",
            {"title": "forged", "file": answer["ticket"][:-2] + "xx"},
        )
        self.assertEqual(tampered.status_code, 200)  # the form again, with an error
        self.assertFalse(DirectAttachment.objects.filter(title="forged").exists())


class ThumbnailTests(TestCase):
    def test_two_sizes_of_one_image(self) -> None:
        attachment = Attachment(title="picture")
        attachment.file.save("doc.txt", ContentFile(b"x"), save=False)
        attachment.picture.save(f"{uuid.uuid4().hex}.png", ContentFile(png(400, 300)))
        thumbnailer = get_thumbnailer(attachment.picture)
        small, large = thumbnailer["small"], thumbnailer["large"]
        self.assertNotEqual(small.name, large.name)
        for thumbnail, size in ((small, (40, 30)), (large, (160, 120))):
            self.assertTrue(default_storage.exists(thumbnail.name), thumbnail.name)
            with default_storage.open(thumbnail.name) as stored:
                self.assertEqual(Image.open(stored).size, size)
        # Asked again: found in the storage, not generated again (same names, same content).
        again = get_thumbnailer(Attachment.objects.get(pk=attachment.pk).picture)
        self.assertEqual(again["small"].name, small.name)
        self.assertGreater(again["large"].size, 0)


class MediaBackupTests(TestCase):
    def test_media_backup_and_restore(self) -> None:
        contents = {
            "backup/a.txt": b"alpha" * 1000,
            "backup/deep/b.bin": bytes(range(256)) * 5000,  # > 1 MiB: streamed, not read whole
        }
        for name, data in contents.items():
            default_storage.save(name, ContentFile(data))
        archive = f"media-{uuid.uuid4().hex}.tar"
        call_command("mediabackup", output_filename=archive, verbosity=0)
        for name in contents:
            default_storage.delete(name)
            self.assertFalse(default_storage.exists(name))
        call_command("mediarestore", input_filename=archive, interactive=False, verbosity=0)
        for name, data in contents.items():
            with default_storage.open(name) as restored:
                self.assertEqual(restored.read(), data, name)
