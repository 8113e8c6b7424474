"""Bucket initialisation (initialize_buckets, the consistency check on start) against the real
server; policies checked by anonymous HTTP requests."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from django.apps import apps
from minio.error import S3Error

from django_minio_backend.administration.bucket_setup import (
    BucketInitializationError,
    initialize_on_start,
    initialize_profile,
    initialize_profiles,
)
from django_minio_backend.errors import ConfigurationError
from django_minio_backend.s3.bucket_policies import public_read_policy, same_policy
from django_minio_backend.testing.s3server import S3Server
from tests.helpers import (
    anonymous_get,
    anonymous_list_policy,
    bucket_names,
    minio_storages,
    server_profile,
)
from tests.s3.test_health import down_profile


def put(server: S3Server, bucket: str, key: str = "file.txt") -> str:
    server.client().put_object(
        bucket_name=bucket, object_name=key, data=io.BytesIO(b"content"), length=7
    )
    return key


def policy_of(server: S3Server, bucket: str) -> dict[str, Any] | None:
    try:
        return dict(json.loads(server.client().get_bucket_policy(bucket_name=bucket)))
    except S3Error as exc:
        assert exc.code == "NoSuchBucketPolicy"
        return None


# --- initialize -----------------------------------------------------------------------------------


def test_initialize_creates_buckets_with_policies_and_is_idempotent(
    settings: Any, s3_server: S3Server
) -> None:
    private, public = bucket_names(2)
    settings.MINIO_PROFILES = {
        "init": server_profile(s3_server, private_buckets=[private], public_buckets=[public])
    }
    first = initialize_profile("init")
    assert [(r.bucket, r.kind, r.actions) for r in first] == [
        (private, "private", ("created",)),
        (public, "public", ("created", "public-read policy set")),
    ]
    assert all(report.ok for report in first)
    assert str(first[1]) == f"[init] {public} (public): created, public-read policy set"
    put(s3_server, private)
    put(s3_server, public)
    assert anonymous_get(s3_server, f"{public}/file.txt") == 200
    assert anonymous_get(s3_server, f"{private}/file.txt") == 403
    assert anonymous_get(s3_server, f"{public}?list-type=2") == 403
    assert anonymous_get(s3_server, f"{public}/") == 403

    second = initialize_profile("init")
    assert [(r.bucket, r.describe()) for r in second] == [
        (private, "unchanged"),
        (public, "unchanged"),
    ]


def test_public_bucket_loses_anonymous_listing(settings: Any, s3_server: S3Server) -> None:
    (public,) = bucket_names(1)
    client = s3_server.client()
    client.make_bucket(bucket_name=public)
    client.set_bucket_policy(bucket_name=public, policy=json.dumps(anonymous_list_policy(public)))
    put(s3_server, public)
    assert anonymous_get(s3_server, f"{public}?list-type=2") == 200
    settings.MINIO_PROFILES = {"p": server_profile(s3_server, public_buckets=[public])}

    (report,) = initialize_profile("p")
    assert report.actions == ("public-read policy set",)
    assert anonymous_get(s3_server, f"{public}?list-type=2") == 403
    assert anonymous_get(s3_server, f"{public}/file.txt") == 200


def test_private_bucket_loses_anonymous_read(settings: Any, s3_server: S3Server) -> None:
    private, mixed = bucket_names(2)
    client = s3_server.client()
    for bucket in (private, mixed):
        client.make_bucket(bucket_name=bucket)
        put(s3_server, bucket)
    client.set_bucket_policy(bucket_name=private, policy=json.dumps(public_read_policy(private)))
    deny_delete = {
        "Effect": "Deny",
        "Principal": {"AWS": ["*"]},
        "Action": ["s3:DeleteBucket"],
        "Resource": [f"arn:aws:s3:::{mixed}"],
    }
    with_other = public_read_policy(mixed)
    with_other["Statement"].append(deny_delete)
    client.set_bucket_policy(bucket_name=mixed, policy=json.dumps(with_other))
    assert anonymous_get(s3_server, f"{private}/file.txt") == 200
    settings.MINIO_PROFILES = {"p": server_profile(s3_server, private_buckets=[private, mixed])}

    reports = initialize_profile("p")
    assert [report.actions for report in reports] == [("anonymous access removed",)] * 2
    assert anonymous_get(s3_server, f"{private}/file.txt") == 403
    assert anonymous_get(s3_server, f"{mixed}/file.txt") == 403
    assert policy_of(s3_server, private) is None
    remaining = policy_of(s3_server, mixed)
    assert remaining is not None
    assert same_policy(remaining, {"Version": "2012-10-17", "Statement": [deny_delete]})
    assert [report.describe() for report in initialize_profile("p")] == ["unchanged"] * 2


def test_policy_hook_replaces_its_own_bucket_policy(settings: Any, s3_server: S3Server) -> None:
    hooked, public, private = bucket_names(3)
    hook = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ["*"]},
                "Action": ["s3:GetObject"],
                "Resource": [f"arn:aws:s3:::{hooked}/shared/*"],
            }
        ],
    }
    settings.MINIO_PROFILES = {
        "p": server_profile(
            s3_server,
            private_buckets=[hooked, private],
            public_buckets=[public],
            policy_hooks=[(hooked, hook)],
        )
    }
    reports = {report.bucket: report for report in initialize_profile("p")}
    assert reports[hooked].kind == "policy hook"
    assert reports[hooked].actions == ("created", "policy hook applied")
    assert reports[private].actions == ("created",)
    for bucket in (hooked, public, private):
        put(s3_server, bucket, "shared/a.txt")
        put(s3_server, bucket, "other/a.txt")
    assert anonymous_get(s3_server, f"{hooked}/shared/a.txt") == 200
    assert anonymous_get(s3_server, f"{hooked}/other/a.txt") == 403
    assert anonymous_get(s3_server, f"{private}/shared/a.txt") == 403
    assert anonymous_get(s3_server, f"{public}/other/a.txt") == 200
    assert [r.describe() for r in initialize_profile("p")] == ["unchanged"] * 3


def test_buckets_used_by_storages_are_created(settings: Any, s3_server: S3Server) -> None:
    media, static, extra = bucket_names(3)
    settings.MINIO_PROFILES = {
        "p": server_profile(
            s3_server,
            private_buckets=[media],
            public_buckets=[static],
            default_bucket=media,
            static_bucket=static,
        ),
        "other": server_profile(s3_server),
    }
    settings.STORAGES = minio_storages(
        "p",
        extra={
            "BACKEND": "django_minio_backend.models.MinioBackend",
            "OPTIONS": {"profile": "p", "bucket_name": extra},
        },
    )
    reports = initialize_profile("p")
    assert [(r.bucket, r.kind, r.actions[:1]) for r in reports] == [
        (media, "private", ("created",)),
        (static, "public", ("created",)),
        (extra, "private", ("created",)),  # declared nowhere: treated as private
    ]
    assert initialize_profile("other") == []  # no bucket declared, none used by its storages


def test_unreachable_server_reports_every_bucket_once_down(settings: Any) -> None:
    first, second = bucket_names(2)
    down = down_profile(private_buckets=[first, second])
    settings.MINIO_PROFILES = {"down": down}
    reports = initialize_profile("down")
    assert [report.bucket for report in reports] == [first, second]
    assert all(report.unreachable and not report.ok for report in reports)
    assert reports[0].error is not None
    assert f"the server at http://{down['endpoint']} is unreachable" in reports[0].error
    with pytest.raises(BucketInitializationError) as raised:
        raise BucketInitializationError(reports)
    message = str(raised.value)
    assert f"profile 'down': the server at http://{down['endpoint']}" in message
    assert f"buckets not initialised: '{first}', '{second}'" in message
    assert "down-secret-key-value" not in message


def test_several_profiles_at_once(settings: Any, s3_server: S3Server) -> None:
    a, b = bucket_names(2)
    settings.MINIO_PROFILES = {
        "a": server_profile(s3_server, private_buckets=[a]),
        "b": server_profile(s3_server, public_buckets=[b]),
        "down": down_profile(private_buckets=bucket_names(1)),
    }
    reports = initialize_profiles(["b", "down", "a"])
    assert [report.profile for report in reports] == ["b", "down", "a"]
    assert [report.ok for report in reports] == [True, False, True]
    assert s3_server.client().bucket_exists(bucket_name=a)
    assert s3_server.client().bucket_exists(bucket_name=b)


def test_unknown_profile_raises_before_any_request(settings: Any, s3_server: S3Server) -> None:
    settings.MINIO_PROFILES = {"a": server_profile(s3_server)}
    with pytest.raises(ConfigurationError, match="unknown profile 'zzz'"):
        initialize_profiles(["a", "zzz"])


# --- start-up -------------------------------------------------------------------------------------


def test_consistency_check_on_start_runs_once_for_flagged_profiles(
    settings: Any, s3_server: S3Server
) -> None:
    flagged, plain = bucket_names(2)
    name = f"start-{uuid.uuid4().hex[:8]}"
    settings.MINIO_PROFILES = {
        name: server_profile(s3_server, public_buckets=[flagged], consistency_check_on_start=True),
        "plain": server_profile(s3_server, private_buckets=[plain]),
    }
    apps.get_app_config("django_minio_backend").ready()
    client = s3_server.client()
    assert client.bucket_exists(bucket_name=flagged)
    assert not client.bucket_exists(bucket_name=plain)
    assert initialize_on_start() == []  # once per process


def test_consistency_check_on_start_fails_naming_profile_and_endpoint(settings: Any) -> None:
    name = f"start-{uuid.uuid4().hex[:8]}"
    down = down_profile(private_buckets=bucket_names(1), consistency_check_on_start=True)
    settings.MINIO_PROFILES = {name: down}
    with pytest.raises(BucketInitializationError) as raised:
        apps.get_app_config("django_minio_backend").ready()
    assert str(raised.value).startswith("consistency check on start")
    assert f"profile {name!r}: the server at http://{down['endpoint']} is unreachable" in str(
        raised.value
    )


def test_invalid_configuration_is_left_to_the_checks(settings: Any) -> None:
    name = f"start-{uuid.uuid4().hex[:8]}"
    settings.MINIO_PROFILES = {
        name: down_profile(consistency_check_on_start=True),
        "broken": {"endpoint": "http://x"},
    }
    apps.get_app_config("django_minio_backend").ready()  # no error, no request
    assert initialize_on_start() == []
