"""System checks: one message per problem, with id, place, field and hint; no secret, no network."""

from __future__ import annotations

import io
import socket
from datetime import timedelta
from typing import Any

import pytest
import urllib3
from django.apps import AppConfig, apps
from django.core import checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from django_minio_backend.apps import DjangoMinioBackendConfig
from django_minio_backend.checks import TAG

SECRET = "check-secret-value-0123456789"
ACCESS = "check-access-key-abcdef"
MINIO = "django_minio_backend.models.MinioBackend"
STATIC = "django_minio_backend.models.MinioBackendStatic"


def profile(**fields: Any) -> dict[str, Any]:
    """A valid profile (no server is needed: checks make no network call)."""
    return {
        "endpoint": "minio.invalid:9000",
        "access_key": ACCESS,
        "secret_key": SECRET,
        "use_https": False,
        **fields,
    }


def app_profile() -> dict[str, Any]:
    # tests.testapp's models use the profile "testapp": define it so they add no message.
    return profile(private_buckets=["testapp-files"], default_bucket="testapp-files")


def run() -> list[checks.CheckMessage]:
    return checks.run_checks(tags=[TAG])


def by_id(messages: list[checks.CheckMessage], code: str) -> list[checks.CheckMessage]:
    return [message for message in messages if message.id == f"{TAG}.{code}"]


def only(messages: list[checks.CheckMessage], code: str) -> checks.CheckMessage:
    found = by_id(messages, code)
    assert len(found) == 1, [str(message) for message in messages]
    return found[0]


def assert_no_secret(messages: list[checks.CheckMessage]) -> None:
    for message in messages:
        text = f"{message}\n{message.hint}"
        assert SECRET not in text
        assert ACCESS not in text


def test_app_config_both_installed_app_forms() -> None:
    assert isinstance(apps.get_app_config("django_minio_backend"), DjangoMinioBackendConfig)
    short = AppConfig.create("django_minio_backend")
    dotted = AppConfig.create("django_minio_backend.apps.DjangoMinioBackendConfig")
    assert type(short) is DjangoMinioBackendConfig
    assert type(dotted) is DjangoMinioBackendConfig
    assert short.label == dotted.label == "django_minio_backend"


def test_valid_configuration_has_no_messages(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": profile(
            private_buckets=["media"],
            public_buckets=["assets"],
            default_bucket="media",
            static_bucket="assets",
        ),
        "testapp": app_profile(),
    }
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "default"}},
        "staticfiles": {"BACKEND": STATIC},
    }
    assert run() == []


def test_one_message_per_invalid_field_with_hint(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "archive": profile(
            endpoint="https://minio:9000",
            url_expiry=timedelta(days=30),
            connect_timeout=-1,
            use_https="yes",
        ),
        "testapp": app_profile(),
    }
    messages = run()
    errors = by_id(messages, "E001")
    assert len(errors) == 4, [str(message) for message in messages]
    assert all(isinstance(message, checks.Error) for message in errors)
    assert all(message.obj == "profile 'archive'" for message in errors)
    fields = sorted(message.msg.split(":", 1)[0] for message in errors)
    assert fields == ["connect_timeout", "endpoint", "url_expiry", "use_https"]
    expiry = next(message for message in errors if message.msg.startswith("url_expiry"))
    assert "must be between 1 second and 7 days, got 30 days" in expiry.msg
    assert "timedelta" in str(expiry.hint)
    assert all(message.hint for message in errors)
    assert_no_secret(messages)


def test_unknown_and_missing_fields(settings: Any) -> None:
    broken = profile(bukets=["x"])
    del broken["secret_key"]
    settings.MINIO_PROFILES = {"p": broken, "testapp": app_profile()}
    messages = run()
    unknown = only(messages, "E002")
    assert unknown.obj == "profile 'p'"
    assert "unknown field 'bukets'" in unknown.msg
    missing = only(messages, "E003")
    assert missing.msg == "secret_key: is required but missing"
    assert missing.hint


def test_bucket_both_private_and_public(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "p": profile(private_buckets=["both"], public_buckets=["both"]),
        "testapp": app_profile(),
    }
    message = only(run(), "E004")
    assert "'both'" in message.msg
    assert "keep it in one list" in str(message.hint)


def test_default_and_static_bucket_not_declared(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "p": profile(private_buckets=["aaa"], default_bucket="media", static_bucket="static"),
        "testapp": app_profile(),
    }
    messages = by_id(run(), "E005")
    assert sorted(message.msg.split(":")[0] for message in messages) == [
        "default_bucket",
        "static_bucket",
    ]
    assert all("private_buckets or public_buckets" in str(m.hint) for m in messages)


def test_two_settings_sources_at_once(settings: Any) -> None:
    settings.MINIO_PROFILES = {"testapp": app_profile()}
    settings.MINIO_ENDPOINT = "minio:9000"
    message = only(run(), "E006")
    assert "MINIO_PROFILES and MINIO_ENDPOINT are both set" in message.msg
    assert message.obj == "MINIO_PROFILES"
    assert "use one source" in str(message.hint)


def test_flat_setting_names_the_setting_and_gets_the_field_hint(settings: Any) -> None:
    settings.MINIO_ENDPOINT = "minio:9000"
    settings.MINIO_ACCESS_KEY = ACCESS
    settings.MINIO_SECRET_KEY = SECRET
    settings.MINIO_URL_EXPIRY_HOURS = 24 * 30
    messages = run()
    message = only(messages, "E001")
    assert message.obj == "profile 'default'"
    assert message.msg.startswith("MINIO_URL_EXPIRY_HOURS: must be between")
    assert "timedelta" in str(message.hint)
    assert_no_secret(messages)


def test_unknown_profile_in_storages_and_model_field(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": profile(), "archive": profile()}
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "archiv"}},
        "staticfiles": {"BACKEND": STATIC},  # profile "default": known
    }
    messages = by_id(run(), "E007")
    place = "STORAGES['default']['OPTIONS']['profile']"
    storage = [message for message in messages if message.obj == place]
    assert len(storage) == 1
    assert storage[0].msg == "unknown profile 'archiv'"
    assert "known profiles: 'default', 'archive'" in str(storage[0].hint)
    fields = [message for message in messages if message.obj is not storage[0].obj]
    # tests.testapp's FileFields use the profile "testapp", which is not defined here.
    assert fields
    assert all("unknown profile 'testapp'" in message.msg for message in fields)
    assert all(getattr(message.obj, "model", None) is not None for message in fields)


def test_implicit_default_profile_missing(settings: Any) -> None:
    settings.MINIO_PROFILES = {"other": profile(), "testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": MINIO},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    message = only(run(), "E007")
    assert message.obj == "STORAGES['default']"
    assert "unknown profile 'default'" in message.msg


def test_unknown_option_and_bad_bucket_name(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": profile(), "testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"bukcet_name": "x", "bucket_name": "Bad_Name"}},
        "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"replace_existing": "yes"}},
    }
    messages = by_id(run(), "E008")
    assert len(messages) == 3, [str(message) for message in messages]
    unknown = next(message for message in messages if "unknown option" in message.msg)
    assert unknown.obj == "STORAGES['default']['OPTIONS']"
    assert unknown.msg == "unknown option 'bukcet_name'"
    assert unknown.hint == "did you mean 'bucket_name'?"
    assert any("'Bad_Name'" in message.msg for message in messages)
    assert any(
        str(message.obj).startswith("STORAGES['staticfiles']['OPTIONS']")
        and "replace_existing" in str(message)
        for message in messages
    )


def test_policy_hook_for_undeclared_bucket_and_duplicate_hooks(settings: Any) -> None:
    policy: dict[str, Any] = {"Version": "2012-10-17", "Statement": []}
    settings.MINIO_PROFILES = {
        "p": profile(policy_hooks=[("nowhere", policy)]),
        "q": profile(private_buckets=["twice"], policy_hooks=[("twice", policy)] * 2),
        "testapp": app_profile(),
    }
    messages = run()
    hook = only(messages, "E009")
    assert hook.obj == "profile 'p'"
    assert "'nowhere'" in hook.msg
    duplicate = only(messages, "W004")
    assert isinstance(duplicate, checks.Warning)
    assert duplicate.obj == "profile 'q'"
    assert "2 hooks for bucket 'twice'" in duplicate.msg


def test_backend_that_cannot_be_imported(settings: Any) -> None:
    settings.MINIO_PROFILES = {"default": profile(), "testapp": app_profile()}
    settings.STORAGES = {
        "default": {"BACKEND": "django_minio_backend.models.MinioBackendd"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    message = only(run(), "E011")
    assert message.obj == "STORAGES['default']"
    assert "MinioBackendd" in message.msg
    assert "MinioBackend" in str(message.hint)


def test_warnings_http_client_cert_check_undeclared_bucket(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": profile(
            http_client=urllib3.PoolManager(),
            connect_timeout=3.0,
            max_retries=1,
            cert_check=False,
        ),
        "testapp": app_profile(),
    }
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"bucket_name": "undeclared"}},
        "staticfiles": {"BACKEND": STATIC},  # the auto-generated static bucket: no warning
    }
    messages = run()
    assert all(isinstance(message, checks.Warning) for message in messages)
    client = only(messages, "W001")
    assert client.msg == (
        "http_client: connect_timeout, max_retries ignored: http_client is given and used as is"
    )
    assert "PoolManager" in str(client.hint)
    undeclared = only(messages, "W002")
    assert undeclared.obj == "STORAGES['default']"
    assert "'undeclared'" in undeclared.msg
    assert "treated as private" in undeclared.msg
    assert "private_buckets or public_buckets" in str(undeclared.hint)
    tls = only(messages, "W003")
    assert tls.msg.startswith("cert_check: is False")


def test_http_client_alone_is_fine(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "default": profile(http_client=urllib3.PoolManager()),
        "testapp": app_profile(),
    }
    assert run() == []


def test_upstream_options_layout(settings: Any) -> None:
    settings.STORAGES = {
        "default": {
            "BACKEND": MINIO,
            "OPTIONS": {
                "MINIO_ENDPOINT": "minio:9000",
                "MINIO_ACCESS_KEY": ACCESS,
                "MINIO_SECRET_KEY": SECRET,
                "MINIO_USE_HTTPS": "no",
                "MINIO_BOGUS": 1,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    messages = run()
    invalid = only(messages, "E001")
    assert invalid.obj == "profile 'default'"
    assert invalid.msg.startswith("STORAGES['default']['OPTIONS']['MINIO_USE_HTTPS']: ")
    assert invalid.hint == "use True or False (a Python bool, not a string)"
    assert "MINIO_BOGUS" in only(messages, "E002").msg
    # The OPTIONS are the profile "default" itself (only the testapp fields lack a profile).
    assert all(message.obj != "STORAGES['default']" for message in by_id(messages, "E007"))
    assert_no_secret(messages)


def test_manage_py_check_lists_messages_without_traceback(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "archive": profile(url_expiry=timedelta(days=30), secret_key=12345),
        "testapp": app_profile(),
    }
    settings.STORAGES = {
        "default": {"BACKEND": MINIO, "OPTIONS": {"profile": "archive", "colour": "red"}},
        "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"profile": "nope"}},
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", tags=[TAG], stdout=out, stderr=err)
    text = str(raised.value) + out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert SECRET not in text and "12345" not in text
    for expected in (
        "profile 'archive': (django_minio_backend.E001) url_expiry: must be between",
        "profile 'archive': (django_minio_backend.E001) secret_key: expected a string, got int",
        "STORAGES['default']['OPTIONS']: (django_minio_backend.E008) unknown option 'colour'",
        "STORAGES['staticfiles']['OPTIONS']['profile']: (django_minio_backend.E007) unknown "
        "profile 'nope'",
    ):
        assert expected in text
    assert text.count("HINT:") == 4


def test_checks_make_no_network_call(settings: Any) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        settings.MINIO_PROFILES = {
            "default": profile(
                endpoint=f"127.0.0.1:{port}", private_buckets=["media"], default_bucket="media"
            ),
            "testapp": app_profile(),
        }
        settings.STORAGES = {
            "default": {"BACKEND": MINIO},
            "staticfiles": {"BACKEND": STATIC, "OPTIONS": {"bucket_name": "undeclared"}},
        }
        messages = run()
        assert [message.id for message in messages] == [f"{TAG}.W002"]
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected


def test_new_endpoint_region_and_multipart_rules_have_ids_and_hints(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "edge": profile(
            endpoint=f"app:{SECRET}@minio:9000",
            external_endpoint="::1",
            region="us east 1",
            multipart_threshold=6 * 1024**3,
            multipart_part_size=1024**2,
        ),
        "testapp": app_profile(),
    }
    messages = run()
    errors = {message.msg.split(":", 1)[0]: message for message in by_id(messages, "E001")}
    assert sorted(errors) == [
        "endpoint",
        "external_endpoint",
        "multipart_part_size",
        "multipart_threshold",
        "region",
    ]
    assert all(message.obj == "profile 'edge'" for message in errors.values())
    assert "user name or password" in errors["endpoint"].msg
    assert "'[::1]:9000'" in str(errors["endpoint"].hint)
    assert "must be in brackets" in errors["external_endpoint"].msg
    assert "such as 'us-east-1'" in errors["region"].msg
    assert "letters, digits and hyphens" in str(errors["region"].hint)
    assert "at most 5368709120 bytes" in errors["multipart_threshold"].msg
    assert "5 GiB in one PUT" in str(errors["multipart_threshold"].hint)
    assert "from 5 MiB to 5 GiB" in str(errors["multipart_part_size"].hint)
    assert_no_secret(messages)


def test_upstream_multipart_keys_are_named_in_check_messages(settings: Any) -> None:
    settings.STORAGES = {
        "default": {
            "BACKEND": MINIO,
            "OPTIONS": {
                "MINIO_ENDPOINT": "h:9000:9000",
                "MINIO_ACCESS_KEY": ACCESS,
                "MINIO_SECRET_KEY": SECRET,
                "MINIO_MULTIPART_PART_SIZE": 6 * 1024**3,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", tags=[TAG], stdout=out, stderr=err)
    text = str(raised.value) + out.getvalue() + err.getvalue()
    where = "STORAGES['default']['OPTIONS']"
    assert (
        f"(django_minio_backend.E001) {where}['MINIO_ENDPOINT']: must hold at most one ':'" in text
    )
    assert f"(django_minio_backend.E001) {where}['MINIO_MULTIPART_PART_SIZE']: must be" in text
    assert "HINT: use a number of bytes from 5 MiB to 5 GiB" in text
    assert SECRET not in text and ACCESS not in text
