"""Credentials providers: concealed, re-read when they rotate, used by every client and by the
URL signer. Rotation runs against a real server that knows two identities."""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import urllib3
from django.core.files.base import ContentFile
from minio import Minio
from minio.credentials.credentials import Credentials
from minio.credentials.providers import Provider, StaticProvider
from minio.error import S3Error

from django_minio_backend import MinioBackend
from django_minio_backend.profiles.credential_sources import CredentialsFile
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.credentials import (
    ConcealedCredentials,
    ConcealingProvider,
    CredentialsUnavailableError,
    EnvProvider,
    FileProvider,
)
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import RecordingPool, new_bucket_name, server_profile

ENV_NAMES = (
    "MINIO_ACCESS_KEY",
    "MINIO_SECRET_KEY",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)


def identity(name: str) -> tuple[str, str]:
    return f"{name}-{secrets.token_hex(4)}", f"{name}-secret-{secrets.token_hex(12)}"


@pytest.fixture(scope="module")
def identities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[S3Server, Any]]:
    """A server that accepts two identities (``-s3.config``): the server's own and a second."""
    first, second = identity("one"), identity("two")
    config = tmp_path_factory.mktemp("s3config") / "s3.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": name,
                        "credentials": [{"accessKey": access, "secretKey": secret}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                    for name, (access, secret) in (("one", first), ("two", second))
                ]
            }
        )
    )
    with S3Server(*first, extra_args=[f"-s3.config={config}"]) as server:
        yield server, (first, second)


class SwitchableProvider(Provider):
    """A provider whose keys the test changes mid-run, as a rotating secret store would."""

    def __init__(self, access_key: str, secret_key: str) -> None:
        self.credentials = Credentials(access_key, secret_key)
        self.calls = 0

    def switch(self, access_key: str, secret_key: str) -> None:
        self.credentials = Credentials(access_key, secret_key)

    def retrieve(self) -> Credentials:
        self.calls += 1
        return self.credentials


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --------------------------------------------------------------------------- providers alone


def test_env_prefers_minio_variables_then_aws_with_token(clean_env: pytest.MonkeyPatch) -> None:
    provider = EnvProvider("p")
    with pytest.raises(CredentialsUnavailableError, match=r"profile 'p'.*MINIO_ACCESS_KEY"):
        provider.retrieve()
    clean_env.setenv("AWS_ACCESS_KEY_ID", "aws-ak")
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", "aws-sk")
    clean_env.setenv("AWS_SESSION_TOKEN", "aws-token")
    aws = provider.retrieve()
    assert (aws.access_key, aws.secret_key, aws.session_token) == ("aws-ak", "aws-sk", "aws-token")
    assert provider.retrieve() is aws  # unchanged variables: the same object, no new copy
    clean_env.setenv("MINIO_ACCESS_KEY", "minio-ak")
    clean_env.setenv("MINIO_SECRET_KEY", "minio-sk")
    minio = provider.retrieve()
    assert (minio.access_key, minio.secret_key, minio.session_token) == (
        "minio-ak",
        "minio-sk",
        None,
    )


def test_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    provider = FileProvider(CredentialsFile(str(path), "app"), "p")
    with pytest.raises(CredentialsUnavailableError, match="cannot read the credentials file"):
        provider.retrieve()
    path.write_text("[default]\naws_access_key_id = d\naws_secret_access_key = d\n")
    with pytest.raises(CredentialsUnavailableError, match=r"has no \[app\] section"):
        provider.retrieve()
    path.write_text("[app]\naws_access_key_id = first\naws_secret_access_key = s1\n")
    assert provider.retrieve().access_key == "first"
    path.write_text(
        "[app]\naws_access_key_id = second-key\naws_secret_access_key = s2\n"
        "aws_session_token = tok\n"
    )
    rotated = provider.retrieve()
    assert (rotated.access_key, rotated.secret_key, rotated.session_token) == (
        "second-key",
        "s2",
        "tok",
    )
    path.write_text("[app]\naws_access_key_id = k\n")
    with pytest.raises(CredentialsUnavailableError, match="lacks aws_secret_access_key"):
        provider.retrieve()


def test_any_provider_hands_out_concealed_credentials() -> None:
    secret, token = "conceal-" + secrets.token_hex(8), "token-" + secrets.token_hex(8)
    inner = StaticProvider("ak", secret, token)
    provider = ConcealingProvider(inner)
    credentials = provider.retrieve()
    assert isinstance(credentials, ConcealedCredentials)
    assert provider.retrieve() is credentials  # one copy per credentials object
    assert (credentials.secret_key, credentials.session_token) == (secret, token)
    shown = repr(credentials) + str(credentials) + repr(provider) + repr(credentials.session_token)
    shown += repr({"X-Amz-Security-Token": credentials.session_token})
    assert secret not in shown and token not in shown
    assert "StaticProvider" in repr(provider)


# --------------------------------------------------------------------------- rotation on the server


def test_keys_rotated_mid_run_reach_every_client_and_the_url_signer(
    identities: tuple[S3Server, Any], settings: Any
) -> None:
    server, ((first_key, first_secret), (second_key, second_secret)) = identities
    bucket = new_bucket_name()
    server.client().make_bucket(bucket_name=bucket)
    provider = SwitchableProvider(first_key, first_secret)
    pool = RecordingPool()
    profile = server_profile(server, private_buckets=[bucket], default_bucket=bucket)
    del profile["access_key"], profile["secret_key"]
    settings.MINIO_PROFILES = {
        "rotating": {**profile, "credentials": provider, "http_client": pool}
    }
    storage, other = MinioBackend(profile="rotating"), MinioBackend(bucket, "rotating")

    before = storage.save("rotation/a.txt", ContentFile(b"first identity"))
    first_url = storage.url(before)
    provider.switch(second_key, second_secret)
    after = other.save("rotation/b.txt", ContentFile(b"second identity"))
    second_url = storage.url(before)

    # Every request carried the key in use when it was sent.
    signed = [r.headers.get("Authorization", "") for r in pool.requests]
    switched = next(i for i, auth in enumerate(signed) if f"Credential={second_key}/" in auth)
    assert all(f"Credential={first_key}/" in auth for auth in signed[:switched])
    assert all(f"Credential={second_key}/" in auth for auth in signed[switched:])
    # Both identities are real: each reads what the other wrote.
    with storage.open(after) as handle:
        assert handle.read() == b"second identity"
    assert other.size(before) == len(b"first identity")
    # The signer followed the key: its cached signing key of the first secret was dropped.
    assert f"X-Amz-Credential={first_key}%2F" in first_url
    assert f"X-Amz-Credential={second_key}%2F" in second_url
    for url in (first_url, second_url):
        response = urllib3.request("GET", url)
        assert response.status == 200 and response.data == b"first identity"
    # A key the server does not know is refused: the provider's keys are really the ones used.
    provider.switch("unknown-key", "unknown-secret-0123456789")
    with pytest.raises(S3Error) as refused:
        storage.open(before)
    assert refused.value.code == "InvalidAccessKeyId"
    assert urllib3.request("GET", storage.url(before)).status == 403
    assert profile_clients("rotating").provider.retrieve().access_key == "unknown-key"


def test_a_rotated_credentials_file_is_used_at_once(
    identities: tuple[S3Server, Any], settings: Any, tmp_path: Path
) -> None:
    server, ((first_key, first_secret), (second_key, second_secret)) = identities
    bucket = new_bucket_name()
    server.client().make_bucket(bucket_name=bucket)
    path = tmp_path / "credentials"
    path.write_text(
        f"[app]\naws_access_key_id = {first_key}\naws_secret_access_key = {first_secret}\n"
    )
    profile = server_profile(server, private_buckets=[bucket], default_bucket=bucket)
    del profile["access_key"], profile["secret_key"]
    settings.MINIO_PROFILES = {
        "filed": {**profile, "credentials": {"file": str(path), "profile": "app"}}
    }
    storage = MinioBackend(profile="filed")
    name = storage.save("file/a.txt", ContentFile(b"x"))
    path.write_text(
        f"[app]\naws_access_key_id = {second_key}\naws_secret_access_key = {second_secret}\n"
    )
    assert storage.exists(name)
    assert f"X-Amz-Credential={second_key}%2F" in storage.url(name)
    assert urllib3.request("GET", storage.url(name)).data == b"x"
    path.write_text("[app]\naws_access_key_id = nobody\naws_secret_access_key = nobody-secret\n")
    with pytest.raises(S3Error, match="InvalidAccessKeyId"):
        storage.open(name)


def test_env_credentials_on_the_server(
    identities: tuple[S3Server, Any], settings: Any, clean_env: pytest.MonkeyPatch
) -> None:
    server, ((_first_key, _first_secret), (second_key, second_secret)) = identities
    bucket = new_bucket_name()
    server.client().make_bucket(bucket_name=bucket)
    clean_env.setenv("AWS_ACCESS_KEY_ID", second_key)
    clean_env.setenv("AWS_SECRET_ACCESS_KEY", second_secret)
    profile = server_profile(server, private_buckets=[bucket], default_bucket=bucket)
    del profile["access_key"], profile["secret_key"]
    settings.MINIO_PROFILES = {"from-env": {**profile, "credentials": "env"}}
    storage = MinioBackend(profile="from-env")
    name = storage.save("env/a.txt", ContentFile(b"env"))
    assert storage.open(name).read() == b"env"
    assert storage.is_minio_available()
    clean_env.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(CredentialsUnavailableError, match="profile 'from-env'"):
        storage.exists(name)
    status = storage.is_minio_available()
    assert not status and "'env' needs the environment variables" in status.details


def test_a_session_token_is_sent_and_signed_like_the_sdk_does(
    identities: tuple[S3Server, Any], settings: Any
) -> None:
    # SeaweedFS refuses a token its STS did not issue: that answer shows the token was sent.
    server, _ = identities
    pool = RecordingPool()
    token = "session/token+" + secrets.token_hex(8)
    settings.MINIO_PROFILES = {
        "sts": server_profile(
            server,
            session_token=token,
            http_client=pool,
            private_buckets=["x-b"],
            default_bucket="x-b",
        )
    }
    storage = MinioBackend(profile="sts")
    with pytest.raises(S3Error, match="InvalidAccessKeyId"):
        storage.open("a")
    assert pool.requests[-1].headers["X-Amz-Security-Token"] == token
    assert "x-amz-security-token" in pool.requests[-1].headers["Authorization"]  # signed
    # The presigned URL is the one the SDK builds with that token.
    when = datetime(2026, 11, 25, 13, 14, 15, tzinfo=UTC)
    sdk = Minio(
        endpoint=server.endpoint,
        credentials=StaticProvider(server.access_key, server.secret_key, token),
        secure=False,
        region="us-east-1",
    )
    expected = sdk.get_presigned_url(
        method="GET", bucket_name="x-b", object_name="a b.txt", request_date=when
    )
    ours = profile_clients("sts").signer.presigned_get("x-b", "a b.txt", now=when.timestamp())
    assert ours == expected
    assert "X-Amz-Security-Token=session%2Ftoken%2B" in ours


def test_rotation_is_safe_under_threads(settings: Any) -> None:
    provider = SwitchableProvider("ak-0", "sk-0")
    settings.MINIO_PROFILES = {"t": {"endpoint": "m:1", "credentials": provider}}
    signer = profile_clients("t").signer
    expected = {}
    for index in range(2):
        provider.switch(f"ak-{index}", f"sk-{index}")
        expected[f"ak-{index}"] = signer.presigned_get("b", "k", now=1_700_000_000.0)
    errors: list[str] = []

    def sign(rounds: int) -> None:
        for round_ in range(rounds):
            provider.switch(f"ak-{round_ % 2}", f"sk-{round_ % 2}")
            url = signer.presigned_get("b", "k", now=1_700_000_000.0)
            if url not in expected.values():
                errors.append(url)

    threads = [threading.Thread(target=sign, args=(300,)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
