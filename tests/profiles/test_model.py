"""MinioProfile: defaults, validation rules and secrecy. Pure logic, no server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import urllib3
from minio import Minio

from django_minio_backend import ConfigurationError, MinioProfile, PrivatePublicMixedError
from django_minio_backend.profiles.model import AUTO_MEDIA_BUCKET, AUTO_STATIC_BUCKET
from django_minio_backend.profiles.parsing import parse_profile
from django_minio_backend.s3.credentials import profile_provider
from django_minio_backend.s3.url_signing import UrlSigner

SECRET = "sEcReT-canary-7f3a"
BASE: dict[str, object] = {"endpoint": "minio:9000", "access_key": "AK", "secret_key": SECRET}


def make(**fields: object) -> MinioProfile:
    base: dict[str, object] = {"endpoint": "minio:9000", "access_key": "AK", "secret_key": SECRET}
    base.update(fields)
    return MinioProfile(**base)  # type: ignore[arg-type]


def test_defaults_follow_the_contract() -> None:
    profile = make()
    assert profile.use_https is True
    assert profile.external_endpoint == "minio:9000"
    assert profile.external_use_https is True
    assert profile.region == "us-east-1"
    assert profile.url_expiry == timedelta(days=7)
    assert profile.private_buckets == () and profile.public_buckets == ()
    assert profile.default_bucket == AUTO_MEDIA_BUCKET
    assert profile.static_bucket == AUTO_STATIC_BUCKET
    assert profile.policy_hooks == ()
    assert profile.bucket_check_on_save is False
    assert profile.consistency_check_on_start is False
    assert profile.http_client is None
    assert (profile.connect_timeout, profile.read_timeout, profile.max_retries) == (10, 60, 3)
    assert profile.ca_certs is None and profile.cert_check is True
    assert profile.multipart_threshold == profile.multipart_part_size == 16 * 1024 * 1024


def test_external_endpoint_defaults_follow_use_https() -> None:
    profile = make(use_https=False)
    assert profile.external_use_https is False
    assert profile.external_base_url == "http://minio:9000"
    other = make(external_endpoint="files.example.com", external_use_https=True, use_https=False)
    assert other.external_base_url == "https://files.example.com"


def test_lists_become_tuples_and_seconds_become_timedelta() -> None:
    profile = make(private_buckets=["a-b"], url_expiry=3600, policy_hooks=[["a-b", {}]])
    assert profile.private_buckets == ("a-b",)
    assert profile.url_expiry == timedelta(hours=1)
    assert profile.policy_hooks == (("a-b", {}),)


def test_profile_is_frozen() -> None:
    profile = make()
    with pytest.raises(AttributeError):
        profile.endpoint = "x"  # type: ignore[misc]


def test_secrets_are_not_in_repr() -> None:
    text = repr(make(access_key="AKIA-canary-access"))
    assert SECRET not in text
    assert "AKIA-canary-access" not in text
    assert "minio:9000" in text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"endpoint": "http://minio:9000"}, "endpoint: must be host or host:port without a scheme"),
        ({"endpoint": "minio:9000/path"}, "endpoint: must be host or host:port without a path"),
        ({"endpoint": "minio:99999"}, "endpoint: port must be a number from 1 to 65535"),
        ({"endpoint": ""}, "endpoint: must not be empty"),
        ({"external_endpoint": "https://x"}, "external_endpoint: must be host or host:port"),
        ({"url_expiry": timedelta(days=30)}, "url_expiry: must be between 1 second and 7 days"),
        ({"url_expiry": 0}, "url_expiry: must be between 1 second and 7 days, got 0 seconds"),
        ({"private_buckets": "media"}, "private_buckets: expected a list of bucket names"),
        ({"public_buckets": ["Bad_Name"]}, "may hold only lowercase letters"),
        ({"default_bucket": "media"}, "default_bucket: bucket 'media' is not declared"),
        ({"static_bucket": "static"}, "static_bucket: bucket 'static' is not declared"),
        ({"policy_hooks": [("elsewhere", {})]}, "policy_hooks: hook for bucket 'elsewhere'"),
        ({"connect_timeout": 0}, "connect_timeout: must be a positive number of seconds"),
        ({"read_timeout": float("inf")}, "read_timeout: must be a positive number of seconds"),
        ({"max_retries": -1}, "max_retries: must be at least 0"),
        ({"multipart_part_size": 1024}, "multipart_part_size: must be at least 5242880"),
        ({"use_https": "yes"}, "use_https: expected True or False"),
        ({"http_client": object()}, "http_client: expected a urllib3.PoolManager or None"),
        ({"secret_key": ""}, "secret_key: must not be empty"),
    ],
)
def test_each_rule_names_the_field(fields: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(**fields)
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value)


def test_declared_default_and_static_buckets_are_accepted() -> None:
    profile = make(
        private_buckets=["media"],
        public_buckets=["static"],
        default_bucket="media",
        static_bucket="static",
        policy_hooks=[("static", {"Statement": []})],
    )
    assert profile.buckets == ("media", "static")
    assert profile.is_public("static") and not profile.is_public("media")


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(endpoint="http://x", url_expiry=timedelta(days=8), max_retries="3")
    fields = {problem.setting for problem in caught.value.problems}
    assert fields == {"endpoint", "url_expiry", "max_retries"}


def test_bucket_in_both_lists_raises_private_public_mixed_error() -> None:
    with pytest.raises(PrivatePublicMixedError) as caught:
        make(private_buckets=["shared"], public_buckets=["shared"])
    assert "bucket 'shared' is listed in both" in str(caught.value)
    assert isinstance(caught.value, ConfigurationError)


def test_wrong_secret_type_is_described_not_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(secret_key=12345678)
    assert "secret_key: expected a string, got int" in str(caught.value)
    assert "12345678" not in str(caught.value)


def test_a_given_http_client_is_kept_as_is() -> None:
    client = urllib3.PoolManager()
    assert make(http_client=client).http_client is client


def test_external_fields_are_never_none() -> None:
    given = make(use_https=False, external_endpoint=None, external_use_https=None)
    assert (given.external_endpoint, given.external_use_https) == ("minio:9000", False)
    parsed = parse_profile(
        "p", {"endpoint": "m:1", "access_key": "a", "secret_key": "s", "external_endpoint": None}
    )
    assert (parsed.external_endpoint, parsed.external_use_https) == ("m:1", True)


def test_a_wrong_followed_value_is_reported_once() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(endpoint="http://x", use_https="yes")
    assert [problem.setting for problem in caught.value.problems] == ["endpoint", "use_https"]


def test_a_following_field_is_checked_on_its_own() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(external_use_https=1)  # 1 == True, but it is no bool
    assert "external_use_https: expected True or False, got 1" in str(caught.value)


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("::1", "an IPv6 address must be in brackets, such as '[::1]:9000', got '::1'"),
        ("::1:9000", "an IPv6 address must be in brackets"),
        ("user@host:9000", "must not hold a user name or password ('...@')"),
        ("h:9000:9000", "must hold at most one ':' (host:port), got 'h:9000:9000'"),
        ("host:\uff19\uff10\uff10\uff10", "port must be written in ASCII digits (0-9)"),
        (":9000", "host is missing in ':9000'"),
        ("host:", "port is missing after ':' in 'host:'"),
        ("host:0", "port must be a number from 1 to 65535"),
        ("[1.2.3.4]:9000", "brackets must hold an IPv6 address"),
        ("[::1", "must be [IPv6 address] or [IPv6 address]:port"),
        ("b\u00fccher.example", "host must be ASCII: write a non-ASCII name in IDNA form"),
        ("host..example", "host 'host..example' is not a host name"),
        ("-host:9000", "host '-host' is not a host name"),
    ],
)
def test_endpoints_the_sdk_refuses_are_refused(endpoint: str, expected: str) -> None:
    for field in ("endpoint", "external_endpoint"):
        with pytest.raises(ConfigurationError) as caught:
            parse_profile("edge", {**BASE, field: endpoint})
        assert str(caught.value).startswith(f"profile 'edge': {field}: {expected}")


def test_user_info_in_an_endpoint_is_never_echoed() -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(endpoint=f"http://app:{SECRET}@minio:9000/x")
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("endpoint", ["[::1]:9000", "[::1]", "[2001:db8::7]:443", "m_1.local:80"])
def test_valid_endpoints(endpoint: str) -> None:
    assert make(endpoint=endpoint).endpoint == endpoint


def test_host_names_are_lower_cased_and_urls_signed_for_them() -> None:
    profile = make(endpoint="MinIO.Internal:9000", external_endpoint="Files.Example.com")
    assert profile.endpoint == "minio.internal:9000"
    assert profile.external_endpoint == "files.example.com"
    when = datetime(2026, 11, 25, 13, 14, 15, tzinfo=UTC)
    url = UrlSigner(profile, profile_provider(profile)).presigned_get(
        "media", "a.txt", now=when.timestamp()
    )
    assert urlsplit(url).netloc == "files.example.com"  # the Host a browser sends, lower-cased
    sdk = Minio(
        endpoint="files.example.com", access_key="AK", secret_key=SECRET, region=profile.region
    )
    assert url == sdk.presigned_get_object(
        bucket_name="media", object_name="a.txt", expires=profile.url_expiry, request_date=when
    )


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"region": "us east 1"}, "region: must look like an S3 region such as 'us-east-1'"),
        ({"region": "us_east_1"}, "region: must look like an S3 region"),
        ({"region": "-us-east-1"}, "region: must look like an S3 region"),
        ({"region": "u\u017f-east-1"}, "region: must look like an S3 region"),  # a long s
        ({"region": ""}, "region: must not be empty"),
        (
            {"multipart_threshold": 5 * 1024**3 + 1},
            "multipart_threshold: must be at least 1 and at most 5368709120 bytes "
            "(1 byte to 5 GiB)",
        ),
        (
            {"multipart_part_size": 5 * 1024**3 + 1},
            "multipart_part_size: must be at least 5242880 and at most 5368709120 bytes "
            "(5 MiB to 5 GiB)",
        ),
        ({"multipart_part_size": 5 * 1024**2 - 1}, "multipart_part_size: must be at least"),
    ],
)
def test_region_and_multipart_rules(fields: dict[str, object], expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make(**fields)
    assert expected in str(caught.value)


def test_region_and_multipart_bounds_are_inclusive() -> None:
    profile = make(
        region="eu-west-3", multipart_threshold=5 * 1024**3, multipart_part_size=5 * 1024**2
    )
    assert profile.multipart_threshold == profile.multipart_part_size * 1024
