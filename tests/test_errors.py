"""One error hierarchy, and one wording for each kind of failure wherever it happens."""

from __future__ import annotations

import pickle
import socket
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile

import django_minio_backend
from django_minio_backend import (
    ConfigurationError,
    MinioBackend,
    MinioBackendError,
    ObjectChangedError,
    ObjectReadError,
    PrivatePublicMixedError,
    ServerResponseError,
    ServerUnavailableError,
    TruncatedObjectError,
)
from django_minio_backend.administration.bucket_setup import failure_summary, initialize_profile
from django_minio_backend.errors import (
    MISSING_CODES,
    Problem,
    missing_object,
    unexpected_answer,
    unreachable,
)
from django_minio_backend.s3 import object_reader
from django_minio_backend.s3.buckets import ensure_bucket
from django_minio_backend.s3.health import check_server, describe_error
from django_minio_backend.s3.sdk_requests import ObjectExistsError
from django_minio_backend.s3.uploads import IncompleteStreamError
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import server_profile

SECRET = "errors-secret-key-value"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# ----------------------------------------------------------------------------- the hierarchy


@pytest.mark.parametrize(
    ("error", "standard"),
    [
        (ConfigurationError, ImproperlyConfigured),
        (PrivatePublicMixedError, ConfigurationError),
        (ServerUnavailableError, ConnectionError),
        (ServerResponseError, OSError),
        (ObjectReadError, OSError),
        (ObjectChangedError, ObjectReadError),
        (TruncatedObjectError, ObjectReadError),
        (ObjectExistsError, FileExistsError),
        (IncompleteStreamError, OSError),
    ],
)
def test_every_error_is_a_backend_error_and_the_standard_type(
    error: type[Exception], standard: type[Exception]
) -> None:
    assert issubclass(error, MinioBackendError)
    assert issubclass(error, standard)


def test_instances_are_what_callers_catch() -> None:
    mixed = PrivatePublicMixedError(Problem("both", profile="p", code="E004"))
    assert isinstance(mixed, ImproperlyConfigured) and isinstance(mixed, MinioBackendError)
    down = ServerUnavailableError("p", "http://h:1", "refused")
    assert isinstance(down, ConnectionError) and isinstance(down, OSError)
    answer = ServerResponseError("p", "http://h:1", 502, "html")
    assert isinstance(answer, OSError) and not isinstance(answer, ConnectionError)
    assert not isinstance(answer, FileNotFoundError)
    for read in (
        ObjectReadError("b", "k", "stalled"),
        ObjectChangedError("b", "k"),
        TruncatedObjectError("b", "k", 1, 2),
    ):
        assert isinstance(read, OSError) and isinstance(read, MinioBackendError)


def test_public_names_are_exported_and_old_paths_still_work() -> None:
    for name in (
        "MinioBackendError",
        "ConfigurationError",
        "PrivatePublicMixedError",
        "ServerUnavailableError",
        "ServerResponseError",
        "ObjectReadError",
        "ObjectChangedError",
        "TruncatedObjectError",
    ):
        assert name in django_minio_backend.__all__
        assert hasattr(django_minio_backend, name)
    assert object_reader.ObjectReadError is ObjectReadError
    assert callable(describe_error)  # still importable from s3.health


@pytest.mark.parametrize(
    "error",
    [
        ServerUnavailableError("p", "http://h:1", "refused"),
        ServerResponseError("p", "http://h:1", 502, "html", "SlowDown"),
        ObjectReadError("b", "k", "stalled", "p"),
        ObjectChangedError("b", "k", "p"),
        TruncatedObjectError("b", "k", 1, 2, "p"),
        ConfigurationError("profile 'p': endpoint: bad"),
    ],
    ids=type,
)
def test_errors_survive_pickling(error: Exception) -> None:
    # A task queue or a cache may pickle an exception; it must come back the same.
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own bytes
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)


# ----------------------------------------------------------------------------- the wording


def test_the_wordings() -> None:
    base = "http://127.0.0.1:9000"
    assert unreachable(base, "refused") == f"the server at {base} is unreachable: refused"
    assert unexpected_answer(base, 502, "x") == (
        f"the server at {base} sent an unexpected answer (HTTP 502): x"
    )
    assert str(ServerUnavailableError("p", base, "refused")) == (
        f"profile 'p': the server at {base} is unreachable: refused"
    )
    error = ServerResponseError("p", base, 503, "x")
    assert (
        str(error) == f"profile 'p': the server at {base} sent an unexpected answer (HTTP 503): x"
    )
    assert (error.profile, error.endpoint, error.status, error.code) == ("p", base, 503, None)
    assert str(missing_object("p", "b", "k/1.txt")) == (
        "profile 'p': object 'k/1.txt' not found in bucket 'b'"
    )
    assert str(missing_object("p", "b", "k", "NoSuchBucket")) == (
        "profile 'p': object 'k' not found: bucket 'b' does not exist"
    )
    assert {"NoSuchKey", "NoSuchBucket"} <= MISSING_CODES


def test_unreachable_is_worded_the_same_by_storage_buckets_and_health(settings: Any) -> None:
    endpoint = f"127.0.0.1:{closed_port()}"
    settings.MINIO_PROFILES = {
        "down": {
            "endpoint": endpoint,
            "access_key": "errors-access-key",
            "secret_key": SECRET,
            "use_https": False,
            "connect_timeout": 2.0,
            "max_retries": 0,
            "private_buckets": ["t-errors-down"],
        }
    }
    expected = f"profile 'down': the server at http://{endpoint} is unreachable: "
    storage = MinioBackend(profile="down")
    raised: list[BaseException] = []
    for operation in (
        lambda: storage.exists("a.txt"),
        lambda: storage.open("a.txt"),
        lambda: storage.save("a.txt", ContentFile(b"x")),
        lambda: ensure_bucket("down", "t-errors-down"),
    ):
        with pytest.raises(ServerUnavailableError) as caught:
            operation()
        raised.append(caught.value)
    messages = {str(error) for error in raised}
    assert len(messages) == 1, messages
    (message,) = messages
    assert message.startswith(expected), message
    status = check_server("down")
    assert f"profile 'down': {status.details}" == message
    reports = initialize_profile("down", ())
    assert f"profile 'down': {reports[0].error}" == message
    assert failure_summary(reports) == f"{message} (buckets not initialised: 't-errors-down')"
    assert SECRET not in message


def test_missing_is_worded_the_same_by_every_operation(
    settings: Any, s3_server: S3Server, unique_bucket: str
) -> None:
    s3_server.client().make_bucket(bucket_name=unique_bucket)
    settings.MINIO_PROFILES = {"here": server_profile(s3_server, private_buckets=[unique_bucket])}
    storage = MinioBackend(unique_bucket, profile="here")
    expected = str(missing_object("here", unique_bucket, "gone/file.txt"))
    for operation in (storage.open, storage.size, storage.get_modified_time):
        with pytest.raises(FileNotFoundError) as caught:
            operation("gone/file.txt")
        assert str(caught.value) == expected
    assert not storage.exists("gone/file.txt")
