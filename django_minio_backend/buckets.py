"""Bucket administration: create missing buckets and give each the policy its profile asks for.

- public buckets: anonymous ``s3:GetObject`` on their objects, nothing else (no anonymous listing);
- private buckets (and buckets declared nowhere): no anonymous access; an anonymous grant found
  on one is removed, other statements are kept;
- a policy hook replaces its bucket's policy (S3 keeps one policy per bucket).

``initialize_profiles`` backs ``manage.py initialize_buckets`` and the consistency check on start;
``ensure_bucket`` backs ``bucket_check_on_save``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

import attrs
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from .bucket_policies import (
    policy_statements,
    public_read_policy,
    same_policy,
    without_anonymous_access,
)
from .clients import profile_clients
from .errors import ServerUnavailableError
from .health import describe_error
from .profile import MinioProfile
from .profile_sources import configuration
from .storage_usage import StorageUse, storage_uses

__all__ = [
    "BucketInitializationError",
    "BucketPlan",
    "BucketReport",
    "bucket_plans",
    "ensure_bucket",
    "failure_summary",
    "initialize_on_start",
    "initialize_profile",
    "initialize_profiles",
]

MAX_PARALLEL_PROFILES: Final = 8


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


def _plan(profile: MinioProfile, bucket: str) -> BucketPlan:
    hooks = [policy for hooked, policy in profile.policy_hooks if hooked == bucket]
    # Several hooks for one bucket: the last wins (a system check warns about it).
    return BucketPlan(bucket, profile.is_public(bucket), hooks[-1] if hooks else None)


def bucket_plans(
    profile_name: str, profile: MinioProfile, uses: Iterable[StorageUse] = ()
) -> tuple[BucketPlan, ...]:
    """The buckets ``initialize_buckets`` manages for a profile: both lists, then every bucket a
    configured storage of the profile uses (such as the default or static bucket)."""
    used = [use.bucket for use in uses if use.profile == profile_name and use.bucket]
    names = dict.fromkeys((*profile.private_buckets, *profile.public_buckets, *used))
    return tuple(_plan(profile, name) for name in names)


# --- reconciling one bucket -----------------------------------------------------------------------


def _current_policy(client: Minio, bucket: str) -> Mapping[str, Any] | None:
    try:
        text = client.get_bucket_policy(bucket)
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
    if client.bucket_exists(bucket):
        return False
    try:
        client.make_bucket(bucket)
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
        client.set_bucket_policy(plan.bucket, json.dumps(desired))
        return "policy hook applied" if plan.hook is not None else "public-read policy set"
    if current is None:
        return None
    reduced = without_anonymous_access(current)
    if reduced is None:
        client.delete_bucket_policy(plan.bucket)
    elif len(policy_statements(reduced)) == len(policy_statements(current)):
        return None
    else:
        client.set_bucket_policy(plan.bucket, json.dumps(reduced))
    return "anonymous access removed"


def _reconcile(client: Minio, plan: BucketPlan) -> tuple[str, ...]:
    actions = ["created"] if _create(client, plan.bucket) else []
    changed = _apply_policy(client, plan)
    if changed:
        actions.append(changed)
    return tuple(actions)


# --- reports --------------------------------------------------------------------------------------


@attrs.frozen
class BucketReport:
    """What initialisation did to one bucket, or why it failed."""

    profile: str
    endpoint: str
    bucket: str
    kind: str
    actions: tuple[str, ...] = ()
    error: str | None = None
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        """True when the bucket is as the profile wants it."""
        return self.error is None

    def describe(self) -> str:
        """``created, public-read policy set`` / ``unchanged`` / ``FAILED: ...``."""
        if self.error is not None:
            return f"FAILED: {self.error}"
        return ", ".join(self.actions) or "unchanged"

    def __str__(self) -> str:
        return f"[{self.profile}] {self.bucket} ({self.kind}): {self.describe()}"


def failure_summary(reports: Iterable[BucketReport]) -> str:
    """One line per profile whose server was unreachable, one per other failed bucket."""
    lines: list[str] = []
    unreachable: dict[str, list[BucketReport]] = {}
    for report in reports:
        if report.ok:
            continue
        if report.unreachable:
            unreachable.setdefault(report.profile, []).append(report)
        else:
            lines.append(f"profile {report.profile!r} bucket {report.bucket!r}: {report.error}")
    for profile, failed in unreachable.items():
        buckets = ", ".join(repr(report.bucket) for report in failed)
        lines.insert(
            0, f"profile {profile!r}: {failed[0].error} (buckets not initialised: {buckets})"
        )
    return "\n".join(lines)


class BucketInitializationError(RuntimeError):
    """Bucket initialisation failed; ``reports`` holds every bucket's outcome."""

    def __init__(self, reports: Sequence[BucketReport]) -> None:
        self.reports = tuple(reports)
        super().__init__(
            "consistency check on start (consistency_check_on_start=True) failed:\n"
            + failure_summary(self.reports)
        )


def initialize_profile(
    profile_name: str, uses: Iterable[StorageUse] | None = None
) -> list[BucketReport]:
    """Create and fix every bucket of one profile; never raises for server or network errors.

    After the first network error the remaining buckets are reported as not initialised rather
    than each waiting for its own timeout. Raises ``ConfigurationError`` for a bad profile.
    """
    clients = profile_clients(profile_name)
    profile = clients.profile
    url = profile.base_url
    plans = bucket_plans(profile_name, profile, storage_uses() if uses is None else uses)
    reports: list[BucketReport] = []
    down: str | None = None
    for plan in plans:
        report = BucketReport(profile_name, url, plan.bucket, plan.kind)
        if down is not None:
            reports.append(attrs.evolve(report, error=down, unreachable=True))
            continue
        try:
            actions = _reconcile(clients.internal, plan)
        except S3Error as exc:
            reports.append(attrs.evolve(report, error=describe_error(exc, profile)))
            continue
        except (urllib3.exceptions.HTTPError, OSError, MinioException) as exc:
            down = f"the server at {url} is unreachable: {describe_error(exc, profile)}"
            reports.append(attrs.evolve(report, error=down, unreachable=True))
            continue
        reports.append(attrs.evolve(report, actions=actions))
    return reports


def initialize_profiles(profile_names: Sequence[str]) -> list[BucketReport]:
    """``initialize_profile`` for several profiles at once (one thread each), in the given order."""
    if not profile_names:
        return []
    for name in profile_names:
        profile_clients(name)  # unknown or invalid profile: ConfigurationError before any request
    uses = storage_uses()
    workers = min(MAX_PARALLEL_PROFILES, len(profile_names))
    with ThreadPoolExecutor(workers, thread_name_prefix="minio-buckets") as pool:
        results = pool.map(lambda name: initialize_profile(name, uses), profile_names)
        return [report for reports in results for report in reports]


_start_lock = threading.Lock()
_started: set[str] = set()


def initialize_on_start() -> list[BucketReport]:
    """Initialise, once per process, the buckets of every profile with
    ``consistency_check_on_start``; raise ``BucketInitializationError`` if anything failed.

    An invalid configuration is left to the system checks: nothing runs.
    """
    current = configuration()
    if current.problems:
        return []
    with _start_lock:
        names = [
            name
            for name, profile in current.profiles.items()
            if profile.consistency_check_on_start and name not in _started
        ]
        _started.update(names)
    reports = initialize_profiles(names)
    if any(not report.ok for report in reports):
        raise BucketInitializationError(reports)
    return reports


# --- bucket_check_on_save -------------------------------------------------------------------------

_ensure_lock = threading.Lock()
_ensured: dict[tuple[str, str], MinioProfile] = {}


def ensure_bucket(profile_name: str, bucket: str) -> None:
    """Create ``bucket`` (with its policy) if it is missing; checked once per process and bucket.

    Network failures raise ``ServerUnavailableError``; other server errors raise ``S3Error``.
    """
    clients = profile_clients(profile_name)
    profile = clients.profile
    key = (profile_name, bucket)
    if _ensured.get(key) is profile:
        return
    try:
        if _create(clients.internal, bucket):
            _apply_policy(clients.internal, _plan(profile, bucket))
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ServerUnavailableError(
            profile_name, profile.base_url, describe_error(exc, profile)
        ) from exc
    with _ensure_lock:
        _ensured[key] = profile
