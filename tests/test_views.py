"""The ticket view of ``django_minio_backend.urls`` (Django's test client, the real server)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.test import Client

from django_minio_backend.forms import MinioDirectFileField, ticket_salt
from django_minio_backend.models import MinioBackend
from django_minio_backend.testing.s3server import S3Server
from tests.direct_upload_support import send, upload_buckets
from tests.helpers import read_object

__all__ = ["upload_buckets"]

# Declared once (as a form module would): only logged-in users may upload.
MEMBERS_ONLY = MinioDirectFileField(
    field_id="tests-members",
    storage=MinioBackend(),
    upload_to="members",
    max_size=1000,
    content_types=["text/*"],
)


def ticket(client: Client, field_id: str = "tests-members", **data: Any) -> Any:
    return client.post(
        f"/uploads/{field_id}/", {"name": "notes.txt", "size": "5", "type": "text/plain", **data}
    )


@pytest.fixture
def member(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_user("member"))
    return client


def test_a_logged_in_user_gets_a_signed_upload_and_a_ticket(
    member: Client, upload_buckets: tuple[str, str], s3_server: S3Server
) -> None:
    response = ticket(member, name="../../etc/My Notes.txt")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer["method"] == "POST"
    assert answer["name"].startswith("members/My_Notes_") and answer["name"].endswith(".txt")
    assert answer["fields"]["Content-Type"] == "text/plain"
    payload = signing.loads(answer["ticket"], salt=ticket_salt("tests-members"))
    assert payload["name"] == answer["name"] and payload["user"] is not None
    assert send(answer, b"hello", "text/plain").status == 204
    assert read_object(s3_server.client(), upload_buckets[0], answer["name"]) == b"hello"
    assert "no-cache" in response["Cache-Control"]


def test_anonymous_users_are_refused(db: None, upload_buckets: tuple[str, str]) -> None:
    response = ticket(Client())
    assert response.status_code == 403
    assert "ticket" not in response.json()


def test_an_unknown_field_is_not_found(member: Client) -> None:
    response = ticket(member, field_id="no-such-field")
    assert response.status_code == 404
    assert "no-such-field" in response.json()["error"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"size": "1001"}, "too large"),
        ({"size": "-1"}, "size"),
        ({"size": "lots"}, "size"),
        ({"type": "image/png"}, "not accepted"),
        ({"type": ""}, "application/octet-stream are not accepted"),
    ],
)
def test_sizes_and_types_outside_the_limits_are_refused(
    member: Client, upload_buckets: tuple[str, str], data: dict[str, str], message: str
) -> None:
    response = ticket(member, **data)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_only_post_with_a_csrf_token(db: None, upload_buckets: tuple[str, str]) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user("strict"))
    assert client.get("/uploads/tests-members/").status_code == 405
    assert ticket(client).status_code == 403  # no CSRF token


def test_long_names_fit_the_model_field(member: Client, upload_buckets: tuple[str, str]) -> None:
    answer = json.loads(ticket(member, name="n" * 300 + ".txt").content)
    assert len(answer["name"]) <= 100 and answer["name"].endswith(".txt")
