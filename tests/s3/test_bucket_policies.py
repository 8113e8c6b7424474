"""Bucket policies compared and trimmed by meaning (no server needed)."""

from __future__ import annotations

from django_minio_backend.s3.bucket_policies import (
    policy_statements,
    public_read_policy,
    same_policy,
    without_anonymous_access,
)
from tests.helpers import anonymous_list_policy


def test_public_read_policy_grants_get_object_only() -> None:
    (statement,) = public_read_policy("media")["Statement"]
    assert statement["Action"] == ["s3:GetObject"]
    assert statement["Resource"] == ["arn:aws:s3:::media/*"]
    assert statement["Principal"] == {"AWS": ["*"]}


def test_a_single_statement_mapping_is_one_statement() -> None:
    statement = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    assert policy_statements({"Statement": statement}) == [statement]
    assert policy_statements({}) == []


def test_principal_spellings_of_everybody_are_the_same_policy() -> None:
    def grant(principal: object) -> dict[str, object]:
        statement = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject"}
        return {
            "Version": "2012-10-17",
            "Statement": [{**statement, "Resource": "arn:aws:s3:::b/*"}],
        }

    assert same_policy(grant("*"), grant({"AWS": "*"}))
    assert same_policy(grant("*"), grant({"AWS": ["*"]}))
    assert not same_policy(grant("*"), grant({"AWS": ["arn:aws:iam::1:user/app"]}))


def test_a_deny_for_everybody_is_not_anonymous_access() -> None:
    deny = {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [deny]}
    assert without_anonymous_access(policy) == policy


def test_same_policy_ignores_server_rewrites() -> None:
    ours = public_read_policy("b")
    rewritten = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "x",
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": "arn:aws:s3:::b/*",
            }
        ],
    }
    assert same_policy(ours, rewritten)
    assert not same_policy(ours, public_read_policy("c"))
    assert not same_policy(ours, anonymous_list_policy("b"))


def test_without_anonymous_access_keeps_other_statements() -> None:
    user_grant = {
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::1:user/app"]},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    mixed = {
        "Version": "2012-10-17",
        "Statement": [*public_read_policy("b")["Statement"], user_grant],
    }
    assert without_anonymous_access(mixed) == {"Version": "2012-10-17", "Statement": [user_grant]}
    assert without_anonymous_access(anonymous_list_policy("b")) is None
