"""HTTPS: certificates are verified by default, ``ca_certs`` trusts a private CA, errors are clear.

The server is SeaweedFS serving HTTPS with a certificate made by a CA created in this module.
"""

from __future__ import annotations

import io
import ssl
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from django.core import checks
from django.core.files.base import ContentFile

from django_minio_backend import MinioBackend
from django_minio_backend.errors import ServerUnavailableError
from django_minio_backend.s3.clients import profile_clients
from tests.fault_proxy import FaultProxy
from tests.helpers import read_object, server_profile
from tests.tls_support import CertificateAuthority, HttpsS3Server, running_https_s3_server


@pytest.fixture(scope="module")
def tls_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("tls")


@pytest.fixture(scope="module")
def test_ca(tls_dir: Path) -> CertificateAuthority:
    return CertificateAuthority.create(tls_dir)


@pytest.fixture(scope="module")
def https_server(test_ca: CertificateAuthority, tls_dir: Path) -> Iterator[HttpsS3Server]:
    # Only 127.0.0.1 is in the certificate: "localhost" is a name it does not cover.
    with running_https_s3_server(test_ca.issue(tls_dir, hosts=("127.0.0.1",))) as server:
        yield server


def https_profile(server: HttpsS3Server, **fields: Any) -> dict[str, Any]:
    """A profile for the HTTPS listener, with short timeouts so failures come back fast."""
    defaults: dict[str, Any] = {
        "endpoint": server.https_endpoint,
        "use_https": True,
        "connect_timeout": 2.0,
        "read_timeout": 10.0,
        "max_retries": 1,
    }
    return server_profile(server.server, **{**defaults, **fields})


def verification_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure somewhere in ``exc``'s chain (urllib3 wraps it)."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        pending.extend([current.__cause__, current.__context__, getattr(current, "reason", None)])
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return None


def test_trusted_through_ca_certs(
    settings: Any, https_server: HttpsS3Server, test_ca: CertificateAuthority
) -> None:
    settings.MINIO_PROFILES = {"tls": https_profile(https_server, ca_certs=str(test_ca.ca_path))}
    client = profile_clients("tls").internal
    bucket = f"tls-{uuid.uuid4().hex[:12]}"
    client.make_bucket(bucket_name=bucket)
    client.put_object(
        bucket_name=bucket, object_name="hello.txt", data=io.BytesIO(b"over tls"), length=8
    )
    assert read_object(client, bucket, "hello.txt") == b"over tls"


def test_certificates_are_verified_by_default(settings: Any, https_server: HttpsS3Server) -> None:
    # No ca_certs: certifi's bundle, which does not hold the test CA.
    settings.MINIO_PROFILES = {"tls": https_profile(https_server)}
    with pytest.raises(Exception) as caught:
        list(profile_clients("tls").internal.list_buckets())
    error = verification_error(caught.value)
    assert error is not None, f"not a certificate error: {caught.value!r}"
    assert "unable to get local issuer certificate" in str(error)


def test_a_different_ca_is_not_trusted(
    settings: Any, https_server: HttpsS3Server, tls_dir: Path
) -> None:
    stranger = CertificateAuthority.create(tls_dir, name="unrelated CA")
    settings.MINIO_PROFILES = {"tls": https_profile(https_server, ca_certs=str(stranger.ca_path))}
    with pytest.raises(Exception) as caught:
        list(profile_clients("tls").internal.list_buckets())
    assert verification_error(caught.value) is not None, repr(caught.value)


def test_host_name_must_match_the_certificate(
    settings: Any, https_server: HttpsS3Server, test_ca: CertificateAuthority
) -> None:
    settings.MINIO_PROFILES = {
        "tls": https_profile(
            https_server,
            endpoint=f"localhost:{https_server.https_port}",
            ca_certs=str(test_ca.ca_path),
        )
    }
    with pytest.raises(Exception) as caught:
        list(profile_clients("tls").internal.list_buckets())
    error = verification_error(caught.value)
    assert error is not None, repr(caught.value)
    assert "localhost" in str(error)


def test_cert_check_false_skips_verification_only_when_asked(
    settings: Any, https_server: HttpsS3Server
) -> None:
    settings.MINIO_PROFILES = {"tls": https_profile(https_server, cert_check=False)}
    with pytest.warns(Warning, match="Unverified HTTPS request"):
        buckets = list(profile_clients("tls").internal.list_buckets())
    assert isinstance(buckets, list)


def storage_profiles(server: HttpsS3Server, bucket: str, **fields: Any) -> dict[str, Any]:
    return {
        "tls": https_profile(
            server,
            private_buckets=[bucket],
            default_bucket=bucket,
            external_use_https=True,
            **fields,
        )
    }


def test_storage_over_https_with_a_private_ca(
    settings: Any, https_server: HttpsS3Server, test_ca: CertificateAuthority
) -> None:
    bucket = f"tls-{uuid.uuid4().hex[:12]}"
    https_server.server.client().make_bucket(bucket_name=bucket)
    settings.MINIO_PROFILES = storage_profiles(https_server, bucket, ca_certs=str(test_ca.ca_path))
    storage = MinioBackend(profile="tls")
    name = storage.save("tls/report.txt", ContentFile(b"secret report"))
    with storage.open(name) as handle:
        assert handle.read() == b"secret report"
    url = storage.url(name)
    assert url.startswith(f"https://{https_server.https_endpoint}/{bucket}/tls/report.txt?")
    pool = urllib3.PoolManager(ca_certs=str(test_ca.ca_path), retries=False)
    assert pool.request("GET", url).data == b"secret report"


def test_untrusted_certificate_is_a_clear_error_naming_the_profile(
    settings: Any, https_server: HttpsS3Server
) -> None:
    bucket = f"tls-{uuid.uuid4().hex[:12]}"
    settings.MINIO_PROFILES = storage_profiles(https_server, bucket)
    storage = MinioBackend(profile="tls")
    with pytest.raises(ServerUnavailableError) as caught:
        storage.save("tls/never.txt", ContentFile(b"x"))
    message = str(caught.value)
    assert "profile 'tls'" in message
    assert https_server.https_endpoint in message
    assert "certificate verify failed" in message
    assert verification_error(caught.value) is not None
    status = storage.is_minio_available()
    assert not status
    assert "certificate verify failed" in status.details


def test_cert_check_false_is_a_system_check_warning(
    settings: Any, https_server: HttpsS3Server
) -> None:
    settings.MINIO_PROFILES = {
        "unchecked": https_profile(https_server, cert_check=False),
        "checked": https_profile(https_server),
    }
    warnings = [m for m in checks.run_checks() if m.id == "django_minio_backend.W003"]
    assert len(warnings) == 1
    assert "unchecked" in str(warnings[0])
    assert warnings[0].level == checks.WARNING


def test_a_rejected_certificate_is_not_retried(settings: Any, https_server: HttpsS3Server) -> None:
    # Retrying cannot change a certificate: one handshake, even with retries configured.
    with FaultProxy(https_server.https_endpoint) as proxy:
        settings.MINIO_PROFILES = {
            "tls": https_profile(https_server, endpoint=proxy.endpoint, max_retries=3)
        }
        with pytest.raises(ServerUnavailableError, match="certificate verify failed"):
            MinioBackend(profile="tls").exists("anything.txt")
        assert proxy.stats.connections == 1
