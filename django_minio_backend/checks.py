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
E012  a bucket is public in one profile and private in another profile of the same server
E013  a credentials source ('env', a file) or an SSE-C key read from the environment has no key
E014  SSE-C encryption on a public bucket (anonymous readers cannot send the key)
E099  a check itself failed (reported with its error instead of crashing ``manage.py check``)
W001  http_client is given together with connect_timeout/read_timeout/max_retries (ignored)
W002  a storage uses a bucket declared in no list (it is treated as private)
W003  cert_check is False: TLS certificates are not verified
W004  several policy hooks for one bucket: only the last one is applied
W005  a storage on a private bucket has public_base_url: presigned URLs cannot use it
W006  an upstream 4.x ``MINIO_DEFAULT_BUCKET`` is declared in no bucket list (treated as private)
W007  SSE-C over plain HTTP: the encryption key travels unencrypted
====  ===========================================================================================
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import urlsplit

import attrs
from django.apps import AppConfig
from django.core import checks

from django_minio_backend.administration.storage_usage import (
    StorageEntry,
    StorageUse,
    storage_entries,
    storage_uses,
)
from django_minio_backend.errors import ConfigurationError, Problem, without_secrets
from django_minio_backend.profiles.bucket_names import BUCKET_NAME_HINT, bucket_name_problem
from django_minio_backend.profiles.encryption import SSE_C, Encryption
from django_minio_backend.profiles.model import (
    AUTO_MEDIA_BUCKET,
    AUTO_STATIC_BUCKET,
    FIELD_HINTS,
    PROFILE_FIELDS,
    SECRET_FIELDS,
    MinioProfile,
    secret_values,
)
from django_minio_backend.profiles.sources import (
    OPTIONS_SETTINGS,
    ProfileConfiguration,
    configuration,
    configured_storages,
)
from django_minio_backend.s3.credentials import credential_source_problem
from django_minio_backend.s3.encryption import customer_key_problem
from django_minio_backend.storage.options import storage_option_problems

__all__ = ["TAG", "check_minio_configuration", "messages_for"]

TAG: Final = "django_minio_backend"

# FIELD_HINTS (one per profile field) comes from the field specs of profiles/model.py.
_BUCKET_HINT: Final = BUCKET_NAME_HINT
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
    problems.extend(_key_source_problems(name, profile))
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


def _key_source_problems(name: str, profile: MinioProfile) -> list[Problem]:
    """Keys the profile reads from the environment or a file, looked for now (no request)."""
    problems = []
    missing = credential_source_problem(profile)
    if missing is not None:
        problems.append(
            Problem(
                missing,
                setting="credentials",
                profile=name,
                hint="set the variables (or fix the file) in the environment Django runs in, "
                "or give access_key and secret_key",
                code="E013",
            )
        )
    problems.extend(_customer_key_problems(name, profile.encryption, "encryption"))
    return problems


def _customer_key_problems(
    name: str, encryption: Encryption | None, setting: str, *, bucket: str | None = None
) -> list[Problem]:
    problems = []
    missing = customer_key_problem(encryption)
    if missing is not None:
        problems.append(
            Problem(
                missing,
                setting=setting,
                profile=name,
                hint="export the key in base64 (openssl rand -base64 32); keep it: objects "
                "written with it cannot be read without it",
                code="E013",
            )
        )
    return problems


def _ssec_problems(name: str, profile: MinioProfile) -> list[Problem]:
    """SSE-C of the profile: refused on its public buckets, warned about over plain HTTP."""
    if profile.encryption is None or profile.encryption.mode != SSE_C:
        return []
    problems = [_public_ssec(bucket, "encryption", name) for bucket in profile.public_buckets]
    if not profile.use_https:
        problems.append(_plain_http_ssec(name, "encryption"))
    return problems


def _public_ssec(bucket: str, setting: str, profile: str | None) -> Problem:
    return Problem(
        f"SSE-C on the public bucket {bucket!r}: its objects could be read only with the key, "
        "which anonymous readers and browsers cannot send",
        setting=setting,
        profile=profile,
        hint=f"make {bucket!r} private, or set SSE-C on the storages of private buckets only "
        "(their encryption option) and use 'SSE-S3' here",
        code="E014",
    )


def _plain_http_ssec(profile: str, setting: str) -> Problem:
    return Problem(
        "SSE-C over plain HTTP: the encryption key is sent unencrypted with every request",
        setting=setting,
        profile=profile,
        hint="set use_https=True (S3 itself refuses SSE-C over HTTP)",
        code="W007",
    )


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


def _storage_entry_problems(
    entries: Iterable[StorageEntry], uses: Iterable[StorageUse], current: ProfileConfiguration
) -> list[checks.CheckMessage]:
    """The ``STORAGES`` entries on our backends: BACKEND, OPTIONS, bucket name and profile."""
    entry_uses = {use.alias: use for use in uses if use.field is None}
    messages: list[checks.CheckMessage] = []
    for entry in entries:
        where = entry.label
        if entry.storage_class is None:
            problem = Problem(
                f"BACKEND {entry.backend!r} cannot be imported ({entry.import_error})",
                setting=where,
                hint="use django_minio_backend.models.MinioBackend, MinioBackendStatic or "
                "MinioManifestStaticStorage",
                code="E011",
            )
            messages.append(message_for(problem))
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
        use = entry_uses.get(entry.alias)
        if use is not None and use.profile is None and not problems:
            problems.extend(attrs.evolve(problem, setting=where) for problem in use.problems)
        if use is not None and use.profile is not None and use.profile not in current.sources:
            setting = f"{options_where}['profile']" if "profile" in entry.options else where
            problems.append(_unknown_profile(use.profile, setting, current))
        if use is not None and not problems:
            problems.extend(_unused_base_url(use, entry.options, options_where, current))
        messages.extend(messages_for(problems))
    return messages


def _unused_base_url(
    use: StorageUse, options: Mapping[str, Any], where: str, current: ProfileConfiguration
) -> list[Problem]:
    profile = current.profiles.get(use.profile) if use.profile is not None else None
    if not options.get("public_base_url") or profile is None or use.bucket is None:
        return []
    if profile.is_public(use.bucket):
        return []
    return [
        Problem(
            f"public_base_url is set, but bucket {use.bucket!r} is private: its URLs are "
            "presigned for the external endpoint and never use the base URL",
            setting=f"{where}['public_base_url']",
            hint="remove public_base_url, or list the bucket in public_buckets; a presigned URL "
            "cannot go through a proxy that rewrites paths (use external_endpoint for a proxy "
            "that keeps them)",
            code="W005",
        )
    ]


def _undeclared_bucket(use: StorageUse, current: ProfileConfiguration) -> Problem | None:
    profile = current.profiles.get(use.profile) if use.profile is not None else None
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


def _storage_use_problems(
    uses: Iterable[StorageUse], current: ProfileConfiguration
) -> list[checks.CheckMessage]:
    """Every storage in use: unknown profile (model fields) and undeclared buckets."""
    messages: list[checks.CheckMessage] = []
    for use in uses:
        if use.field is not None and use.alias is not None:
            continue  # a field on a STORAGES entry: reported with the entry
        obj: Any = use.field if use.field is not None else use.label
        problems: list[Problem] = []
        if use.field is not None:
            if use.profile is None:
                problems.extend(use.problems)
            elif use.profile not in current.sources:
                problems.append(_unknown_profile(use.profile, "storage", current))
        undeclared = _undeclared_bucket(use, current)
        if undeclared is not None:
            problems.append(attrs.evolve(undeclared, setting=None))
        problems.extend(_storage_ssec_problems(use, current))
        messages.extend(message_for(problem, obj) for problem in problems)
    return messages


def _storage_ssec_problems(use: StorageUse, current: ProfileConfiguration) -> list[Problem]:
    """A storage's own SSE-C option: its ``env:`` key, a public bucket, plain HTTP. (SSE-C of
    the profile is reported with the profile.)"""
    profile = current.profiles.get(use.profile) if use.profile is not None else None
    if profile is None or use.encryption is None:
        return []
    setting = f"{use.label} option 'encryption'"
    problems: list[Problem] = [
        attrs.evolve(problem, profile=None)
        for problem in _customer_key_problems(str(use.profile), use.encryption, setting)
    ]
    if use.encryption.mode != SSE_C:
        return problems
    if use.bucket is not None and profile.is_public(use.bucket):
        problems.append(_public_ssec(use.bucket, setting, None))
    if not profile.use_https:
        problems.append(attrs.evolve(_plain_http_ssec(str(use.profile), setting), profile=None))
    return problems


def _storage_problems() -> list[checks.CheckMessage]:
    """The storages that use our backends (``STORAGES`` entries and model ``FileField``s)."""
    current = configuration()
    entries = storage_entries()
    uses = storage_uses(entries)
    return [
        *_storage_entry_problems(entries, uses, current),
        *_storage_use_problems(uses, current),
    ]


def _server_of(profile: MinioProfile) -> str:
    """``host:port`` of the server a profile talks to (the port implied by the scheme if none)."""
    parts = urlsplit(f"//{profile.endpoint}")
    host = parts.hostname or profile.endpoint.lower()
    port = parts.port or (443 if profile.use_https else 80)
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _names(profiles: Sequence[str]) -> str:
    return ("profile " if len(profiles) == 1 else "profiles ") + ", ".join(map(repr, profiles))


def _shared_bucket_problems() -> list[checks.CheckMessage]:
    """A bucket public in one profile and private in another profile of the same server: S3
    keeps one policy per bucket, so ``initialize_buckets`` would switch it on every run."""
    kinds: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for name, profile in configuration().profiles.items():
        server = _server_of(profile)
        for bucket in profile.buckets:
            public, private = kinds.setdefault((server, bucket), ([], []))
            (public if profile.is_public(bucket) else private).append(name)
    messages: list[checks.CheckMessage] = []
    for (server, bucket), (public, private) in kinds.items():
        if public and private:
            messages.append(
                checks.Error(
                    f"bucket {bucket!r} is public in {_names(public)} and private in "
                    f"{_names(private)}, all on the server {server}: S3 keeps one policy per "
                    "bucket, so initialize_buckets would switch it on every run",
                    hint=f"declare {bucket!r} in public_buckets in every profile of {server}, "
                    "or in private_buckets in every one (or use separate buckets)",
                    obj=f"bucket {bucket!r}",
                    id=f"{TAG}.E012",
                )
            )
    return messages


# --- the check ------------------------------------------------------------------------------------

_MAX_CRASH_TEXT: Final = 300
_SECRET_OPTIONS: Final = frozenset(
    key for key, field in OPTIONS_SETTINGS.items() if field in SECRET_FIELDS
)


def _crash_text(exc: Exception) -> str:
    """``TypeError: ...``: the exception's type and message, without any key of a profile."""
    text = str(exc)
    secrets = [
        value for profile in configuration().profiles.values() for value in secret_values(profile)
    ]
    secrets += [
        value
        for entry in configured_storages()
        for key, value in entry.options.items()
        if key in _SECRET_OPTIONS
    ]
    text = without_secrets(text, secrets)
    if len(text) > _MAX_CRASH_TEXT:
        text = text[: _MAX_CRASH_TEXT - 3] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _crash_message(what: str, exc: Exception) -> checks.CheckMessage:
    try:
        text = _crash_text(exc)
    except Exception:  # the configuration itself cannot be read: show the type only
        text = type(exc).__name__
    return checks.Error(
        f"checking {what} failed unexpectedly: {text}",
        hint="fix what the message points at; if the configuration looks right, report this "
        "as a bug of django-minio-backend (or of the storage class named in the message)",
        obj="settings",
        id=f"{TAG}.E099",
    )


def _guarded(
    what: str, check: Callable[[], list[checks.CheckMessage]]
) -> list[checks.CheckMessage]:
    """The messages of ``check``; any exception it raises becomes a message instead."""
    try:
        return check()
    except ConfigurationError as exc:  # a mistake the check did not foresee
        return messages_for(exc.problems)
    except Exception as exc:
        return [_crash_message(what, exc)]


def _profile_problems() -> list[checks.CheckMessage]:
    """The profiles: every configuration problem, then the warnings of the valid profiles."""
    current = configuration()
    messages = messages_for((*current.problems, *current.warnings))
    for name, profile in current.profiles.items():
        messages.extend(messages_for(_profile_warnings(name, profile)))
        messages.extend(messages_for(_ssec_problems(name, profile)))
    return messages


_CHECKS: Final[tuple[tuple[str, Callable[[], list[checks.CheckMessage]]], ...]] = (
    ("the MinIO profiles", _profile_problems),
    ("the storages using MinIO profiles (STORAGES and model FileFields)", _storage_problems),
    ("the bucket policies of profiles sharing a server", _shared_bucket_problems),
)


@checks.register(TAG)
def check_minio_configuration(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every problem of the MinIO profiles and of the storages that use them; never raises."""
    return [message for what, check in _CHECKS for message in _guarded(what, check)]
