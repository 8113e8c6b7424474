"""System checks (tag ``django_minio_backend``): every profile and every storage that uses one.

No check makes a network call; no message shows a secret. Ids:

====  ===========================================================================================
id    problem
====  ===========================================================================================
E001  a profile field or setting has an invalid value
E002  unknown profile field, or unknown ``MINIO_*`` setting
E003  a required profile field (endpoint, access_key, secret_key) is missing
E004  a bucket is listed both in private_buckets and public_buckets
E005  default_bucket / static_bucket is not declared in either bucket list
E006  two settings sources at once (MINIO_PROFILES and flat settings), or a profile defined twice
E007  a storage (STORAGES entry, OPTIONS or FileField) refers to an unknown profile
E008  a storage has an unknown OPTIONS key or an invalid option value
E009  a policy hook names a bucket the profile does not declare
E010  a profile file cannot be read (``load_profiles``)
E011  a STORAGES BACKEND inside django_minio_backend cannot be imported
W001  http_client is given together with connect_timeout/read_timeout/max_retries (ignored)
W002  a storage uses a bucket declared in no list (it is treated as private)
W003  cert_check is False: TLS certificates are not verified
W004  several policy hooks for one bucket: only the last one is applied
====  ===========================================================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import attrs
from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import import_string

from django_minio_backend.administration.storage_usage import StorageUse, storage_uses
from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.bucket_names import bucket_name_problem
from django_minio_backend.profiles.model import (
    AUTO_MEDIA_BUCKET,
    AUTO_STATIC_BUCKET,
    PROFILE_FIELDS,
    MinioProfile,
)
from django_minio_backend.profiles.sources import (
    OPTIONS_SETTINGS,
    ProfileConfiguration,
    configuration,
    configured_storages,
)
from django_minio_backend.storage.backend import MinioBackend
from django_minio_backend.storage.options import storage_option_problems

__all__ = ["TAG", "check_minio_configuration", "messages_for"]

TAG: Final = "django_minio_backend"
_PACKAGE: Final = "django_minio_backend"

_BOOL_HINT: Final = "use True or False (a Python bool, not a string)"
_BUCKET_HINT: Final = (
    "S3 bucket names are 3 to 63 characters: lowercase letters, digits, dots and hyphens"
)
_SECONDS_HINT: Final = "use a positive number of seconds, such as 10"
FIELD_HINTS: Final[Mapping[str, str]] = {
    "endpoint": "write host or host:port without scheme or path, such as 'minio.internal:9000'",
    "external_endpoint": "write host or host:port without scheme or path, or leave it out",
    "access_key": "set it to a non-empty string, read from an environment variable",
    "secret_key": "set it to a non-empty string, read from an environment variable",
    "use_https": _BOOL_HINT,
    "external_use_https": _BOOL_HINT + ", or None to follow use_https",
    "region": "set the server's region, such as 'us-east-1'",
    "url_expiry": "use a timedelta from 1 second to 7 days (an int counts seconds; "
    "MINIO_URL_EXPIRY_HOURS counts hours)",
    "private_buckets": "use a list of bucket names; " + _BUCKET_HINT,
    "public_buckets": "use a list of bucket names; " + _BUCKET_HINT,
    "default_bucket": _BUCKET_HINT,
    "static_bucket": _BUCKET_HINT,
    "policy_hooks": "use a list of (bucket name, policy dict) pairs",
    "bucket_check_on_save": _BOOL_HINT,
    "consistency_check_on_start": _BOOL_HINT,
    "http_client": "pass a urllib3.PoolManager, or leave it out to get one built from "
    "connect_timeout, read_timeout and max_retries",
    "connect_timeout": _SECONDS_HINT,
    "read_timeout": _SECONDS_HINT,
    "max_retries": "use an integer from 0 to 100",
    "ca_certs": "give the path of a CA bundle file, or None for certifi's bundle",
    "cert_check": _BOOL_HINT,
    "multipart_threshold": "use a positive number of bytes",
    "multipart_part_size": "use a number of bytes from 5 MiB to 5 GiB",
}
CODE_HINTS: Final[Mapping[str, str]] = {
    "E002": "remove it or fix its name",
    "E003": "add it to the profile",
    "E007": "define the profile in MINIO_PROFILES, or fix the name",
    "E008": "fix the storage's OPTIONS",
}
_UPPER_KEY: Final = re.compile(r"\[?'?(MINIO_[A-Z_]+)'?\]?$")


def _field_of(setting: str | None) -> str | None:
    """The profile field a problem's ``setting`` label refers to, if any."""
    if setting is None:
        return None
    if setting in PROFILE_FIELDS:
        return setting
    match = _UPPER_KEY.search(setting)
    return OPTIONS_SETTINGS.get(match.group(1)) if match else None


def _hint(problem: Problem) -> str:
    if problem.hint:
        return problem.hint
    field = _field_of(problem.setting)
    if field is not None and field in FIELD_HINTS:
        return FIELD_HINTS[field]
    if problem.setting == "MINIO_PROFILES":
        return "write MINIO_PROFILES = {'default': {'endpoint': ..., ...}}"
    if problem.profile is not None and problem.setting is None:
        return "write the profile as a dict of fields or as MinioProfile(...)"
    return CODE_HINTS.get(problem.code, "see the profile fields in the README")


def message_for(problem: Problem, obj: Any = None) -> checks.CheckMessage:
    """The check message for one ``Problem``: id, where, what and how to fix it."""
    if obj is None:
        obj = f"profile {problem.profile!r}" if problem.profile is not None else problem.setting
    text = problem.message
    setting = problem.setting
    if setting is not None and setting != obj and repr(setting) not in text:
        text = f"{setting}: {text}"
    kind = checks.Warning if problem.code.startswith("W") else checks.Error
    return kind(text, hint=_hint(problem), obj=obj or "settings", id=f"{TAG}.{problem.code}")


def messages_for(problems: Iterable[Problem]) -> list[checks.CheckMessage]:
    """Check messages for ``problems``, in order."""
    return [message_for(problem) for problem in problems]


# --- profile warnings -----------------------------------------------------------------------------

_TRANSPORT_DEFAULTS: Final = {
    name: attrs.fields_dict(MinioProfile)[name].default
    for name in ("connect_timeout", "read_timeout", "max_retries")
}


def _profile_warnings(name: str, profile: MinioProfile) -> list[Problem]:
    problems: list[Problem] = []
    if profile.http_client is not None:
        ignored = [
            field
            for field, default in _TRANSPORT_DEFAULTS.items()
            if getattr(profile, field) != default
        ]
        if ignored:
            problems.append(
                Problem(
                    f"{', '.join(ignored)} ignored: http_client is given and used as is",
                    setting="http_client",
                    profile=name,
                    hint="configure timeouts and retries on your PoolManager and remove "
                    f"{', '.join(ignored)}, or remove http_client",
                    code="W001",
                )
            )
    if not profile.cert_check:
        problems.append(
            Problem(
                "is False: TLS certificates of the server are not verified",
                setting="cert_check",
                profile=name,
                hint="remove cert_check=False and set ca_certs to the CA bundle that signed "
                "the server's certificate",
                code="W003",
            )
        )
    counts = Counter(bucket for bucket, _policy in profile.policy_hooks)
    for bucket, count in counts.items():
        if count > 1:
            problems.append(
                Problem(
                    f"{count} hooks for bucket {bucket!r}: only the last one is applied",
                    setting="policy_hooks",
                    profile=name,
                    hint="S3 keeps one policy per bucket: merge their statements into one policy",
                    code="W004",
                )
            )
    return problems


# --- storages -------------------------------------------------------------------------------------


def _known(current: ProfileConfiguration) -> str:
    return ", ".join(repr(name) for name in current.sources) or "none is configured"


def _unknown_profile(name: str, setting: str, current: ProfileConfiguration) -> Problem:
    return Problem(
        f"unknown profile {name!r}",
        setting=setting,
        hint=f"known profiles: {_known(current)}; define {name!r} in MINIO_PROFILES "
        "or fix the name",
        code="E007",
    )


def _storage_entry_problems(current: ProfileConfiguration) -> list[checks.CheckMessage]:

    messages: list[checks.CheckMessage] = []
    for entry in configured_storages():
        where = f"STORAGES[{entry.alias!r}]"
        try:
            backend = import_string(entry.backend)
        except ImportError as exc:
            if entry.backend.startswith(_PACKAGE + "."):
                problem = Problem(
                    f"BACKEND {entry.backend!r} cannot be imported ({exc})",
                    setting=where,
                    hint="use django_minio_backend.models.MinioBackend, MinioBackendStatic or "
                    "MinioManifestStaticStorage",
                    code="E011",
                )
                messages.append(message_for(problem))
            continue
        if not (isinstance(backend, type) and issubclass(backend, MinioBackend)):
            continue
        options_where = f"{where}['OPTIONS']"
        problems = storage_option_problems(entry.options, options_where)
        bucket = entry.options.get("bucket_name")
        if isinstance(bucket, str) and bucket and bucket_name_problem(bucket):
            problems.append(
                Problem(
                    str(bucket_name_problem(bucket)),
                    setting=f"{options_where}['bucket_name']",
                    hint=_BUCKET_HINT,
                    code="E008",
                )
            )
        profile = entry.options.get("profile", "default")
        upstream = entry.alias in current.options_aliases  # its profile is the alias itself
        if not upstream and isinstance(profile, str) and profile not in current.sources:
            setting = f"{options_where}['profile']" if "profile" in entry.options else where
            problems.append(_unknown_profile(profile, setting, current))
        messages.extend(messages_for(problems))
    return messages


def _undeclared_bucket(use: StorageUse, current: ProfileConfiguration) -> Problem | None:
    profile = current.profiles.get(use.profile)
    bucket = use.bucket
    if profile is None or bucket is None or bucket in profile.buckets:
        return None
    if bucket in (AUTO_MEDIA_BUCKET, AUTO_STATIC_BUCKET):
        return None  # the auto-generated buckets are private by design
    return Problem(
        f"uses bucket {bucket!r}, which profile {use.profile!r} declares in no list: "
        "it is treated as private",
        setting=use.label,
        hint=f"add {bucket!r} to private_buckets or public_buckets of profile {use.profile!r}",
        code="W002",
    )


def _storage_use_problems(current: ProfileConfiguration) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    for use in storage_uses():
        if use.field is not None and use.alias is not None:
            continue  # a field on a STORAGES entry: reported with the entry
        obj: Any = use.field if use.field is not None else use.label
        problems: list[Problem] = []
        if use.field is not None and use.profile not in current.sources:
            problems.append(_unknown_profile(use.profile, "storage", current))
        undeclared = _undeclared_bucket(use, current)
        if undeclared is not None:
            problems.append(attrs.evolve(undeclared, setting=None))
        messages.extend(message_for(problem, obj) for problem in problems)
    return messages


# --- the check ------------------------------------------------------------------------------------


@checks.register(TAG)
def check_minio_configuration(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every problem of the MinIO profiles and of the storages that use them."""
    try:
        current = configuration()
        messages = messages_for(current.problems)
        for name, profile in current.profiles.items():
            messages.extend(messages_for(_profile_warnings(name, profile)))
        messages.extend(_storage_entry_problems(current))
        messages.extend(_storage_use_problems(current))
    except ConfigurationError as exc:  # a mistake the checks above did not foresee
        return messages_for(exc.problems)
    return messages
