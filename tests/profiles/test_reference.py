"""Each profile field is declared once: every table about fields is derived from its spec and
checked here against the TypedDict, the README, the settings contract and the minio SDK."""

from __future__ import annotations

import io
import json
import re
import typing
from pathlib import Path
from typing import Any, Required

import attrs
import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st
from minio import Minio

from django_minio_backend import checks
from django_minio_backend.profiles import rules
from django_minio_backend.profiles.model import (
    FIELD_HINTS,
    FIELD_SPECS,
    PROFILE_FIELDS,
    REQUIRED_FIELDS,
    SECRET_FIELDS,
    MinioProfile,
    MinioProfileDict,
    apply_field_specs,
    field_spec,
)
from django_minio_backend.profiles.reference import profile_fields_table
from django_minio_backend.profiles.sources import FLAT_SETTINGS, OPTIONS_SETTINGS

README = Path(__file__).resolve().parents[2] / "README.md"
SECRET = "fields-secret-canary-5d1e"


def test_the_typed_dict_has_every_field_and_requires_those_without_default() -> None:
    hints = typing.get_type_hints(MinioProfileDict, include_extras=True)
    assert list(hints) == list(PROFILE_FIELDS)
    # ``__required_keys__`` does not see ``Required`` in a string annotation (PEP 563): read it.
    required = {name for name, hint in hints.items() if typing.get_origin(hint) is Required}
    without_default = {
        field.name for field in attrs.fields(MinioProfile) if field.default is attrs.NOTHING
    }
    assert required == without_default == set(REQUIRED_FIELDS)


def test_a_field_without_spec_cannot_be_declared() -> None:
    with pytest.raises(TypeError, match=r"Broken\.extra is declared without field_spec"):

        @attrs.frozen(field_transformer=apply_field_specs)
        class Broken:
            ok: int = attrs.field(metadata=field_spec(rule=rules.boolean, hint="h", doc="d."))
            extra: int = 0


def test_the_readme_table_is_the_generated_one() -> None:
    text = README.read_text()
    match = re.search(
        r"<!-- profile-fields:start -->\n(.*?)<!-- profile-fields:end -->", text, re.S
    )
    assert match, "README has no profile-fields table"
    expected = profile_fields_table()
    assert match.group(1) == expected, (
        "README.md's profile-field table differs from the field specs; replace it with:\n"
        + expected
    )


def test_flat_settings_and_upstream_options_are_the_documented_ones() -> None:
    # API.md section 1, items 2 and 3: the seed's flat settings, then upstream 4.x's extra keys.
    assert list(FLAT_SETTINGS) == [
        "MINIO_ENDPOINT",
        "MINIO_ACCESS_KEY",
        "MINIO_SECRET_KEY",
        "MINIO_USE_HTTPS",
        "MINIO_EXTERNAL_ENDPOINT",
        "MINIO_EXTERNAL_ENDPOINT_USE_HTTPS",
        "MINIO_REGION",
        "MINIO_URL_EXPIRY_HOURS",
        "MINIO_PRIVATE_BUCKETS",
        "MINIO_PUBLIC_BUCKETS",
        "MINIO_MEDIA_FILES_BUCKET",
        "MINIO_STATIC_FILES_BUCKET",
        "MINIO_POLICY_HOOKS",
        "MINIO_BUCKET_CHECK_ON_SAVE",
        "MINIO_CONSISTENCY_CHECK_ON_START",
        "MINIO_HTTP_CLIENT",
    ]
    assert FLAT_SETTINGS["MINIO_MEDIA_FILES_BUCKET"] == "default_bucket"
    extra = {key: field for key, field in OPTIONS_SETTINGS.items() if key not in FLAT_SETTINGS}
    assert extra == {
        "MINIO_DEFAULT_BUCKET": "default_bucket",
        "MINIO_MULTIPART_THRESHOLD": "multipart_threshold",
        "MINIO_MULTIPART_PART_SIZE": "multipart_part_size",
        "MINIO_URL_CACHE_TIMEOUT": "url_signing_window",
    }
    assert set(FLAT_SETTINGS.values()) | set(extra.values()) <= set(PROFILE_FIELDS)


def test_every_field_has_a_hint_and_a_readme_line() -> None:
    assert checks.FIELD_HINTS is FIELD_HINTS
    assert list(FIELD_HINTS) == list(PROFILE_FIELDS)
    for name, spec in FIELD_SPECS.items():
        assert spec.hint and spec.doc.endswith("."), name
        assert spec.follows is None or spec.follows in PROFILE_FIELDS, name


def test_secret_fields_are_hidden_from_repr() -> None:
    assert {"access_key", "secret_key", "session_token"} == SECRET_FIELDS
    profile = MinioProfile(endpoint="m:1", access_key=SECRET + "-a", secret_key=SECRET)
    assert SECRET not in repr(profile)
    assert all(not attrs.fields_dict(MinioProfile)[name].repr for name in SECRET_FIELDS)


def test_minio_profiles_lists_every_field_and_masks_the_secrets(settings: Any) -> None:
    settings.MINIO_PROFILES = {
        "p": {"endpoint": "m:1", "access_key": SECRET + "-a", "secret_key": SECRET}
    }
    out = io.StringIO()
    call_command("minio_profiles", "--json", stdout=out)
    entry = json.loads(out.getvalue())["profiles"][0]
    assert set(PROFILE_FIELDS) <= set(entry)
    assert entry["access_key"] == entry["secret_key"] == "***"
    assert entry["session_token"] is None  # not set: shown as such, never as a value
    assert entry["credentials"] == "access_key/secret_key"
    assert entry["encryption"] is None
    assert entry["url_expiry"] == 7 * 24 * 3600
    text = io.StringIO()
    call_command("minio_profiles", stdout=text)
    for name in PROFILE_FIELDS:
        assert f"  {name.replace('_', ' ')}" in text.getvalue(), name
    assert SECRET not in out.getvalue() + text.getvalue()


# --- endpoints: what we accept, the minio SDK accepts -------------------------------------------


def sdk_accepts(endpoint: str) -> bool:
    try:
        Minio(endpoint=endpoint, access_key="a", secret_key="b")
    except ValueError:
        return False
    return True


def we_accept(endpoint: str) -> bool:
    return rules.endpoint(endpoint) is None


ACCEPTED = [
    "minio:9000",
    "minio",
    "MinIO.Example.COM:9000",
    "127.0.0.1:9000",
    "[::1]:9000",
    "[::1]",
    "[2001:db8::7]:443",
    "[::ffff:1.2.3.4]:9000",
    "minio_1:9000",
    "a-b.c-d.example:1",
    "xn--bcher-kva.example",
    "host:65535",
    "host:00080",
    "s3.amazonaws.com",
    "s3.eu-west-3.amazonaws.com:443",
    "a" * 63 + ".example",
]
REFUSED = [
    "::1",
    "::1:9000",
    "fe80::1%eth0",
    "user@host:9000",
    "user:password@host",
    "@host",
    "host@",
    "h:9000:9000",
    "host:\uff19\uff10\uff10\uff10",  # fullwidth digits
    "host:\u0669",  # an Arabic-Indic digit
    "",
    " ",
    ":9000",
    "host:",
    "host:0",
    "host:65536",
    "host:-1",
    "host:+80",
    "host: 80",
    "host:0x50",
    "host:8_0",
    "[::1",
    "::1]",
    "[::1]:",
    "[::1]x",
    "[1.2.3.4]:9000",
    "[v1.x]:9000",
    "[]:9000",
    "[:::]:9000",
    "[::g]:9000",
    "[fe80::1%25eth0]:9000",
    "http://minio:9000",
    "minio:9000/",
    "host?x",
    "host#x",
    "b\u00fccher.example",
    "host..example",
    ".host",
    "host.",
    "-host",
    "host-",
    "ho%st",
    "host;x",
    "ex ample",
    "host\t",
    "a" * 64 + ".example",
]


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_accepted_endpoints_are_accepted_by_the_sdk(endpoint: str) -> None:
    assert we_accept(endpoint)
    profile = MinioProfile(endpoint=endpoint, access_key="a", secret_key="b")
    assert sdk_accepts(endpoint) and sdk_accepts(profile.endpoint)


@pytest.mark.parametrize("endpoint", REFUSED)
def test_refused_endpoints(endpoint: str) -> None:
    assert not we_accept(endpoint)


@pytest.mark.parametrize("endpoint", [e for e in REFUSED if not sdk_accepts(e)])
def test_endpoints_the_sdk_refuses_are_refused(endpoint: str) -> None:
    assert not we_accept(endpoint)


def test_the_list_holds_what_the_sdk_refuses_and_what_it_only_tolerates() -> None:
    # Both kinds: the SDK fails on the first (at first use), and lets the second through to
    # requests that cannot work (an empty host, a host with a space).
    assert sum(not sdk_accepts(e) for e in REFUSED) >= 15
    assert {"", ":9000", "ex ample", "host:0"} <= {e for e in REFUSED if sdk_accepts(e)}


@pytest.mark.xfail(strict=True, reason="the SDK's Amazon host rules are not repeated here")
def test_a_non_s3_amazonaws_host() -> None:
    assert not we_accept("example.amazonaws.com")  # the SDK: "invalid Amazon AWS host"


# No letters to spell "amazonaws": the SDK's Amazon host rules are out of scope (see above).
_endpoint_text = st.text(alphabet="ab1-_.:[]@%/ \uff19\u00fc", max_size=14)
_ipv6 = st.ip_addresses(v=6).map(lambda address: f"[{address}]:9000")


@settings(max_examples=500, deadline=None)
@given(st.one_of(_endpoint_text, _ipv6))
def test_what_we_accept_the_sdk_accepts(endpoint: str) -> None:
    if we_accept(endpoint):
        assert sdk_accepts(endpoint) and sdk_accepts(endpoint.lower())
