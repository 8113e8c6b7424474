"""Bucket initialisation for whole profiles: which buckets, in which order, and the reports.

``initialize_profiles`` backs ``manage.py initialize_buckets`` and the consistency check on start;
each bucket is reconciled by ``s3.buckets.reconcile_bucket``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Final

import attrs
from minio.error import S3Error

from django_minio_backend.administration.storage_usage import StorageUse, storage_uses
from django_minio_backend.errors import ServerResponseError, ServerUnavailableError
from django_minio_backend.profiles.model import MinioProfile
from django_minio_backend.profiles.sources import configuration
from django_minio_backend.s3.buckets import BucketPlan, bucket_plan, reconcile_bucket
from django_minio_backend.s3.clients import profile_clients
from django_minio_backend.s3.failures import describe_error, server_errors

__all__ = [
    "BucketInitializationError",
    "BucketReport",
    "bucket_plans",
    "failure_summary",
    "initialize_on_start",
    "initialize_profile",
    "initialize_profiles",
]

MAX_PARALLEL_PROFILES: Final = 8


def bucket_plans(
    profile_name: str, profile: MinioProfile, uses: Iterable[StorageUse] = ()
) -> tuple[BucketPlan, ...]:
    """The buckets ``initialize_buckets`` manages for a profile: both lists, then every bucket a
    configured storage of the profile uses (such as the default or static bucket)."""
    used = [use.bucket for use in uses if use.profile == profile_name and use.bucket]
    names = dict.fromkeys((*profile.private_buckets, *profile.public_buckets, *used))
    return tuple(bucket_plan(profile, name) for name in names)


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
            with server_errors(profile_name, profile):
                actions = reconcile_bucket(clients.internal, plan)
        except S3Error as exc:
            reports.append(attrs.evolve(report, error=describe_error(exc, profile)))
            continue
        except ServerResponseError as exc:
            reports.append(attrs.evolve(report, error=exc.detail))
            continue
        except ServerUnavailableError as exc:
            # The storages' wording; failure_summary puts the profile in front, as they do.
            down = exc.detail
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
