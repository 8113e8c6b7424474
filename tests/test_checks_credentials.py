"""System checks of credentials sources and encryption: what is missing, found without a request;
SSE-C refused on public buckets (E014) and warned about over plain HTTP (W007)."""

from __future__ import annotations

import io
import json
import socket
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from minio.credentials.providers import IamAwsProvider

from tests.test_checks import MINIO, TAG, app_profile, by_id, only, profile, run

KEY = b"k" * 32


def keyless(**fields: Any) -> dict[str, Any]:
    base = profile(**fields)
    del base["access_key"], base["secret_key"]
    return base


@pytest.fixture(autouse=True)
def no_env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "MINIO_ACCESS_KEY",
        "MINIO_SECRET_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)


def test_missing_keys_name_credentials_as_the_alternative(settings: Any) -> None:
    settings.MINIO_PROFILES = {"p": keyless(), "testapp": app_profile()}
    messages = by_id(run(), "E003")
    assert [m.msg for m in messages] == [
        "access_key: is required but missing",
        "secret_key: is required but missing",
    ]
    assert "credentials='env'" in str(messages[0].hint)


def test_keys_and_credentials_together_are_refused(settings: Any) -> None:
    settings.MINIO_PROFILES = {"p": profile(credentials="env"), "testapp": app_profile()}
    message = only(run(), "E001")
    assert message.msg == "credentials: access_key and secret_key given together with credentials"


def test_env_and_file_sources_say_what_is_missing(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing_file = tmp_path / "nope"
    sectionless = tmp_path / "credentials"
    sectionless.write_text("[other]\naws_access_key_id = a\naws_secret_access_key = b\n")
    settings.MINIO_PROFILES = {
        "env": keyless(credentials="env"),
        "file": keyless(credentials={"file": str(missing_file)}),
        "section": keyless(credentials={"file": str(sectionless), "profile": "app"}),
        "iam": keyless(credentials=IamAwsProvider()),  # asked only when used: nothing to say
        "bad": keyless(credentials={"path": "x"}),
        "testapp": app_profile(),
    }
    messages = run()
    found = {m.obj: m.msg for m in by_id(messages, "E013")}
    assert found == {
        "profile 'env'": "credentials: 'env' needs the environment variables MINIO_ACCESS_KEY "
        "and MINIO_SECRET_KEY or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; none of these "
        "pairs is set",
        "profile 'file'": f"credentials: cannot read the credentials file {missing_file}: "
        "[Errno 2] No such file or directory: '" + str(missing_file) + "'",
        "profile 'section'": (
            f"credentials: the credentials file {sectionless} has no [app] section"
        ),
    }
    bad = only(messages, "E001")
    assert bad.obj == "profile 'bad'" and "expected the keys 'file'" in bad.msg
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "a")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "b")
    sectionless.write_text("[app]\naws_access_key_id = a\naws_secret_access_key = b\n")
    settings.MINIO_PROFILES = {**settings.MINIO_PROFILES}
    del settings.MINIO_PROFILES["bad"], settings.MINIO_PROFILES["file"]
    assert run() == []


def test_sse_c_on_public_buckets_over_http_and_missing_env_keys(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ABSENT_SSE_KEY", raising=False)
    settings.MINIO_PROFILES = {
        "p": profile(
            public_buckets=["site"],
            private_buckets=["vault"],
            default_bucket="vault",
            encryption={"customer_key": KEY},
        ),
        "s": profile(public_buckets=["pics"], private_buckets=["docs"], use_https=True),
        "testapp": app_profile(),
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "pics": {
            "BACKEND": MINIO,
            "OPTIONS": {
                "profile": "s",
                "bucket_name": "pics",
                "encryption": {"customer_key": "env:ABSENT_SSE_KEY"},
            },
        },
        "docs": {
            "BACKEND": MINIO,
            "OPTIONS": {"profile": "s", "bucket_name": "docs", "encryption": "SSE-S3"},
        },
    }
    messages = run()
    public = by_id(messages, "E014")
    assert [(m.obj, m.msg.split(":")[0]) for m in public] == [
        ("profile 'p'", "encryption"),
        ("STORAGES['pics']", "STORAGES['pics'] option 'encryption'"),
    ]
    assert "SSE-C on the public bucket 'site'" in public[0].msg
    assert "SSE-C on the public bucket 'pics'" in public[1].msg
    plain = only(messages, "W007")
    assert plain.obj == "profile 'p'" and "unencrypted" in plain.msg
    absent = only(messages, "E013")
    assert absent.obj == "STORAGES['pics']"
    assert "ABSENT_SSE_KEY holding the SSE-C key is not set" in absent.msg


def test_manage_py_check_with_a_broken_provider_configuration(settings: Any) -> None:
    # The closing note of issue 14 shows this run.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        endpoint = f"127.0.0.1:{listener.getsockname()[1]}"
        settings.MINIO_PROFILES = {
            "default": keyless(endpoint=endpoint, credentials="env"),
            "archive": keyless(
                endpoint=endpoint, credentials={"file": "/nonexistent/credentials", "profile": "x"}
            ),
            "both": profile(endpoint=endpoint, credentials=IamAwsProvider(), session_token="t"),
            "vault": keyless(
                endpoint=endpoint,
                credentials="env",
                public_buckets=["site"],
                encryption={"customer_key": "env:ABSENT_SSE_KEY"},
            ),
            "testapp": app_profile(),
        }
        out, err = io.StringIO(), io.StringIO()
        with pytest.raises(SystemCheckError) as raised:
            call_command("check", tags=[TAG], stdout=out, stderr=err)
        with pytest.raises(BlockingIOError):
            listener.accept()  # no check connected to the server
    text = str(raised.value) + out.getvalue() + err.getvalue()
    print(text)
    assert "Traceback" not in text
    for expected in (
        "profile 'default': (django_minio_backend.E013) credentials: 'env' needs",
        "profile 'archive': (django_minio_backend.E013) credentials: cannot read the "
        "credentials file /nonexistent/credentials",
        "profile 'both': (django_minio_backend.E001) credentials: access_key and secret_key "
        "and session_token given together with credentials",
        "profile 'vault': (django_minio_backend.E014) encryption: SSE-C on the public bucket",
        "profile 'vault': (django_minio_backend.E013) encryption: the environment variable "
        "ABSENT_SSE_KEY holding the SSE-C key is not set",
        "profile 'vault': (django_minio_backend.W007) encryption: SSE-C over plain HTTP",
    ):
        assert expected in text, expected
    assert "session_token='t'" not in text


def test_minio_profiles_shows_the_credential_source_and_encryption_mode(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APP_SSE_KEY", "a2V5" * 11)
    settings.MINIO_PROFILES = {
        "env": keyless(credentials="env", encryption="SSE-S3"),
        "file": keyless(
            credentials={"file": "/run/secrets/s3", "profile": "app"},
            encryption={"kms_key_id": "app-key"},
        ),
        "iam": keyless(credentials=IamAwsProvider(), encryption={"customer_key": KEY}),
        "token": profile(
            session_token="token-value-123", encryption={"customer_key": "env:APP_SSE_KEY"}
        ),
        "testapp": app_profile(),
    }
    out = io.StringIO()
    call_command("minio_profiles", "--json", stdout=out)
    entries = {entry["name"]: entry for entry in json.loads(out.getvalue())["profiles"]}
    assert entries["env"]["credentials"].startswith("env (MINIO_ACCESS_KEY")
    assert entries["env"]["encryption"] == "SSE-S3"
    assert entries["file"]["credentials"] == "file /run/secrets/s3 [app]"
    assert entries["file"]["encryption"] == "SSE-KMS (key id 'app-key')"
    assert entries["iam"]["credentials"] == "provider IamAwsProvider"
    assert entries["iam"]["encryption"] == "SSE-C (key from settings)"
    assert entries["token"]["session_token"] == "***"
    assert entries["token"]["encryption"] == "SSE-C (key from $APP_SSE_KEY)"
    text = io.StringIO()
    call_command("minio_profiles", stdout=text)
    shown = out.getvalue() + text.getvalue()
    assert "token-value-123" not in shown and "kkkk" not in shown and "a2V5" not in shown
    assert "SSE-C (key from $APP_SSE_KEY)" in text.getvalue()
