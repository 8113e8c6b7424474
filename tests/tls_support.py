"""TLS for tests: a throw-away certificate authority and a SeaweedFS server that speaks HTTPS.

Certificates are made in the test run with ``cryptography`` (a dev dependency); nothing is read from
or written to the system trust store. ``weed mini`` serves HTTPS on an extra port
(``-s3.port.https``) and keeps plain HTTP on its usual port, so :class:`S3Server` readiness polling
works unchanged.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from django_minio_backend.testing.s3server import S3Server, _pick_ports, _release_ports

__all__ = ["CertificateAuthority", "HttpsS3Server", "ServerCertificate", "running_https_s3_server"]

_VALIDITY = datetime.timedelta(days=1)


@attrs.frozen
class ServerCertificate:
    """PEM files of a server certificate and its private key."""

    cert_path: Path
    key_path: Path


@attrs.frozen
class CertificateAuthority:
    """A CA made for one test session; ``ca_path`` is the PEM bundle clients should trust."""

    name: str
    ca_path: Path
    _key: ec.EllipticCurvePrivateKey = attrs.field(repr=False)
    _cert: x509.Certificate = attrs.field(repr=False)

    @classmethod
    def create(
        cls, directory: Path, name: str = "django-minio-backend test CA"
    ) -> CertificateAuthority:
        """A new self-signed CA whose certificate is written to ``directory/<slug>-ca.pem``."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        slug = "".join(ch if ch.isalnum() else "-" for ch in name.lower())
        ca_path = directory / f"{slug}-ca.pem"
        ca_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return cls(name=name, ca_path=ca_path, key=key, cert=cert)

    def issue(
        self, directory: Path, hosts: Sequence[str] = ("127.0.0.1", "localhost")
    ) -> ServerCertificate:
        """A server certificate for ``hosts`` (IP addresses or DNS names), signed by this CA."""
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        now = datetime.datetime.now(datetime.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
            .issuer_name(self._cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
            )
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        stem = "-".join(hosts).replace(":", "_")
        cert_path = directory / f"{stem}-cert.pem"
        key_path = directory / f"{stem}-key.pem"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        return ServerCertificate(cert_path=cert_path, key_path=key_path)


@attrs.frozen
class HttpsS3Server:
    """A running SeaweedFS with HTTPS on ``https_endpoint`` (plain HTTP stays on ``server``)."""

    server: S3Server
    https_port: int

    @property
    def https_endpoint(self) -> str:
        """``host:port`` of the HTTPS listener."""
        return f"127.0.0.1:{self.https_port}"


@contextlib.contextmanager
def running_https_s3_server(certificate: ServerCertificate) -> Iterator[HttpsS3Server]:
    """Start ``weed mini`` serving S3 over HTTPS with ``certificate``; stop and clean up after."""
    (https_port,) = _pick_ports(1)
    server = S3Server(
        extra_args=(
            f"-s3.cert.file={certificate.cert_path}",
            f"-s3.key.file={certificate.key_path}",
            f"-s3.port.https={https_port}",
        )
    )
    try:
        with server:
            yield HttpsS3Server(server=server, https_port=https_port)
    finally:
        _release_ports([https_port])
