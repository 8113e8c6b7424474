"""``MinioDirectFileField``: only a ticket signed for the field, for an object that arrived
within the limits, becomes a stored reference (the real server; tickets from the view)."""

from __future__ import annotations

import io
import time
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from django_minio_backend.forms import MinioDirectFileField, MinioDirectFileWidget, ticket_salt
from django_minio_backend.models import MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import send, upload_buckets
from tests.testapp.models import Document
from tests.testapp.views import DocumentForm

__all__ = ["upload_buckets"]

pytestmark = pytest.mark.django_db
FIELD = "testapp-document"


def uploaded(data: bytes = b"%PDF-1.7 data", content_type: str = "application/pdf") -> Any:
    """A ticket from the view, after the upload (the answer of the view)."""
    response = Client().post(
        f"/uploads/{FIELD}/", {"name": "scan.pdf", "size": len(data), "type": content_type}
    )
    assert response.status_code == 200, response.content
    answer = response.json()
    assert send(answer, data, content_type).status == 204
    return answer


def submit(ticket: str) -> DocumentForm:
    form = DocumentForm({"file": ticket})
    form.is_valid()
    return form


def test_a_valid_ticket_stores_the_key(upload_buckets: tuple[str, str]) -> None:
    answer = uploaded()
    form = submit(answer["ticket"])
    assert form.errors == {}
    document = form.save()
    assert Document.objects.get(pk=document.pk).file.name == answer["name"]
    assert document.file.read() == b"%PDF-1.7 data"


def test_the_check_costs_one_head(upload_buckets: tuple[str, str], settings: Any) -> None:
    answer = uploaded()
    storage = MinioBackend(profile="testapp")
    pool = storage._resolve().clients.internal._http
    sent: list[str] = []
    original = pool.urlopen

    def recording(method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        sent.append(method)
        return original(method, url, *args, **kwargs)

    pool.urlopen = recording
    try:
        assert submit(answer["ticket"]).errors == {}
    finally:
        del pool.urlopen
    assert sent == ["HEAD"]


def errors(ticket: str) -> list[str]:
    form = submit(ticket)
    assert not form.is_valid()
    assert Document.objects.count() == 0
    return [error.code or "" for error in form.errors.as_data()["file"]]


def test_a_tampered_ticket_is_refused(upload_buckets: tuple[str, str]) -> None:
    ticket = uploaded()["ticket"]
    assert errors(ticket[:-2] + ("AA" if ticket[-2:] != "AA" else "BB")) == ["invalid"]
    assert errors("not a ticket") == ["invalid"]


def test_a_ticket_of_another_field_is_refused(upload_buckets: tuple[str, str]) -> None:
    answer = uploaded()
    other = signing.dumps({"name": answer["name"]}, salt=ticket_salt("another-field"))
    assert errors(other) == ["invalid"]


def test_a_key_outside_the_prefix_is_refused(
    upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    s3_server.client().put_object(
        bucket_name=upload_buckets[1],
        object_name="elsewhere/x.pdf",
        data=io.BytesIO(b"x"),
        length=1,
    )
    for name in ("elsewhere/x.pdf", "direct/../elsewhere/x.pdf", "direct"):
        forged = signing.dumps({"name": name}, salt=ticket_salt(FIELD))
        assert errors(forged) == ["invalid"]


def test_an_expired_ticket_is_refused(upload_buckets: tuple[str, str]) -> None:
    answer = uploaded()

    class Earlier(signing.TimestampSigner):
        def timestamp(self) -> str:
            return signing.b62_encode(int(time.time()) - 2 * 3600)

    old = Earlier(salt=ticket_salt(FIELD)).sign_object({"name": answer["name"]})
    assert errors(old) == ["expired"]


def test_a_missing_object_is_refused(upload_buckets: tuple[str, str]) -> None:
    response = Client().post(
        f"/uploads/{FIELD}/", {"name": "a.pdf", "size": "3", "type": "application/pdf"}
    )
    assert errors(response.json()["ticket"]) == ["missing"]  # never uploaded


@pytest.mark.parametrize(
    ("size", "content_type", "code"),
    [(32 * 1024 * 1024 + 1, "application/pdf", "too_large"), (3, "text/html", "content_type")],
)
def test_an_object_outside_the_limits_is_refused_and_deleted(
    upload_buckets: tuple[str, str], s3_server: S3Server, size: int, content_type: str, code: str
) -> None:
    # What a server that enforced no policy (or a PUT) could have let through.
    answer = uploaded()
    client = s3_server.client()
    client.put_object(
        bucket_name=upload_buckets[1],
        object_name=answer["name"],
        data=io.BytesIO(b"\0" * size),
        length=size,
        content_type=content_type,
    )
    assert errors(answer["ticket"]) == [code]
    assert not MinioBackend(profile="testapp").exists(answer["name"])


def test_an_empty_value_keeps_the_current_file(upload_buckets: tuple[str, str]) -> None:
    answer = uploaded()
    document = submit(answer["ticket"]).save()
    form = DocumentForm({"file": ""}, instance=document)
    assert form.is_valid(), form.errors
    assert form.save().file.name == answer["name"]
    assert not DocumentForm({"file": ""}).is_valid()  # required without a current file


def test_the_widget_renders_a_file_input_without_a_name(upload_buckets: tuple[str, str]) -> None:
    html = str(DocumentForm()["file"])
    assert 'type="file"' in html and 'name="file"' in html
    file_input = html.split('type="file"', 1)[1].split(">", 1)[0]
    assert "name=" not in file_input  # the file itself never goes to Django
    assert f'data-ticket-url="/uploads/{FIELD}/"' in html
    assert 'accept="application/*"' in html
    assert "django_minio_backend/direct-upload.js" in str(DocumentForm().media)
    assert isinstance(DocumentForm().fields["file"].widget, MinioDirectFileWidget)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"field_id": ""}, "field_id"),
        ({"max_size": 0}, "max_size"),
        ({"min_size": 11}, "min_size"),
        ({"content_types": ["image/png", "text/plain"]}, "several families"),
        ({"upload_to": "a/../b"}, "segment"),
    ],
)
def test_bad_field_declarations_are_refused(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        MinioDirectFileField(**{"field_id": "bad", "max_size": 10, **arguments})
