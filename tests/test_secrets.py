"""Credentials never leak: not in logs, exceptions, tracebacks, command output, check messages,
``repr``/``str`` of our objects, or migration files.

Every scenario runs with canary credentials (random, unique strings) and a recorder that captures
every log record of every logger at DEBUG plus every text the scenario produces; then no canary
may appear in any of it. The access key is part of every SigV4 presigned URL (``X-Amz-Credential``)
by design: ``url()`` results are checked to hold it only there.
"""

from __future__ import annotations

import base64
import io
import logging
import secrets
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import checks
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import migrations, models
from django.db.migrations.writer import MigrationWriter
from django.test import Client as DjangoClient
from django.test import RequestFactory
from django.views.debug import ExceptionReporter, technical_500_response
from minio.credentials.providers import StaticProvider
from minio.error import S3Error
from minio.sse import SseCustomerKey

from django_minio_backend import (
    ConfigurationError,
    MinioBackend,
    MinioBackendStatic,
    MinioProfile,
    get_profile,
    get_profiles,
    iso_date_prefix,
    load_profiles,
)
from django_minio_backend.errors import ServerUnavailableError
from django_minio_backend.management.commands import collectstatic
from django_minio_backend.profiles.sources import configuration
from django_minio_backend.s3.clients import build_http_client, profile_clients
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import server_profile
from tests.testapp.views import DocumentForm

MiB = 1024 * 1024


def canary(kind: str) -> str:
    return f"canary-{kind}-{secrets.token_hex(12)}"


def error_reports(error: BaseException) -> list[tuple[str, str]]:
    """What the tracebacks of ``error`` show, the locals of every frame included: the
    ``traceback`` module with ``capture_locals``, and the frames of Django's DEBUG 500 page and
    admin error e-mail (DEBUG off), each variable rendered as those pages render it."""
    # The frames of this test module hold the canaries as locals by design: start at the first
    # frame outside it, where the library was entered.
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    request = RequestFactory().get("/failing-view")
    reports = [
        (
            "traceback with locals",
            "".join(
                traceback.TracebackException(type(error), error, tb, capture_locals=True).format()
            ),
        )
    ]
    for is_email in (False, True):
        reporter = ExceptionReporter(request, type(error), error, tb, is_email=is_email)
        variables = [
            f"{frame['filename']}:{frame['function']} {name} = {value}"
            for frame in reporter.get_traceback_frames()
            # A cause whose frames were dropped (s3.failures.drop_frames) has none to show.
            for name, value in frame.get("vars", ())
        ]
        where = "admin mail frames" if is_email else "DEBUG page frames"
        reports.append((where, "\n".join(variables)))
    return reports


def rendered_error_pages(error: BaseException) -> list[tuple[str, str]]:
    """Django's whole DEBUG 500 page and admin error e-mail (HTML and text) for ``error``."""
    request = RequestFactory().get("/failing-view")
    info = (type(error), error, error.__traceback__)
    mail = ExceptionReporter(request, *info, is_email=True)
    template_logger = logging.getLogger("django.template")  # logs its lookups at DEBUG
    template_logger.disabled = True
    try:
        return [
            ("DEBUG 500 page", technical_500_response(request, *info).content.decode()),
            ("admin mail html", mail.get_traceback_html()),
            ("admin mail text", mail.get_traceback_text()),
        ]
    finally:
        template_logger.disabled = False


class Recorder(logging.Handler):
    """Every log record (formatted, with traceback) and every text a scenario hands it."""

    def __init__(self, canaries: tuple[str, ...]) -> None:
        super().__init__(logging.DEBUG)
        self.canaries = canaries
        self.texts: list[tuple[str, str]] = []
        # Frame locals may show the access key (it is in every request's Authorization header,
        # by design); they must never show a secret key.
        self.reports: list[tuple[str, str]] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception as exc:  # a record that cannot even be formatted is a bug too
            text = f"unformattable record {record.msg!r} {record.args!r}: {exc}"
        self.texts.append((f"log {record.name}", text + repr(record.args)))

    def add(self, where: str, value: object, *, locals_too: bool = True) -> None:
        """Record ``value``'s str and repr; for an exception, its traceback and (unless
        ``locals_too`` is off) every report that shows the locals of its frames."""
        self.texts.append((where, f"{value!s}\n{value!r}"))
        if isinstance(value, BaseException):
            self.texts.append((where, "".join(traceback.format_exception(value))))
            if locals_too:
                self.reports += [(f"{where}: {kind}", text) for kind, text in error_reports(value)]

    def run(self, where: str, action: Callable[[], object], *, locals_too: bool = True) -> object:
        """Run ``action``; record its result or the exception it raised."""
        try:
            result = action()
        except Exception as exc:
            self.add(f"{where} raised", exc, locals_too=locals_too)
            return exc
        self.add(where, result)
        return result

    def command(self, *args: str) -> None:
        """Run a management command, recording stdout, stderr and any error."""
        out, err = io.StringIO(), io.StringIO()
        self.run(f"command {args}", lambda: call_command(*args, stdout=out, stderr=err))
        self.texts.append((f"command {args} stdout", out.getvalue()))
        self.texts.append((f"command {args} stderr", err.getvalue()))

    def assert_clean(self) -> None:
        assert self.texts, "the scenario recorded nothing"
        secrets = [c for c in self.canaries if "-sk-" in c or c.startswith("test-secret-")]
        checked = [(self.texts, self.canaries), (self.reports, secrets)]
        leaks = [
            (where, text)
            for texts, canaries in checked
            for where, text in texts
            for secret in canaries
            if secret in text or secret.rsplit("-", 1)[-1] in text
        ]
        lines = sorted(
            {
                f"{where}: {line.strip()[:300]}"
                for where, text in leaks
                for line in text.splitlines()
                for secret in self.canaries
                if secret in line or secret.rsplit("-", 1)[-1] in line
            }
        )
        assert not leaks, "a credential leaked:\n" + "\n".join(lines[:40])


@pytest.fixture
def recorder() -> Iterator[Callable[..., Recorder]]:
    """``recorder(*canaries)``: a Recorder attached to the root logger at DEBUG."""
    made: list[Recorder] = []
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    # Loggers that set their own level would hide DEBUG records from the root handler.
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    for name in levels:
        logging.getLogger(name).setLevel(logging.NOTSET)

    def make(*canaries: str) -> Recorder:
        made.append(Recorder(canaries))
        root.addHandler(made[-1])
        return made[-1]

    try:
        yield make
    finally:
        for handler in made:
            root.removeHandler(handler)
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def assert_credential_only_in_signature(url: str, access_key: str, secret_key: str) -> None:
    assert secret_key not in url
    query = parse_qs(urlsplit(url).query)
    without = url.replace(query["X-Amz-Credential"][0].replace("/", "%2F"), "")
    assert access_key not in without
    assert query["X-Amz-Credential"][0].startswith(access_key + "/")


# --------------------------------------------------------------------------- profiles and errors


def test_profile_repr_and_config_errors(recorder: Callable[..., Recorder], settings: Any) -> None:
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    profile = MinioProfile(endpoint="minio:9000", access_key=access, secret_key=secret)
    record.add("profile", profile)
    record.add("profile fields", [getattr(profile, f) for f in ("endpoint", "region")])
    # Invalid values next to valid secrets, and secrets of the wrong type.
    bad_profiles: dict[str, Any] = {
        "a": {"endpoint": "s3://x", "access_key": access, "secret_key": secret, "url_expiry": -1},
        "b": {"endpoint": "x:9000", "access_key": access.encode(), "secret_key": [secret]},
        "c": {"endpoint": "x:9000", "access_key": access, "secret_key": secret, "bogus": secret},
    }
    settings.MINIO_PROFILES = bad_profiles
    record.run("get_profiles", get_profiles)
    record.run("get_profile", lambda: get_profile("a"))
    record.add("configuration", configuration())
    # Called directly, the constructor's own frame holds the secret it was given, as the
    # caller's frame does: only the messages are checked.
    record.run("MinioProfile(**b)", lambda: MinioProfile(**bad_profiles["b"]), locals_too=False)
    record.run("check messages", lambda: [str(m) for m in checks.run_checks()])
    record.command("check")
    record.command("minio_profiles")
    record.command("minio_profiles", "--json")
    record.assert_clean()


def test_flat_and_upstream_settings_errors(
    recorder: Callable[..., Recorder], settings: Any
) -> None:
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    settings.MINIO_ENDPOINT = "minio:9000"
    settings.MINIO_ACCESS_KEY = access
    settings.MINIO_SECRET_KEY = secret
    settings.MINIO_URL_EXPIRY_HOURS = 1000
    settings.MINIO_PRIVATE_BUCKETS = "not-a-list"
    record.run("flat", get_profiles)
    record.command("check")
    del settings.MINIO_ENDPOINT, settings.MINIO_ACCESS_KEY, settings.MINIO_SECRET_KEY
    del settings.MINIO_URL_EXPIRY_HOURS, settings.MINIO_PRIVATE_BUCKETS
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {
                "MINIO_ENDPOINT": "minio:9000",
                "MINIO_ACCESS_KEY": access,
                "MINIO_SECRET_KEY": secret,
                "MINIO_USE_HTTPS": "yes",
                "MINIO_UNKNOWN": secret,
            },
        },
    }
    record.run("upstream", get_profiles)
    record.command("check")
    record.command("minio_profiles")
    record.assert_clean()


def test_profile_files_errors(
    recorder: Callable[..., Recorder], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    monkeypatch.setenv("CANARY_SECRET", secret)
    path = tmp_path / "profiles.toml"
    path.write_text(
        "[main]\n"
        'endpoint = "minio:9000"\n'
        f'access_key = "{access}"\n'
        'secret_key = "${CANARY_SECRET}"\n'
        'url_expiry = "soon"\n'
        'region = "${MISSING_VARIABLE}"\n'
    )
    record.run("load_profiles", lambda: load_profiles(path))
    path.write_text(
        f'[main]\nendpoint = "minio:9000"\naccess_key = "{access}"\nsecret_key = "{secret}\n'
    )
    record.run("load_profiles broken toml", lambda: load_profiles(path))
    record.assert_clean()


# --------------------------------------------------------------------------- storage and commands


@pytest.fixture
def live(settings: Any, s3_server: S3Server, unique_bucket: str) -> str:
    """Profiles on the test server: ``live`` (right keys), ``wrong-secret``, ``wrong-key``,
    ``down`` (nothing listens). Returns the bucket."""
    s3_server.client().make_bucket(bucket_name=unique_bucket)
    buckets = {"private_buckets": [unique_bucket], "default_bucket": unique_bucket}
    fast = {"connect_timeout": 0.5, "read_timeout": 5.0, "max_retries": 1}
    settings.MINIO_PROFILES = {
        "live": server_profile(
            s3_server, multipart_threshold=5 * MiB, multipart_part_size=5 * MiB, **buckets
        ),
        "wrong-secret": server_profile(s3_server, secret_key=WRONG_SECRET, **buckets, **fast),
        "wrong-key": server_profile(s3_server, access_key=WRONG_KEY, **buckets, **fast),
        "down": server_profile(s3_server, endpoint="127.0.0.1:9", **buckets, **fast),
    }
    return unique_bucket


WRONG_KEY = canary("wrong-ak")
WRONG_SECRET = canary("wrong-sk")


def storage_scenario(
    record: Recorder, storage: MinioBackend, prefix: str
) -> tuple[object, list[str]]:
    """Every storage operation; returns the outcome of the first save and the URLs produced
    (checked apart)."""
    record.add("storage", storage)
    name = record.run("save", lambda: storage.save(f"{prefix}/a.txt", ContentFile(b"hello")))
    big = record.run(
        "save multipart",
        lambda: storage.save(f"{prefix}/big.bin", ContentFile(b"x" * (6 * MiB))),
    )
    saved = name if isinstance(name, str) else f"{prefix}/a.txt"
    record.run("save again (renamed)", lambda: storage.save(saved, ContentFile(b"again")))

    def read() -> object:
        with storage.open(saved) as handle:
            record.add("file", handle)
            return handle.read()

    record.run("open", read)
    record.run("open missing", lambda: storage.open(f"{prefix}/missing.txt"))
    record.run("exists", lambda: storage.exists(saved))
    record.run("size", lambda: storage.size(saved))
    record.run("modified", lambda: storage.get_modified_time(saved))
    record.run("listdir", lambda: storage.listdir(prefix))
    record.run("available", storage.is_minio_available)
    record.run("status details", lambda: storage.is_minio_available().details)
    record.run("suspicious name", lambda: storage.save("../escape", ContentFile(b"x")))
    record.run("path", lambda: storage.path(saved))
    url = storage.url(saved)  # checked apart: it holds the access key by design
    record.run("delete", lambda: storage.delete(saved))
    if isinstance(big, str):
        record.run("delete big", lambda: storage.delete(big))
    return name, [url]


def test_storage_with_right_and_wrong_credentials(
    recorder: Callable[..., Recorder], s3_server: S3Server, live: str
) -> None:
    record = recorder(s3_server.access_key, s3_server.secret_key, WRONG_KEY, WRONG_SECRET)
    prefix = f"secrets/{uuid.uuid4().hex}"
    urls: list[str] = []
    outcomes: dict[str, object] = {}
    for profile in ("live", "wrong-secret", "wrong-key", "down"):
        storage = MinioBackend(profile=profile)
        outcomes[profile], produced = storage_scenario(record, storage, f"{prefix}/{profile}")
        urls += produced
        record.add("clients", profile_clients(profile))
        record.add("profile", get_profile(profile))
    record.add("static storage", MinioBackendStatic(profile="live"))
    record.add("http client", build_http_client(get_profile("live")))
    record.assert_clean()
    # Each scenario went where it should: the canaries were really on the wire.
    assert outcomes["live"] == f"{prefix}/live/a.txt"
    assert isinstance(outcomes["wrong-secret"], S3Error)
    assert outcomes["wrong-secret"].code == "SignatureDoesNotMatch"
    assert isinstance(outcomes["wrong-key"], S3Error)
    assert outcomes["wrong-key"].code == "InvalidAccessKeyId"
    assert isinstance(outcomes["down"], ServerUnavailableError)
    assert len(urls) == 4
    for url in urls:
        key = WRONG_KEY if "canary-wrong-ak" in url else s3_server.access_key
        assert_credential_only_in_signature(url, key, s3_server.secret_key)
        assert WRONG_SECRET not in url


def test_error_pages_of_server_failures_show_no_secret_key(
    recorder: Callable[..., Recorder], s3_server: S3Server, live: str
) -> None:
    record = recorder(s3_server.secret_key, WRONG_SECRET)
    failures = {
        "wrong secret": lambda: MinioBackend(profile="wrong-secret").save("a", ContentFile(b"x")),
        "wrong key": lambda: MinioBackend(profile="wrong-key").exists("a"),
        "server down": lambda: MinioBackend(profile="down").size("a"),
        "missing": lambda: MinioBackend(profile="live").open("missing"),
    }
    for where, failure in failures.items():
        error = record.run(where, failure)
        assert isinstance(error, S3Error | ServerUnavailableError | FileNotFoundError), error
        record.texts += rendered_error_pages(error)
    record.assert_clean()


def test_commands_with_right_and_wrong_credentials(
    recorder: Callable[..., Recorder], s3_server: S3Server, live: str
) -> None:
    record = recorder(s3_server.access_key, s3_server.secret_key, WRONG_KEY, WRONG_SECRET)
    record.command("minio_profiles")
    record.command("minio_profiles", "--json")
    record.command("is_minio_available")
    for profile in ("live", "wrong-secret", "wrong-key", "down"):
        record.command("is_minio_available", "--profile", profile)
        record.command("initialize_buckets", "--profile", profile)
    record.command("check")
    record.assert_clean()


def test_transfer_command_with_right_and_wrong_credentials(
    recorder: Callable[..., Recorder], s3_server: S3Server, live: str, tmp_path: Any
) -> None:
    record = recorder(s3_server.access_key, s3_server.secret_key, WRONG_KEY, WRONG_SECRET)
    (tmp_path / "a.txt").write_bytes(b"hello")
    (tmp_path / "big.bin").write_bytes(b"x" * (6 * MiB))
    record.command("minio_transfer", str(tmp_path), f"live:{live}/transfer", "--verify")
    record.command("minio_transfer", f"live:{live}/transfer", str(tmp_path / "back"))
    for profile in ("wrong-secret", "wrong-key", "down"):
        record.command("minio_transfer", str(tmp_path), f"{profile}:{live}")
        record.command("minio_transfer", f"{profile}:{live}", str(tmp_path / profile))
    assert (tmp_path / "back" / "big.bin").stat().st_size == 6 * MiB
    record.assert_clean()


def test_collectstatic_override_with_right_and_wrong_credentials(
    recorder: Callable[..., Recorder], settings: Any, s3_server: S3Server, live: str, tmp_path: Any
) -> None:
    record = recorder(s3_server.access_key, s3_server.secret_key, WRONG_KEY, WRONG_SECRET)
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_bytes(b"body {}")
    settings.STATICFILES_DIRS = [str(tmp_path)]
    settings.STATICFILES_FINDERS = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    outcomes = []
    for profile in ("live", "wrong-secret", "wrong-key", "down"):
        settings.STORAGES = {
            "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
            "staticfiles": {
                "BACKEND": "django_minio_backend.models.MinioBackendStatic",
                "OPTIONS": {"profile": profile, "bucket_name": live},
            },
        }
        out, err = io.StringIO(), io.StringIO()
        outcomes.append(
            record.run(
                f"collectstatic {profile}",
                lambda out=out, err=err: call_command(
                    collectstatic.Command(), interactive=False, stdout=out, stderr=err
                ),
            )
        )
        record.texts.append((f"collectstatic {profile} output", out.getvalue() + err.getvalue()))
    assert not isinstance(outcomes[0], BaseException)
    assert all(isinstance(outcome, BaseException) for outcome in outcomes[1:])
    record.assert_clean()


# --------------------------------------------------------------------------- migrations


def migration_text(field: models.Field[Any, Any]) -> str:
    """The file makemigrations would write for a model with ``field``."""
    operation = migrations.CreateModel(
        "Document", fields=[("id", models.BigAutoField(primary_key=True)), ("scan", field)]
    )
    migration = type("Migration", (migrations.Migration,), {"operations": [operation]})
    return MigrationWriter(migration("0001_initial", "testapp")).as_string()


@pytest.mark.django_db
def test_migrations_record_names_not_credentials(
    recorder: Callable[..., Recorder], settings: Any
) -> None:
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    settings.MINIO_PROFILES = {
        "archive": {"endpoint": "archive:9000", "access_key": access, "secret_key": secret},
        "testapp": {"endpoint": "testapp:9000", "access_key": access, "secret_key": secret},
    }
    field = models.FileField(
        storage=MinioBackend(bucket_name="cold", profile="archive"), upload_to=iso_date_prefix
    )
    text = migration_text(field)
    assert "MinioBackend(" in text and "'archive'" in text and "'cold'" in text
    record.texts.append(("migration", text))
    # The real thing: the migration makemigrations writes for tests.testapp's Document model.
    out = io.StringIO()
    call_command("makemigrations", "testapp", "--dry-run", "--verbosity", "3", stdout=out)
    written = out.getvalue()
    assert "MinioBackend(" in written and "testapp:9000" not in written
    record.texts.append(("makemigrations testapp", written))
    record.assert_clean()


@pytest.mark.django_db
def test_migration_of_a_storage_built_from_upstream_options(
    recorder: Callable[..., Recorder], settings: Any
) -> None:
    # Upstream 4.x projects keep MINIO_* keys, secrets included, in STORAGES OPTIONS; Django
    # builds the storage from those OPTIONS. A FileField using it must not copy them into a
    # migration file.
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    options: dict[str, Any] = {
        "MINIO_ENDPOINT": "minio:9000",
        "MINIO_ACCESS_KEY": access,
        "MINIO_SECRET_KEY": secret,
        "MINIO_DEFAULT_BUCKET": "media",
        "MINIO_PRIVATE_BUCKETS": ["media"],
    }
    settings.STORAGES = {
        **settings.STORAGES,
        "archive": {"BACKEND": "django_minio_backend.models.MinioBackend", "OPTIONS": options},
    }
    storage = MinioBackend(**options)
    record.add("storage", storage)
    record.texts.append(("migration", migration_text(models.FileField(storage=storage))))
    record.command("makemigrations", "--dry-run", "--verbosity", "3")
    record.assert_clean()


def test_url_option_and_signing_window_errors(
    recorder: Callable[..., Recorder], settings: Any
) -> None:
    access, secret = canary("ak"), canary("sk")
    record = recorder(access, secret)
    settings.MINIO_PROFILES = {
        "default": {"endpoint": "minio:9000", "access_key": access, "secret_key": secret}
    }
    storage = MinioBackend(object_parameters={"CacheControl": "x"})
    for where, options in (
        ("url-parameter", {"parameters": {"x-bad": "1"}}),
        ("url-expire", {"expire": 0}),
        ("url-name", {"download_name": "a\nb"}),
    ):
        raised = record.run(where, lambda o=options: storage.url("a.txt", **o))  # type: ignore[misc]
        assert isinstance(raised, ValueError), where
    settings.MINIO_PROFILES = {
        "default": {
            "endpoint": "minio:9000",
            "access_key": access,
            "secret_key": secret,
            "url_expiry": 60,
            "url_signing_window": 60,
        }
    }
    assert isinstance(record.run("window", get_profiles), ConfigurationError)
    record.command("check")
    record.command("minio_profiles")
    record.assert_clean()


# ------------------------------------------------------------------------- providers, tokens, SSE-C


def sse_c_canary() -> tuple[bytes, str]:
    """A 32-byte SSE-C key that reads as a canary, and its base64 form (as sent in headers)."""
    key = f"canary-sk-{secrets.token_hex(11)}".encode()
    return key, base64.b64encode(key).decode()


def test_providers_session_tokens_and_customer_keys_never_show(
    recorder: Callable[..., Recorder],
    s3_server: S3Server,
    unique_bucket: str,
    settings: Any,
    tmp_path: Any,
) -> None:
    provider_secret, token = canary("provider-sk"), canary("token-sk")
    file_secret = canary("file-sk")
    key, key_b64 = sse_c_canary()
    record = recorder(provider_secret, token, file_secret, key.decode(), s3_server.secret_key)
    s3_server.client().make_bucket(bucket_name=unique_bucket)
    credentials_file = tmp_path / "credentials"
    credentials_file.write_text(
        f"[app]\naws_access_key_id = file-ak\naws_secret_access_key = {file_secret}\n"
        f"aws_session_token = {token}\n"
    )
    buckets = {"private_buckets": [unique_bucket], "default_bucket": unique_bucket}
    fast = {"connect_timeout": 0.5, "read_timeout": 5.0, "max_retries": 1}
    down = {**buckets, **fast, "endpoint": "127.0.0.1:9"}

    def keyless(**fields: Any) -> dict[str, Any]:
        profile = server_profile(s3_server, **fields)
        del profile["access_key"], profile["secret_key"]
        return profile

    settings.MINIO_PROFILES = {
        "provider-down": keyless(
            credentials=StaticProvider("provider-ak", provider_secret, token), **down
        ),
        "file-down": keyless(credentials={"file": str(credentials_file), "profile": "app"}, **down),
        "token-live": server_profile(s3_server, session_token=token, **buckets, **fast),
        "ssec-live": server_profile(s3_server, encryption={"customer_key": key}, **buckets),
        "ssec-down": server_profile(s3_server, encryption={"customer_key": key}, **down),
    }
    outcomes = {}
    for name in settings.MINIO_PROFILES:
        storage = MinioBackend(profile=name)
        outcomes[name], _urls = storage_scenario(record, storage, f"tokens/{name}")
        record.add("clients", profile_clients(name))
        record.add("profile", get_profile(name))
        record.add("provider", profile_clients(name).provider)
        record.add("credentials", profile_clients(name).provider.retrieve())
        record.add("encryption", storage._resolve().encryption)
    sse_storage = MinioBackend(bucket_name="cold", profile="ssec-live", sse=SseCustomerKey(key))
    record.add("storage built with sse=", sse_storage)
    record.add("its options", sse_storage.object_options)
    record.texts.append(("migration", migration_text(models.FileField(storage=sse_storage))))
    record.run("bad key size", lambda: MinioBackend(encryption={"customer_key": key[:31]}))
    record.command("minio_profiles")
    record.command("minio_profiles", "--json")
    record.command("check")
    record.assert_clean()
    leaks = [
        where
        for where, text in record.texts + record.reports
        if key_b64 in text or key_b64[:24] in text
    ]
    assert not leaks, f"the SSE-C key leaked in base64 form: {leaks[:10]}"
    # The scenarios went where they should: the secrets were really on the wire.
    assert outcomes["ssec-live"] == "tokens/ssec-live/a.txt"
    assert isinstance(outcomes["token-live"], S3Error)
    assert outcomes["token-live"].code == "InvalidAccessKeyId"
    assert isinstance(outcomes["provider-down"], ServerUnavailableError)
    assert isinstance(outcomes["file-down"], ServerUnavailableError)
    assert isinstance(outcomes["ssec-down"], ServerUnavailableError)


# --------------------------------------------------------------------------- direct uploads


@pytest.mark.django_db
def test_direct_upload_answers_carry_no_secret(
    recorder: Callable[..., Recorder], settings: Any, s3_server: S3Server
) -> None:
    secret = canary("sk")
    record = recorder(secret)
    settings.MINIO_PROFILES = {
        "testapp": {"endpoint": s3_server.endpoint, "access_key": "ak", "secret_key": secret}
    }
    storage = MinioBackend(profile="testapp")
    for method in ("POST", "PUT"):
        signed = storage.presigned_upload(
            "a.pdf", max_size=10, content_types=["application/pdf"], method=method
        )
        record.add(f"presigned_upload {method}", signed)
        record.add(f"presigned_upload {method} url", signed.url)
    answer = DjangoClient().post(
        "/uploads/testapp-document/", {"name": "a.pdf", "size": "3", "type": "application/pdf"}
    )
    record.add("ticket view answer", answer.content.decode())
    record.run("form with a ticket", lambda: DocumentForm({"file": "bad"}).errors)
    record.assert_clean()
