"""One bucket on the server: create it if missing and give it the policy its profile asks for.

- public buckets: anonymous ``s3:GetObject`` on their objects, nothing else (no anonymous listing);
- private buckets (and buckets declared nowhere): no anonymous access; an anonymous grant found
  on one is removed, other statements are kept;
- a policy hook replaces its bucket's policy (S3 keeps one policy per bucket).

``ensure_bucket`` backs ``bucket_check_on_save``; ``reconcile_bucket`` backs
``manage.py initialize_buckets`` (through ``administration.bucket_setup``).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

import attrs
from minio import Minio
from minio.error import S3Error

from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.s3.bucket_policies import (
    policy_statements,
    public_read_policy,
    same_policy,
    without_anonymous_access,
)
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.failures import server_errors

__all__ = ["BucketPlan", "bucket_plan", "ensure_bucket", "reconcile_bucket"]


@attrs.frozen
class BucketPlan:
    """One bucket of a profile and the policy it should carry."""

    bucket: str
    public: bool
    hook: Mapping[str, Any] | None = None

    @property
    def kind(self) -> str:
        """``public``, ``private`` or ``policy hook``."""
        if self.hook is not None:
            return "policy hook"
        return "public" if self.public else "private"

    @property
    def policy(self) -> Mapping[str, Any] | None:
        """The exact policy the bucket must have; ``None`` for "no anonymous access"."""
        if self.hook is not None:
            return self.hook
        return public_read_policy(self.bucket) if self.public else None


def bucket_plan(profile: MinioProfile, bucket: str) -> BucketPlan:
    """The plan for ``bucket`` of ``profile``: its visibility and policy hook."""
    hooks = [policy for hooked, policy in profile.policy_hooks if hooked == bucket]
    # Several hooks for one bucket: the last wins (a system check warns about it).
    return BucketPlan(bucket, profile.is_public(bucket), hooks[-1] if hooks else None)


# --- reconciling one bucket -----------------------------------------------------------------------


def _current_policy(client: Minio, bucket: str) -> Mapping[str, Any] | None:
    try:
        text = client.get_bucket_policy(bucket_name=bucket)
    except S3Error as exc:
        if exc.code == "NoSuchBucketPolicy":
            return None
        raise
    try:
        policy = json.loads(text)
    except ValueError:
        return {"Unreadable": text}  # differs from anything we would set: it gets replaced
    return policy if isinstance(policy, Mapping) else {"Unreadable": text}


def _create(client: Minio, bucket: str) -> bool:
    """Create ``bucket`` if missing; True when this call created it."""
    if client.bucket_exists(bucket_name=bucket):
        return False
    try:
        client.make_bucket(bucket_name=bucket)
    except S3Error as exc:
        if exc.code == "BucketAlreadyOwnedByYou":  # created concurrently by another process
            return False
        raise
    return True


def _apply_policy(client: Minio, plan: BucketPlan) -> str | None:
    """Bring the bucket's policy in line with ``plan``; describe what changed, if anything."""
    current = _current_policy(client, plan.bucket)
    desired = plan.policy
    if desired is not None:
        if current is not None and same_policy(current, desired):
            return None
        client.set_bucket_policy(bucket_name=plan.bucket, policy=json.dumps(desired))
        return "policy hook applied" if plan.hook is not None else "public-read policy set"
    if current is None:
        return None
    reduced = without_anonymous_access(current)
    if reduced is None:
        client.delete_bucket_policy(bucket_name=plan.bucket)
    elif len(policy_statements(reduced)) == len(policy_statements(current)):
        return None
    else:
        client.set_bucket_policy(bucket_name=plan.bucket, policy=json.dumps(reduced))
    return "anonymous access removed"


def reconcile_bucket(client: Minio, plan: BucketPlan) -> tuple[str, ...]:
    """Create the bucket if missing and fix its policy; what was done (empty: unchanged)."""
    actions = ["created"] if _create(client, plan.bucket) else []
    changed = _apply_policy(client, plan)
    if changed:
        actions.append(changed)
    return tuple(actions)


# --- bucket_check_on_save -------------------------------------------------------------------------

_ensure_lock = threading.Lock()
_ensured: dict[tuple[str, str], MinioProfile] = {}


def ensure_bucket(profile_name: str, bucket: str, *, once: bool = True) -> bool:
    """Create ``bucket`` (with its policy) if it is missing; checked once per process and bucket
    (``once=False``: checked again). True when this call created it.

    Network failures raise ``ServerUnavailableError``, answers that are no S3 error document
    ``ServerResponseError``; S3 errors (permissions...) raise ``S3Error``.
    """
    clients = profile_clients(profile_name)
    profile = clients.profile
    key = (profile_name, bucket)
    if once and _ensured.get(key) is profile:
        return False
    with server_errors(profile_name, profile):
        created = _create(clients.internal, bucket)
        if created:
            _apply_policy(clients.internal, bucket_plan(profile, bucket))
    with _ensure_lock:
        _ensured[key] = profile
    return created
