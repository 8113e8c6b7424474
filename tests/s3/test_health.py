"""``check_server`` and ``MinioServerStatus`` against the real server."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from django_minio_backend.errors import ConfigurationError
from django_minio_backend.s3.health import MinioServerStatus, check_server
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import server_profile


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def down_profile(**fields: object) -> dict[str, object]:
    """A profile whose server does not exist: every request fails at once."""
    return {
        "endpoint": f"127.0.0.1:{closed_port()}",
        "access_key": "down-access-key",
        "secret_key": "down-secret-key-value",
        "use_https": False,
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_retries": 0,
        **fields,
    }


def test_available_server_is_truthy_with_details(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"up": server_profile(s3_server)}
    status = check_server("up")
    assert status
    assert status.is_available
    assert status.profile == "up"
    assert status.endpoint == f"http://{s3_server.endpoint}"
    assert status.latency_ms >= 0
    assert "accepts the credentials" in status.details
    assert str(status) == f"MinIO is available at http://{s3_server.endpoint} (profile 'up')"


def test_wrong_secret_is_refused_credentials(settings: Any, s3_server: S3Server) -> None:
    secret = "wrong-secret-never-shown-1234"
    settings.MINIO_PROFILES = {"bad": server_profile(s3_server, secret_key=secret)}
    status = check_server("bad")
    assert not status
    assert "answered but" not in status.details
    assert "refused the credentials of profile 'bad'" in status.details
    assert "SignatureDoesNotMatch" in status.details
    for text in (status.details, repr(status), str(status)):
        assert secret not in text
        assert s3_server.access_key not in text


def test_unknown_access_key_is_reported(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"stranger": server_profile(s3_server, access_key="nobody-here")}
    status = check_server("stranger")
    assert not status
    assert "InvalidAccessKeyId" in status.details


def test_unreachable_server_is_reported_not_raised(settings: Any) -> None:
    profile = down_profile()
    settings.MINIO_PROFILES = {"down": profile}
    status = check_server("down")
    assert not status
    assert status.endpoint == f"http://{profile['endpoint']}"
    assert f"the server at http://{profile['endpoint']} is unreachable" in status.details
    assert "refused" in status.details.lower()
    assert "down-secret-key-value" not in repr(status)


def test_unknown_profile_is_a_configuration_error(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"up": server_profile(s3_server)}
    with pytest.raises(ConfigurationError, match="unknown profile 'nope'.*'up'"):
        check_server("nope")


def test_status_keeps_the_seed_interface() -> None:
    status = MinioServerStatus("p", "http://h:1", False, 1.0, ("first", "second"))
    assert bool(status) is False
    assert status.is_available is False
    assert status.details == "first\nsecond"
