"""``MinioProfile``: one MinIO (or S3-compatible) deployment, validated once.

A profile says where a cluster is, how to reach it and which buckets it holds. Each field declares
everything about itself in one place, its ``field_spec(...)``: the rule its value must follow, the
system-check hint, the seed's flat setting and the upstream 4.x OPTIONS key it is read from,
whether it is a secret, and its README line. Every table about fields is derived from those specs.

Construction checks every field and raises one ``ConfigurationError`` listing every problem;
secrets never appear in ``repr`` or in any message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final, Required, TypedDict

import attrs
import urllib3
from minio.credentials.providers import Provider

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles import rules
from django_minio_backend.profiles.bucket_names import BUCKET_NAME_HINT
from django_minio_backend.profiles.credential_sources import (
    CREDENTIALS_HINT,
    CredentialsFile,
    as_credentials,
    credentials_problem,
    describe_credentials,
)
from django_minio_backend.profiles.encryption import (
    ENCRYPTION_HINT,
    Encryption,
    as_encryption,
    encryption_problem,
)
from django_minio_backend.profiles.rules import (
    MAX_PART_SIZE,
    MAX_RETRIES,
    MAX_SINGLE_PUT,
    MAX_URL_EXPIRY,
    MIN_PART_SIZE,
    MiB,
    Rule,
    human_size,
)

__all__ = [
    "AUTO_MEDIA_BUCKET",
    "AUTO_STATIC_BUCKET",
    "FIELD_HINTS",
    "FIELD_SPECS",
    "MAX_URL_EXPIRY",
    "PROFILE_FIELDS",
    "REQUIRED_FIELDS",
    "SECRET_FIELDS",
    "FieldSpec",
    "MinioProfile",
    "MinioProfileDict",
    "PolicyHook",
    "apply_field_specs",
    "field_spec",
    "profile_problems",
    "secret_values",
]

AUTO_MEDIA_BUCKET: Final = "auto-generated-bucket-media-files"
AUTO_STATIC_BUCKET: Final = "auto-generated-bucket-static-files"

PolicyHook = tuple[str, dict[str, Any]]

SPEC_KEY: Final = "django_minio_backend"  # the key of a FieldSpec in attrs field metadata


class MinioProfileDict(TypedDict, total=False):
    """The dict form of a profile, as written in ``settings.MINIO_PROFILES``; mypy checks it."""

    endpoint: Required[str]
    access_key: str | None
    secret_key: str | None
    session_token: str | None
    credentials: str | dict[str, str] | Provider | None
    use_https: bool
    external_endpoint: str | None
    external_use_https: bool | None
    region: str
    url_expiry: timedelta | int
    url_signing_window: timedelta | int | None
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
    encryption: str | dict[str, str] | dict[str, bytes] | None


# --- field specs ---------------------------------------------------------------------------------


@attrs.frozen
class FieldSpec:
    """What a profile field says about itself, besides its type, default and converter.

    ``seed`` is the seed's flat setting (``MINIO_ENDPOINT``); upstream 4.x reads the same name from
    ``STORAGES[alias]["OPTIONS"]``, or ``upstream`` where its name differs or the seed had none.
    ``follows`` names the field whose value this one takes when it is ``None`` or left out;
    ``seed_value`` reads the value of a flat setting or OPTIONS key into the dict form
    (``MINIO_URL_EXPIRY_HOURS`` counts hours); ``size`` marks a number of bytes.
    """

    rule: Rule
    hint: str
    doc: str
    seed: str | None = None
    upstream: str | None = None
    secret: bool = False
    follows: str | None = None
    seed_value: Callable[[Any], Any] | None = None
    size: bool = False

    @property
    def options_keys(self) -> tuple[str, ...]:
        """The upper-case keys that set this field in upstream-style ``OPTIONS``."""
        return tuple(key for key in (self.seed, self.upstream) if key is not None)


def field_spec(
    *,
    rule: Rule,
    hint: str,
    doc: str,
    seed: str | None = None,
    upstream: str | None = None,
    secret: bool = False,
    follows: str | None = None,
    seed_value: Callable[[Any], Any] | None = None,
    size: bool = False,
) -> dict[str, FieldSpec]:
    """The attrs ``metadata`` of a profile field: ``attrs.field(..., metadata=field_spec(...))``."""
    spec = FieldSpec(
        rule=rule,
        hint=hint,
        doc=doc,
        seed=seed,
        upstream=upstream,
        secret=secret,
        follows=follows,
        seed_value=seed_value,
        size=size,
    )
    return {SPEC_KEY: spec}


def _following(source: str, convert: Any) -> Callable[[Any, Any], Any]:
    def follow(value: Any, instance: Any) -> Any:
        if value is None:
            return getattr(instance, source)  # converted already: fields convert in order
        return value if convert is None else convert(value)

    return follow


def apply_field_specs(cls: type, fields: list[attrs.Attribute[Any]]) -> list[attrs.Attribute[Any]]:
    """The attrs ``field_transformer`` of profiles: every field must have a spec; secrets are
    hidden from ``repr``; a following field takes the followed value for ``None``."""
    result = []
    for field in fields:
        spec = field.metadata.get(SPEC_KEY)
        if not isinstance(spec, FieldSpec):
            raise TypeError(f"{cls.__name__}.{field.name} is declared without field_spec(...)")
        changes: dict[str, Any] = {}
        if spec.secret:
            changes["repr"] = False
        if spec.follows is not None:
            follow = _following(spec.follows, field.converter)
            changes["converter"] = attrs.Converter(follow, takes_self=True)
        result.append(field.evolve(**changes))
    return result


# --- converters: the dict form's conveniences; the rules name what stays wrong --------------------


def _lower_host(value: str) -> str:
    # Browsers send the host lower-cased: a URL signed for "Files.Example.com" would not match.
    return value.lower() if isinstance(value, str) else value


def _as_tuple(value: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    # A lone string is a classic mistake (`private_buckets="media"`): the rule names it.
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


def _as_optional_timedelta(value: timedelta | int | None) -> timedelta | None:
    return None if value is None else _as_timedelta(value)


def _upstream_cache_timeout(value: Any) -> Any:
    """``MINIO_URL_CACHE_TIMEOUT`` counts seconds (the cache time of upstream 4.x's URLs)."""
    return _as_optional_timedelta(value) if isinstance(value, int | timedelta) else value


def _hours(value: Any) -> Any:
    """``MINIO_URL_EXPIRY_HOURS`` counts hours, unlike the profile field which counts seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return timedelta(hours=value)
    return value


# --- the profile ---------------------------------------------------------------------------------

_BOOL_HINT: Final = "use True or False (a Python bool, not a string)"
_SECONDS_HINT: Final = "use a positive number of seconds, such as 10"
_KEY_HINT: Final = "set it to a non-empty string, read from an environment variable"
_ENDPOINT_HINT: Final = (
    "write host or host:port without scheme, path or user name, such as 'minio.internal:9000' "
    "(an IPv6 address in brackets: '[::1]:9000')"
)
_BUCKETS_HINT: Final = "use a list of bucket names; " + BUCKET_NAME_HINT
_DEFAULT_PART: Final = 16 * MiB


@attrs.frozen(kw_only=True, field_transformer=apply_field_specs)
class MinioProfile:
    """One MinIO deployment: endpoints, credentials, buckets and transfer settings.

    ``external_endpoint`` and ``external_use_https`` take the values of ``endpoint`` and
    ``use_https`` when they are left out (or ``None`` in the dict form).
    """

    endpoint: str = attrs.field(
        converter=_lower_host,
        metadata=field_spec(
            rule=rules.endpoint,
            hint=_ENDPOINT_HINT,
            seed="MINIO_ENDPOINT",
            doc="Where Django reaches the server: `host` or `host:port` (`[::1]:9000` for IPv6), "
            "no scheme, path or user name. The host is lower-cased.",
        ),
    )
    access_key: str | None = attrs.field(
        default=None,
        metadata=field_spec(
            rule=rules.optional_secret,
            hint=_KEY_HINT,
            seed="MINIO_ACCESS_KEY",
            secret=True,
            doc="The access key; required unless `credentials` is set. Never shown in `repr`, "
            "logs, errors or command output.",
        ),
    )
    secret_key: str | None = attrs.field(
        default=None,
        metadata=field_spec(
            rule=rules.optional_secret,
            hint=_KEY_HINT,
            seed="MINIO_SECRET_KEY",
            secret=True,
            doc="The secret key, treated like `access_key`. Read it from the environment.",
        ),
    )
    session_token: str | None = attrs.field(
        default=None,
        metadata=field_spec(
            rule=rules.optional_secret,
            hint=_KEY_HINT + ", or leave it out",
            secret=True,
            doc="The session token of temporary keys (STS), sent with `access_key` and "
            "`secret_key`; treated like them.",
        ),
    )
    credentials: str | CredentialsFile | Provider | None = attrs.field(
        default=None,
        converter=as_credentials,
        repr=describe_credentials,
        metadata=field_spec(
            rule=credentials_problem,
            hint=CREDENTIALS_HINT,
            doc="Where the keys come from instead of `access_key`/`secret_key`: `'env'` "
            "(`MINIO_ACCESS_KEY`/`MINIO_SECRET_KEY`, else `AWS_ACCESS_KEY_ID`/"
            "`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`), `{'file': path, 'profile': name}` "
            "(an AWS credentials file, re-read when it changes) or a "
            "`minio.credentials.Provider` (IAM, STS...). Rotated keys are used at once.",
        ),
    )
    use_https: bool = attrs.field(
        default=True,
        metadata=field_spec(
            rule=rules.boolean,
            hint=_BOOL_HINT,
            seed="MINIO_USE_HTTPS",
            doc="Talk to `endpoint` over HTTPS.",
        ),
    )
    external_endpoint: str = attrs.field(
        default=None,
        converter=_lower_host,
        metadata=field_spec(
            rule=rules.endpoint,
            hint=_ENDPOINT_HINT + ", or leave it out",
            seed="MINIO_EXTERNAL_ENDPOINT",
            follows="endpoint",
            doc="The `host[:port]` put in URLs handed to browsers, for example a public name "
            "behind a proxy. Presigned URLs are signed for it. Same rule as `endpoint`; "
            "left out or `None`: `endpoint`.",
        ),
    )
    external_use_https: bool = attrs.field(
        default=None,
        metadata=field_spec(
            rule=rules.boolean,
            hint=_BOOL_HINT + ", or None to follow use_https",
            seed="MINIO_EXTERNAL_ENDPOINT_USE_HTTPS",
            follows="use_https",
            doc="Whether browser URLs use `https`; left out or `None`: `use_https`.",
        ),
    )
    region: str = attrs.field(
        default="us-east-1",
        metadata=field_spec(
            rule=rules.region,
            hint="set the server's region: letters, digits and hyphens, such as 'us-east-1'",
            seed="MINIO_REGION",
            doc="The server's region (letters, digits and hyphens). Known in advance, so signing "
            "a URL needs no request.",
        ),
    )
    url_expiry: timedelta = attrs.field(
        default=MAX_URL_EXPIRY,
        converter=_as_timedelta,
        metadata=field_spec(
            rule=rules.url_expiry,
            hint="use a timedelta from 1 second to 7 days (an int counts seconds; "
            "MINIO_URL_EXPIRY_HOURS counts hours)",
            seed="MINIO_URL_EXPIRY_HOURS",
            seed_value=_hours,
            doc="How long a presigned URL of a private bucket stays valid: 1 second to 7 days. "
            "A dict or TOML may give an int number of seconds.",
        ),
    )
    url_signing_window: timedelta | None = attrs.field(
        default=None,
        converter=_as_optional_timedelta,
        metadata=field_spec(
            rule=rules.url_signing_window,
            hint="use a timedelta shorter than url_expiry, such as timedelta(hours=1) (an int "
            "counts seconds), or None to sign every URL at the current second",
            upstream="MINIO_URL_CACHE_TIMEOUT",
            seed_value=_upstream_cache_timeout,
            doc="Cacheable presigned URLs: each is signed at the start of the current window "
            "(windows start at multiples of it since the Unix epoch, UTC), so `url()` returns "
            "the same string for the whole window and browsers and CDNs can cache the object. "
            "A URL stays valid for at least `url_expiry - window`; must be shorter than "
            "`url_expiry`. `None` (default): off. Upstream 4.x's `MINIO_URL_CACHING_ENABLED` "
            "with `MINIO_URL_CACHE_TIMEOUT` set it.",
        ),
    )
    private_buckets: tuple[str, ...] = attrs.field(
        default=(),
        converter=_as_tuple,
        metadata=field_spec(
            rule=rules.bucket_list,
            hint=_BUCKETS_HINT,
            seed="MINIO_PRIVATE_BUCKETS",
            doc="Buckets without anonymous access: their URLs are presigned. A list is accepted.",
        ),
    )
    public_buckets: tuple[str, ...] = attrs.field(
        default=(),
        converter=_as_tuple,
        metadata=field_spec(
            rule=rules.bucket_list,
            hint=_BUCKETS_HINT,
            seed="MINIO_PUBLIC_BUCKETS",
            doc="Buckets anyone can read (`s3:GetObject` only): their URLs are plain. A bucket "
            "may not be in both lists.",
        ),
    )
    default_bucket: str = attrs.field(
        default=AUTO_MEDIA_BUCKET,
        metadata=field_spec(
            rule=rules.bucket,
            hint=BUCKET_NAME_HINT,
            seed="MINIO_MEDIA_FILES_BUCKET",
            upstream="MINIO_DEFAULT_BUCKET",
            doc="The bucket of `MinioBackend` when no `bucket_name` is given. Must be listed, "
            "unless it is the auto-generated name (then private).",
        ),
    )
    static_bucket: str = attrs.field(
        default=AUTO_STATIC_BUCKET,
        metadata=field_spec(
            rule=rules.bucket,
            hint=BUCKET_NAME_HINT,
            seed="MINIO_STATIC_FILES_BUCKET",
            doc="The bucket of `MinioBackendStatic` and `MinioManifestStaticStorage`. Same rule.",
        ),
    )
    policy_hooks: tuple[PolicyHook, ...] = attrs.field(
        default=(),
        converter=_as_policy_hooks,
        metadata=field_spec(
            rule=rules.policy_hooks,
            hint="use a list of (bucket name, policy dict) pairs",
            seed="MINIO_POLICY_HOOKS",
            doc="`(bucket, policy dict)` pairs that `initialize_buckets` applies; a hook replaces "
            "that bucket's policy. The bucket must be one of the profile's.",
        ),
    )
    bucket_check_on_save: bool = attrs.field(
        default=False,
        metadata=field_spec(
            rule=rules.boolean,
            hint=_BOOL_HINT,
            seed="MINIO_BUCKET_CHECK_ON_SAVE",
            doc="Create the bucket, if missing, before the first save into it (once per process).",
        ),
    )
    consistency_check_on_start: bool = attrs.field(
        default=False,
        metadata=field_spec(
            rule=rules.boolean,
            hint=_BOOL_HINT,
            seed="MINIO_CONSISTENCY_CHECK_ON_START",
            doc="Run `initialize_buckets` for this profile when Django starts (once per process).",
        ),
    )
    http_client: urllib3.PoolManager | None = attrs.field(
        default=None,
        eq=False,
        metadata=field_spec(
            rule=rules.pool_manager,
            hint="pass a urllib3.PoolManager, or leave it out to get one built from "
            "connect_timeout, read_timeout and max_retries",
            seed="MINIO_HTTP_CLIENT",
            doc="A connection pool used as it is. Without one, a pool is built from the timeouts "
            "and retries below.",
        ),
    )
    connect_timeout: float = attrs.field(
        default=10.0,
        metadata=field_spec(
            rule=rules.positive_seconds,
            hint=_SECONDS_HINT,
            doc="Seconds to wait for a connection (when no `http_client` is given).",
        ),
    )
    read_timeout: float = attrs.field(
        default=60.0,
        metadata=field_spec(
            rule=rules.positive_seconds,
            hint=_SECONDS_HINT,
            doc="Seconds to wait for data; no request can hang forever.",
        ),
    )
    max_retries: int = attrs.field(
        default=3,
        metadata=field_spec(
            rule=rules.integer(0, MAX_RETRIES),
            hint=f"use an integer from 0 to {MAX_RETRIES}",
            doc="Retries of a request that failed: a refused connection for any request, other "
            "failures for idempotent ones (GET, HEAD, DELETE) only.",
        ),
    )
    ca_certs: str | None = attrs.field(
        default=None,
        metadata=field_spec(
            rule=rules.optional_path,
            hint="give the path of a CA bundle file, or None for certifi's bundle",
            doc="Path of a CA bundle for HTTPS; `None` uses certifi's.",
        ),
    )
    cert_check: bool = attrs.field(
        default=True,
        metadata=field_spec(
            rule=rules.boolean,
            hint=_BOOL_HINT,
            doc="Verify TLS certificates. `False` only when set explicitly; the system checks "
            "warn about it.",
        ),
    )
    multipart_threshold: int = attrs.field(
        default=_DEFAULT_PART,
        metadata=field_spec(
            rule=rules.byte_size(1, MAX_SINGLE_PUT),
            hint=f"use a number of bytes from 1 to {human_size(MAX_SINGLE_PUT)}: S3 takes at most "
            f"{human_size(MAX_SINGLE_PUT)} in one PUT",
            upstream="MINIO_MULTIPART_THRESHOLD",
            size=True,
            doc="Uploads larger than this many bytes are sent in parts; at most "
            f"{human_size(MAX_SINGLE_PUT)}, the most S3 takes in one PUT.",
        ),
    )
    multipart_part_size: int = attrs.field(
        default=_DEFAULT_PART,
        metadata=field_spec(
            rule=rules.byte_size(MIN_PART_SIZE, MAX_PART_SIZE),
            hint=f"use a number of bytes from {human_size(MIN_PART_SIZE)} to "
            f"{human_size(MAX_PART_SIZE)}",
            upstream="MINIO_MULTIPART_PART_SIZE",
            size=True,
            doc=f"The size of each part: {human_size(MIN_PART_SIZE)} to "
            f"{human_size(MAX_PART_SIZE)}.",
        ),
    )

    encryption: Encryption | None = attrs.field(
        default=None,
        converter=as_encryption,
        metadata=field_spec(
            rule=encryption_problem,
            hint=ENCRYPTION_HINT,
            doc="Server-side encryption of every object written: `'SSE-S3'`, "
            "`{'kms_key_id': id}` or SSE-C `{'customer_key': 32 bytes or 'env:NAME'}` (then "
            "also sent with every read). A storage's `encryption` option overrides it.",
        ),
    )

    def __attrs_post_init__(self) -> None:
        problems = profile_problems(attrs.asdict(self, recurse=False))
        if problems:
            raise ConfigurationError.from_problems(problems)

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


# --- the tables derived from the specs -----------------------------------------------------------

FIELD_SPECS: Final[Mapping[str, FieldSpec]] = MappingProxyType(
    {field.name: field.metadata[SPEC_KEY] for field in attrs.fields(MinioProfile)}
)
PROFILE_FIELDS: Final = tuple(FIELD_SPECS)
REQUIRED_FIELDS: Final = tuple(
    field.name for field in attrs.fields(MinioProfile) if field.default is attrs.NOTHING
)
SECRET_FIELDS: Final = frozenset(name for name, spec in FIELD_SPECS.items() if spec.secret)


def secret_values(profile: MinioProfile) -> tuple[str, ...]:
    """The values of ``profile``'s secret fields that are set (for scrubbing messages)."""
    return tuple(
        value for field in SECRET_FIELDS if isinstance(value := getattr(profile, field), str)
    )


FIELD_HINTS: Final[Mapping[str, str]] = MappingProxyType(
    {name: spec.hint for name, spec in FIELD_SPECS.items()}
)


# --- validation ----------------------------------------------------------------------------------


def profile_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Every problem in ``values`` (field name -> converted value); absent fields are skipped.

    Each field's rule runs once. A following field that is ``None``, or holds the very value of
    the field it follows, has nothing of its own to check. Cross-field rules read only fields
    that are valid themselves.
    """
    problems: list[Problem] = []
    valid: dict[str, Any] = {}
    for name, value in values.items():
        spec = FIELD_SPECS[name]
        if spec.follows is not None and (value is None or value is values.get(spec.follows)):
            continue
        message = spec.rule(value)
        if message:
            problems.append(Problem(message, setting=name))
        else:
            valid[name] = value
    problems.extend(_credential_problems(values))
    problems.extend(_bucket_problems(valid))
    problems.extend(_window_problems(valid))
    return problems


def _window_problems(valid: Mapping[str, Any]) -> list[Problem]:
    window = valid.get("url_signing_window")
    expiry = valid.get("url_expiry")
    if window is None or expiry is None:
        return []
    if window >= expiry:
        return [
            Problem(
                f"must be shorter than url_expiry ({rules.human_duration(expiry)}), got "
                f"{rules.human_duration(window)}: a URL signed at the start of a window would "
                "expire before the window ends",
                setting="url_signing_window",
                hint=FIELD_SPECS["url_signing_window"].hint,
            )
        ]
    return []


_KEY_FIELDS: Final = ("access_key", "secret_key", "session_token")


def _credential_problems(values: Mapping[str, Any]) -> list[Problem]:
    """Keys in the profile, or ``credentials``: one of the two, and both keys when written."""
    # A field absent from ``values`` was not read (its value was wrong): nothing to say about it.
    given = [name for name in _KEY_FIELDS if values.get(name) is not None]
    if "credentials" not in values:
        return []
    if values["credentials"] is not None:
        if not given:
            return []
        return [
            Problem(
                f"{' and '.join(given)} given together with credentials",
                setting="credentials",
                hint="remove credentials to use the keys written in the profile, or remove "
                f"{', '.join(given)} to use credentials",
            )
        ]
    return [
        Problem(
            "is required but missing",
            setting=name,
            hint="set access_key and secret_key (from the environment), or credentials='env'",
            code="E003",
        )
        for name in ("access_key", "secret_key")
        if name in values and values[name] is None
    ]


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
