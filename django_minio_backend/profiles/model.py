"""``MinioProfile``: one MinIO (or S3-compatible) deployment, validated once.

A profile says where a cluster is, how to reach it and which buckets it holds. Construction
validates every field and raises one ``ConfigurationError`` listing every problem; secrets
never appear in ``repr`` or in any message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, Final, Required, TypedDict

import attrs
import urllib3

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.bucket_names import bucket_name_problem

__all__ = [
    "AUTO_MEDIA_BUCKET",
    "AUTO_STATIC_BUCKET",
    "MAX_URL_EXPIRY",
    "MinioProfile",
    "MinioProfileDict",
    "PolicyHook",
    "profile_problems",
]

AUTO_MEDIA_BUCKET: Final = "auto-generated-bucket-media-files"
AUTO_STATIC_BUCKET: Final = "auto-generated-bucket-static-files"
MAX_URL_EXPIRY: Final = timedelta(days=7)  # the longest validity SigV4 allows
MIN_PART_SIZE: Final = 5 * 1024 * 1024  # S3's smallest multipart part
MAX_PART_SIZE: Final = 5 * 1024 * 1024 * 1024
SECRET_FIELDS: Final = frozenset({"access_key", "secret_key"})

PolicyHook = tuple[str, dict[str, Any]]


class MinioProfileDict(TypedDict, total=False):
    """The dict form of a profile, as written in ``settings.MINIO_PROFILES``; mypy checks it."""

    endpoint: Required[str]
    access_key: Required[str]
    secret_key: Required[str]
    use_https: bool
    external_endpoint: str | None
    external_use_https: bool | None
    region: str
    url_expiry: timedelta | int
    private_buckets: list[str] | tuple[str, ...]
    public_buckets: list[str] | tuple[str, ...]
    default_bucket: str
    static_bucket: str
    policy_hooks: list[PolicyHook] | tuple[PolicyHook, ...]
    bucket_check_on_save: bool
    consistency_check_on_start: bool
    http_client: urllib3.PoolManager | None
    connect_timeout: float
    read_timeout: float
    max_retries: int
    ca_certs: str | None
    cert_check: bool
    multipart_threshold: int
    multipart_part_size: int


def _as_tuple(value: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    # A lone string is a classic mistake (`private_buckets="media"`): validation names it.
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        return value
    return tuple(value)


def _as_policy_hooks(value: list[PolicyHook] | tuple[PolicyHook, ...]) -> tuple[PolicyHook, ...]:
    if not isinstance(value, list | tuple):
        return value
    return tuple(tuple(hook) if isinstance(hook, list) else hook for hook in value)


def _as_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, int) and not isinstance(value, bool):
        return timedelta(seconds=value)
    return value  # type: ignore[return-value]


@attrs.frozen(kw_only=True)
class MinioProfile:
    """One MinIO deployment: endpoints, credentials, buckets and transfer settings.

    ``external_endpoint`` and ``external_use_https`` default to ``endpoint`` and ``use_https``;
    after construction they are never ``None``.
    """

    endpoint: str
    access_key: str = attrs.field(repr=False)
    secret_key: str = attrs.field(repr=False)
    use_https: bool = True
    external_endpoint: str | None = None
    external_use_https: bool | None = None
    region: str = "us-east-1"
    url_expiry: timedelta = attrs.field(default=MAX_URL_EXPIRY, converter=_as_timedelta)
    private_buckets: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)
    public_buckets: tuple[str, ...] = attrs.field(default=(), converter=_as_tuple)
    default_bucket: str = AUTO_MEDIA_BUCKET
    static_bucket: str = AUTO_STATIC_BUCKET
    policy_hooks: tuple[PolicyHook, ...] = attrs.field(default=(), converter=_as_policy_hooks)
    bucket_check_on_save: bool = False
    consistency_check_on_start: bool = False
    http_client: urllib3.PoolManager | None = attrs.field(default=None, eq=False)
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_retries: int = 3
    ca_certs: str | None = None
    cert_check: bool = True
    multipart_threshold: int = 16 * 1024 * 1024
    multipart_part_size: int = 16 * 1024 * 1024

    def __attrs_post_init__(self) -> None:
        values = attrs.asdict(self, recurse=False)
        problems = profile_problems(values)
        if problems:
            raise ConfigurationError.from_problems(problems)
        if self.external_endpoint is None:
            object.__setattr__(self, "external_endpoint", self.endpoint)
        if self.external_use_https is None:
            object.__setattr__(self, "external_use_https", self.use_https)

    @property
    def buckets(self) -> tuple[str, ...]:
        """Every bucket this profile declares, private first, without duplicates."""
        return tuple(dict.fromkeys((*self.private_buckets, *self.public_buckets)))

    def is_public(self, bucket: str) -> bool:
        """True when ``bucket`` is declared public; undeclared buckets are private."""
        return bucket in self.public_buckets

    @property
    def base_url(self) -> str:
        """``scheme://host[:port]`` of the endpoint Django talks to."""
        return f"{'https' if self.use_https else 'http'}://{self.endpoint}"

    @property
    def external_base_url(self) -> str:
        """``scheme://host[:port]`` of the endpoint handed to browsers."""
        scheme = "https" if self.external_use_https else "http"
        return f"{scheme}://{self.external_endpoint}"


# --- validation ----------------------------------------------------------------------------------

Rule = Callable[[Any], "str | None"]


def _describe(value: Any) -> str:
    return type(value).__name__


def _str_rule(*, allow_empty: bool = False) -> Rule:
    def check(value: Any) -> str | None:
        if not isinstance(value, str):
            return f"expected a string, got {_describe(value)}"
        if not allow_empty and not value.strip():
            return "must not be empty"
        return None

    return check


def _secret_rule(value: Any) -> str | None:
    # Describes the value's type only: a secret is never echoed, not even a wrong one.
    if not isinstance(value, str):
        return f"expected a string, got {_describe(value)}"
    if not value:
        return "must not be empty (is the environment variable holding it set?)"
    return None


def _bool_rule(*, optional: bool = False) -> Rule:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or (optional and value is None):
            return None
        return f"expected True or False, got {value!r}"

    return check


def _endpoint_problem(value: str) -> str | None:
    if "://" in value:
        return f"must be host or host:port without a scheme, got {value!r} (drop the scheme)"
    if "/" in value or "?" in value or "#" in value:
        return f"must be host or host:port without a path, got {value!r}"
    if any(ch.isspace() for ch in value):
        return f"must not contain whitespace, got {value!r}"
    host, sep, port = value.rpartition(":") if not value.endswith("]") else (value, "", "")
    if not sep:
        host = value
    elif not port.isdigit() or not 0 < int(port) < 65536:
        return f"port must be a number from 1 to 65535, got {value!r}"
    if not host:
        return f"host is missing in {value!r}"
    return None


def _endpoint_rule(*, optional: bool = False) -> Rule:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        return _str_rule()(value) or _endpoint_problem(value)

    return check


def _url_expiry_rule(value: Any) -> str | None:
    if not isinstance(value, timedelta):
        return f"expected a timedelta or a number of seconds, got {_describe(value)}"
    if not timedelta(seconds=1) <= value <= MAX_URL_EXPIRY:
        return f"must be between 1 second and 7 days, got {_human_duration(value)}"
    return None


def _human_duration(value: timedelta) -> str:
    if value.total_seconds() and value % timedelta(days=1) == timedelta(0):
        days = value.days
        return f"{days} day" + ("s" if abs(days) != 1 else "")
    return f"{value.total_seconds():g} seconds"


def _bucket_list_rule(value: Any) -> str | None:
    if isinstance(value, str):
        return f"expected a list of bucket names, got the string {value!r} (write [{value!r}])"
    if not isinstance(value, tuple):
        return f"expected a list of bucket names, got {_describe(value)}"
    problems = [bucket_name_problem(name) for name in value]
    found = [problem for problem in problems if problem]
    return "; ".join(found) or None


def _bucket_rule(value: Any) -> str | None:
    return _str_rule()(value) or bucket_name_problem(value)


def _policy_hooks_rule(value: Any) -> str | None:
    if not isinstance(value, tuple):
        return f"expected a list of (bucket, policy dict) pairs, got {_describe(value)}"
    for index, hook in enumerate(value):
        if not (isinstance(hook, tuple) and len(hook) == 2):
            return f"item {index}: expected a (bucket, policy dict) pair, got {_describe(hook)}"
        bucket, policy = hook
        if not isinstance(bucket, str):
            return f"item {index}: bucket must be a string, got {_describe(bucket)}"
        if not isinstance(policy, dict):
            return f"item {index}: policy must be a dict, got {_describe(policy)}"
    return None


def _http_client_rule(value: Any) -> str | None:
    if value is None or isinstance(value, urllib3.PoolManager):
        return None
    return f"expected a urllib3.PoolManager or None, got {_describe(value)}"


def _positive_seconds_rule(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"expected a number of seconds, got {_describe(value)}"
    if not (math.isfinite(value) and value > 0):
        return f"must be a positive number of seconds, got {value!r}"
    return None


def _int_rule(minimum: int, maximum: int | None = None, unit: str = "") -> Rule:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"expected an integer{unit}, got {_describe(value)}"
        if value < minimum or (maximum is not None and value > maximum):
            upper = f" and at most {maximum}" if maximum is not None else ""
            return f"must be at least {minimum}{upper}{unit}, got {value}"
        return None

    return check


def _ca_certs_rule(value: Any) -> str | None:
    if value is None:
        return None
    return _str_rule()(value)


FIELD_RULES: Final[Mapping[str, Rule]] = {
    "endpoint": _endpoint_rule(),
    "access_key": _secret_rule,
    "secret_key": _secret_rule,
    "use_https": _bool_rule(),
    "external_endpoint": _endpoint_rule(optional=True),
    "external_use_https": _bool_rule(optional=True),
    "region": _str_rule(),
    "url_expiry": _url_expiry_rule,
    "private_buckets": _bucket_list_rule,
    "public_buckets": _bucket_list_rule,
    "default_bucket": _bucket_rule,
    "static_bucket": _bucket_rule,
    "policy_hooks": _policy_hooks_rule,
    "bucket_check_on_save": _bool_rule(),
    "consistency_check_on_start": _bool_rule(),
    "http_client": _http_client_rule,
    "connect_timeout": _positive_seconds_rule,
    "read_timeout": _positive_seconds_rule,
    "max_retries": _int_rule(0, 100),
    "ca_certs": _ca_certs_rule,
    "cert_check": _bool_rule(),
    "multipart_threshold": _int_rule(1, unit=" bytes"),
    "multipart_part_size": _int_rule(MIN_PART_SIZE, MAX_PART_SIZE, " bytes"),
}

PROFILE_FIELDS: Final = tuple(field.name for field in attrs.fields(MinioProfile))
REQUIRED_FIELDS: Final = ("endpoint", "access_key", "secret_key")


def profile_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Every problem in ``values`` (field name -> structured value); absent fields are skipped.

    Cross-field rules run only when the fields they read are present and valid themselves.
    """
    problems: list[Problem] = []
    valid: dict[str, Any] = {}
    for name, value in values.items():
        message = FIELD_RULES[name](value)
        if message:
            problems.append(Problem(message, setting=name))
        else:
            valid[name] = value
    problems.extend(_bucket_problems(valid))
    return problems


def _bucket_problems(valid: Mapping[str, Any]) -> list[Problem]:
    problems: list[Problem] = []
    if "private_buckets" not in valid or "public_buckets" not in valid:
        return problems
    private, public = valid["private_buckets"], valid["public_buckets"]
    for bucket in dict.fromkeys(private):
        if bucket in public:
            problems.append(
                Problem(
                    f"bucket {bucket!r} is listed in both private_buckets and public_buckets",
                    setting="private_buckets/public_buckets",
                    hint="keep it in one list: public buckets are readable by anyone",
                    code="E004",
                )
            )
    declared = set(private) | set(public)
    for name, auto in (
        ("default_bucket", AUTO_MEDIA_BUCKET),
        ("static_bucket", AUTO_STATIC_BUCKET),
    ):
        bucket = valid.get(name, auto)
        if name in valid and bucket != auto and bucket not in declared:
            problems.append(
                Problem(
                    f"bucket {bucket!r} is not declared",
                    setting=name,
                    hint=f"add {bucket!r} to private_buckets or public_buckets",
                    code="E005",
                )
            )
    hook_targets = declared | {valid.get("default_bucket", AUTO_MEDIA_BUCKET)}
    hook_targets.add(valid.get("static_bucket", AUTO_STATIC_BUCKET))
    for bucket, _policy in valid.get("policy_hooks", ()):
        if bucket not in hook_targets:
            problems.append(
                Problem(
                    f"hook for bucket {bucket!r}, which this profile does not declare",
                    setting="policy_hooks",
                    hint="add the bucket to private_buckets or public_buckets, or fix its name",
                    code="E009",
                )
            )
    return problems
