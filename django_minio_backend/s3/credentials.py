"""The credentials provider of a profile; whatever it is, its credentials never show a secret.

The SDK asks its provider for credentials before every request and keeps them as a local of the
frame that sends it, so every traceback of a failed request holds them: Django's DEBUG page, the
admin error e-mail and ``traceback`` with ``capture_locals`` print that local with ``repr``.
Every provider is therefore wrapped so that the credentials it hands out hide the secret key and
the session token; the token is also a ``ConcealedText``, so the request header made of it shows
``'***'`` too.
"""

from __future__ import annotations

import configparser
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from minio.credentials.credentials import Credentials
from minio.credentials.providers import Provider

from django_minio_backend.errors import MinioBackendError
from django_minio_backend.profiles.credential_sources import ENV, CredentialsFile
from django_minio_backend.profiles.model import MinioProfile

__all__ = [
    "ENV_VARIABLES",
    "ConcealedCredentials",
    "ConcealedStaticProvider",
    "ConcealedText",
    "ConcealingProvider",
    "CredentialsUnavailableError",
    "EnvProvider",
    "FileProvider",
    "credential_source_problem",
    "profile_provider",
]

# (access key, secret key, session token) variables, in the order they are tried.
ENV_VARIABLES: Final = (
    ("MINIO_ACCESS_KEY", "MINIO_SECRET_KEY", None),
    ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"),
)


class CredentialsUnavailableError(MinioBackendError, PermissionError):
    """A profile's credentials source gave no keys (variables unset, file unreadable...)."""

    def __init__(self, profile: str | None, message: str) -> None:
        self.profile = profile
        prefix = "" if profile is None else f"profile {profile!r}: "
        super().__init__(f"{prefix}credentials: {message}")


class ConcealedText(str):
    """A string whose ``repr`` is ``'***'``: a secret that must be sent but never shown."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "'***'"


class ConcealedCredentials(Credentials):
    """The SDK's credentials, shown without the secret key and the session token."""

    def __repr__(self) -> str:
        token = "" if self.session_token is None else ", session_token='***'"
        return f"{type(self).__name__}(access_key={self.access_key!r}, secret_key='***'{token})"

    __str__ = __repr__


def conceal(credentials: Credentials) -> ConcealedCredentials:
    """``credentials`` as ``ConcealedCredentials`` (the same object when it is one already)."""
    if isinstance(credentials, ConcealedCredentials):
        return credentials
    token = credentials.session_token
    return ConcealedCredentials(
        access_key=credentials.access_key,
        secret_key=ConcealedText(credentials.secret_key),
        session_token=None if token is None else ConcealedText(token),
        # minio 7.2.8 keeps the expiration only as _expiration; later releases expose it.
        expiration=getattr(credentials, "expiration", getattr(credentials, "_expiration", None)),
    )


class ConcealedStaticProvider(Provider):
    """Fixed credentials (the profile's keys) that never show the secret key or token."""

    def __init__(self, access_key: str, secret_key: str, session_token: str | None = None) -> None:
        self._credentials = conceal(
            Credentials(access_key=access_key, secret_key=secret_key, session_token=session_token)
        )

    def retrieve(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class ConcealingProvider(Provider):
    """Any provider, whose credentials are handed out concealed; the SDK's own providers
    refresh what expires (IAM, STS) and are asked on every request, so rotated keys are used
    at once. The concealed copy is made once per credentials object the provider returns."""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self._lock = threading.Lock()
        self._last: tuple[Credentials, ConcealedCredentials] | None = None

    def retrieve(self) -> Credentials:
        credentials = self.provider.retrieve()
        last = self._last
        if last is not None and last[0] is credentials:
            return last[1]
        concealed = conceal(credentials)
        with self._lock:
            self._last = (credentials, concealed)
        return concealed

    def __repr__(self) -> str:
        return f"{type(self).__name__}({type(self.provider).__name__})"


class EnvProvider(Provider):
    """``MINIO_ACCESS_KEY``/``MINIO_SECRET_KEY``, else ``AWS_ACCESS_KEY_ID``/
    ``AWS_SECRET_ACCESS_KEY``/``AWS_SESSION_TOKEN``, read on every request."""

    def __init__(self, profile: str | None = None, environ: Mapping[str, str] = os.environ) -> None:
        self.profile = profile
        self.environ = environ
        self._last: Credentials | None = None

    def retrieve(self) -> Credentials:
        found = env_keys(self.environ)
        if found is None:
            raise CredentialsUnavailableError(self.profile, _missing_env_text())
        last = self._last
        if last is not None and (last.access_key, last.secret_key, last.session_token) == found:
            return last
        self._last = conceal(Credentials(*found))
        return self._last

    def __repr__(self) -> str:
        return f"{type(self).__name__}(profile={self.profile!r})"


def env_keys(environ: Mapping[str, str]) -> tuple[str, str, str | None] | None:
    """The first complete pair of ``ENV_VARIABLES`` set in ``environ``, with its token."""
    for access, secret, token in ENV_VARIABLES:
        if environ.get(access) and environ.get(secret):
            return environ[access], environ[secret], environ.get(token) if token else None
    return None


def _missing_env_text() -> str:
    pairs = " or ".join(f"{access} and {secret}" for access, secret, _token in ENV_VARIABLES)
    return f"'env' needs the environment variables {pairs}; none of these pairs is set"


class FileProvider(Provider):
    """An AWS credentials file; re-read whenever it changes (one ``stat`` per request)."""

    def __init__(self, source: CredentialsFile, profile: str | None = None) -> None:
        self.source = source
        self.profile = profile
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._credentials: Credentials | None = None

    def retrieve(self) -> Credentials:
        path = Path(self.source.path).expanduser()
        try:
            status = path.stat()
        except OSError as exc:
            raise CredentialsUnavailableError(
                self.profile, f"cannot read the credentials file {path}: {exc.strerror}"
            ) from None
        stamp = (status.st_ino, status.st_mtime_ns, status.st_size)
        credentials = self._credentials
        if credentials is not None and stamp == self._stamp:
            return credentials
        with self._lock:
            keys, problem = file_keys(path, self.source.profile)
            if keys is None:
                raise CredentialsUnavailableError(self.profile, problem)
            self._credentials, self._stamp = conceal(Credentials(*keys)), stamp
            return self._credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.source.path!r}, profile={self.source.profile!r})"


def file_keys(path: Path, section: str) -> tuple[tuple[str, str, str | None] | None, str]:
    """``(access key, secret key, token)`` of ``[section]`` in ``path``, or ``None`` and why."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, UnicodeDecodeError) as exc:
        return None, f"cannot read the credentials file {path}: {exc}"
    except configparser.Error as exc:
        # The parser's message quotes the broken line, which may hold a key.
        return None, f"the credentials file {path} is not an INI file ({type(exc).__name__})"
    if not parser.has_section(section):
        return None, f"the credentials file {path} has no [{section}] section"
    values = parser[section]
    missing = [
        name for name in ("aws_access_key_id", "aws_secret_access_key") if not values.get(name)
    ]
    if missing:
        return None, f"[{section}] of the credentials file {path} lacks {', '.join(missing)}"
    token = values.get("aws_session_token") or None
    return (values["aws_access_key_id"], values["aws_secret_access_key"], token), ""


def profile_provider(profile: MinioProfile, name: str | None = None) -> Provider:
    """The concealing provider of ``profile`` (``name`` is its name, for messages); one per
    profile, shared by its clients and its URL signer."""
    source = profile.credentials
    if source is None:
        # The rules made sure both keys are there when no credentials source is given.
        return ConcealedStaticProvider(
            str(profile.access_key), str(profile.secret_key), profile.session_token
        )
    if source == ENV:
        return EnvProvider(name)
    if isinstance(source, CredentialsFile):
        return FileProvider(source, name)
    if isinstance(source, Provider):
        return ConcealingProvider(source)
    raise TypeError(f"credentials: unexpected {type(source).__name__}")  # the rules refuse it


def credential_source_problem(profile: MinioProfile) -> str | None:
    """What is missing for the profile's credentials source, found without a network call
    (environment variables, the credentials file); ``None`` when nothing is known to be."""
    source = profile.credentials
    if source == ENV:
        return None if env_keys(os.environ) is not None else _missing_env_text()
    if isinstance(source, CredentialsFile):
        return file_keys(Path(source.path).expanduser(), source.profile)[1] or None
    return None
