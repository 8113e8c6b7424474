"""Where profiles come from: ``MINIO_PROFILES``, the seed's flat settings, or upstream OPTIONS.

This is the only module that reads ``django.conf.settings``. The result is parsed once, cached, and
dropped when Django's ``setting_changed`` signal fires (so ``override_settings`` works).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Final

import attrs
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_minio_backend.errors import ConfigurationError, Problem
from django_minio_backend.profiles.model import FIELD_SPECS, MAX_URL_EXPIRY, MinioProfile
from django_minio_backend.profiles.parsing import try_parse_profile

__all__ = [
    "FLAT_SETTINGS",
    "OPTIONS_SETTINGS",
    "ConfiguredStorage",
    "ProfileConfiguration",
    "configured_storages",
    "get_profile",
    "get_profiles",
    "get_setting",
    "get_storages_setting",
    "load_configuration",
    "profile_name_for_alias",
    "profile_name_for_options",
]

# Both maps come from the field specs (model.py). The seed's flat settings form the profile
# "default"; upstream 4.x's OPTIONS take the same names plus a few of its own.
FLAT_SETTINGS: Final[Mapping[str, str]] = MappingProxyType(
    {spec.seed: name for name, spec in FIELD_SPECS.items() if spec.seed is not None}
)
OPTIONS_SETTINGS: Final[Mapping[str, str]] = MappingProxyType(
    {key: name for name, spec in FIELD_SPECS.items() for key in spec.options_keys}
)
# We always stream; URLs are made cacheable by signing them per window, not kept in a cache.
IGNORED_OPTIONS: Final = frozenset({"MINIO_MULTIPART_UPLOAD", "MINIO_URL_CACHE_PREFIX"})
# Upstream 4.x caches URLs when this is True, for MINIO_URL_CACHE_TIMEOUT seconds (default 80 %
# of the expiry); we sign them per window of that length (the url_signing_window field).
URL_CACHING_OPTION: Final = "MINIO_URL_CACHING_ENABLED"
URL_CACHE_TIMEOUT_OPTION: Final = "MINIO_URL_CACHE_TIMEOUT"
UPSTREAM_CACHE_SHARE: Final = 0.8
BUCKET_LISTS: Final = ("private_buckets", "public_buckets")
UPSTREAM_DEFAULT_BUCKET: Final = "MINIO_DEFAULT_BUCKET"

# The name a problem of a field is shown under when the field was not given (a missing endpoint).
_FLAT_KEY_OF: Final = {name: key for key, name in FLAT_SETTINGS.items()}
_OPTIONS_KEY_OF: Final = {
    name: spec.upstream or spec.seed for name, spec in FIELD_SPECS.items() if spec.options_keys
}

SOURCE_PROFILES: Final = "MINIO_PROFILES"
SOURCE_FLAT: Final = "flat MINIO_* settings"


@attrs.frozen
class ProfileConfiguration:
    """Everything the settings say about profiles, parsed once.

    ``problems`` is empty when the configuration is valid; ``options_aliases`` maps a STORAGES alias
    whose OPTIONS hold upstream-style ``MINIO_*`` keys to the profile built from them.
    ``warnings`` are reported by the system checks and never raised.
    """

    profiles: Mapping[str, MinioProfile]
    sources: Mapping[str, str]
    problems: tuple[Problem, ...]
    options_aliases: Mapping[str, str]
    warnings: tuple[Problem, ...] = ()

    def raise_for_problems(self) -> None:
        """Raise one ``ConfigurationError`` listing every problem, if there is any."""
        if self.problems:
            raise ConfigurationError.from_problems(self.problems)


def _from_upper_case(
    name: str,
    values: Mapping[str, Any],
    mapping: Mapping[str, str],
    key_of: Mapping[str, str | None],
    where: str | None,
    warnings: list[Problem] | None = None,
) -> tuple[MinioProfile | None, list[Problem]]:
    """Parse a profile written with upper-case setting names, naming those settings in problems.

    ``where`` is the STORAGES OPTIONS the keys sit in, or ``None`` for top-level settings; there,
    undeclared default and static buckets take upstream 4.x's meaning (``warnings`` gets told).
    """

    def label(key: str) -> str:
        return key if where is None else f"{where}[{key!r}]"

    data: dict[str, Any] = {}
    problems: list[Problem] = []
    if where is not None:
        values, caching_problems = _url_caching(values, label)
        problems.extend(caching_problems)
    for key, value in values.items():
        if key in IGNORED_OPTIONS:
            continue
        if key not in mapping:
            problems.append(
                Problem(
                    f"unknown setting {label(key)}", hint="remove it or fix its name", code="E002"
                )
            )
            continue
        if value is None:  # the seed documents None as "use the default"
            continue
        field = mapping[key]
        read = FIELD_SPECS[field].seed_value
        data[field] = value if read is None else read(value)
    if where is not None:
        found = _upstream_implicit_buckets(data, label)
        if warnings is not None:
            warnings.extend(warning.for_profile(name) for warning in found)
    profile, field_problems = try_parse_profile(name, data)
    field_to_key = {field: key for key, field in mapping.items() if key in values}
    for problem in field_problems:
        setting = problem.setting
        if setting is not None:
            setting = label(field_to_key.get(setting) or key_of.get(setting) or setting)
        problems.append(attrs.evolve(problem, setting=setting))
    if problems:
        return None, [problem.for_profile(name) for problem in problems]
    return profile, []


def _url_caching(
    values: Mapping[str, Any], label: Callable[[str], str]
) -> tuple[dict[str, Any], list[Problem]]:
    """Upstream 4.x's URL cache as a signing window: ``MINIO_URL_CACHE_TIMEOUT`` counts only
    when ``MINIO_URL_CACHING_ENABLED`` is True, and defaults to 80 % of the URL expiry."""
    values = dict(values)
    enabled = values.pop(URL_CACHING_OPTION, False)
    if enabled is None:
        enabled = False
    if not isinstance(enabled, bool):
        problem = Problem(
            f"expected True or False, got {type(enabled).__name__}",
            setting=label(URL_CACHING_OPTION),
            hint="use True or False (a Python bool, not a string)",
        )
        return values, [problem]
    if not enabled:
        values.pop(URL_CACHE_TIMEOUT_OPTION, None)
    elif values.get(URL_CACHE_TIMEOUT_OPTION) is None:
        expiry = FIELD_SPECS["url_expiry"].seed_value
        hours = values.get(FIELD_SPECS["url_expiry"].seed or "")
        expires = MAX_URL_EXPIRY if hours is None or expiry is None else expiry(hours)
        if isinstance(expires, timedelta):
            values[URL_CACHE_TIMEOUT_OPTION] = int(expires.total_seconds() * UPSTREAM_CACHE_SHARE)
    return values, []


def _declares(data: Mapping[str, Any], field: str, bucket: object) -> bool | None:
    """Whether ``data``'s bucket list ``field`` holds ``bucket``; None when it is no list."""
    listed = data.get(field, ())
    if not isinstance(listed, list | tuple):
        return None
    return bucket in listed


def _upstream_implicit_buckets(data: dict[str, Any], label: Callable[[str], str]) -> list[Problem]:
    """Upstream 4.x's meaning of buckets its OPTIONS name but list nowhere: a
    ``MINIO_DEFAULT_BUCKET`` is private (with a warning), a ``MINIO_STATIC_FILES_BUCKET`` public."""
    warnings: list[Problem] = []
    for field, into in (("default_bucket", "private_buckets"), ("static_bucket", "public_buckets")):
        bucket = data.get(field)
        if not isinstance(bucket, str):
            continue
        private, public = (_declares(data, kind, bucket) for kind in BUCKET_LISTS)
        if private is None or public is None or private or public:
            continue
        data[into] = [*data.get(into, ()), bucket]
        if field == "default_bucket":
            warnings.append(
                Problem(
                    f"bucket {bucket!r} is in neither MINIO_PRIVATE_BUCKETS nor "
                    "MINIO_PUBLIC_BUCKETS: it is treated as private (as upstream 4.x does)",
                    setting=label(UPSTREAM_DEFAULT_BUCKET),
                    hint=f"add {bucket!r} to MINIO_PRIVATE_BUCKETS or MINIO_PUBLIC_BUCKETS",
                    code="W006",
                )
            )
    return warnings


def _is_upstream_options(options: Mapping[str, Any]) -> bool:
    return any(isinstance(key, str) and key.startswith("MINIO_") for key in options)


def load_configuration() -> ProfileConfiguration:
    """Read every profile source from Django settings. Never raises for a configuration mistake."""
    profiles: dict[str, MinioProfile] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    warnings: list[Problem] = []
    options_aliases: dict[str, str] = {}

    def add(name: str, source: str, parsed: tuple[MinioProfile | None, list[Problem]]) -> None:
        if name in sources:
            problems.append(
                Problem(
                    f"is defined twice: by {sources[name]} and by {source}",
                    profile=name,
                    hint="define each profile in one place",
                    code="E006",
                )
            )
            return
        sources[name] = source
        profile, found = parsed
        problems.extend(found)
        if profile is not None:
            profiles[name] = profile

    flat_present = [key for key in FLAT_SETTINGS if hasattr(settings, key)]
    declared = getattr(settings, "MINIO_PROFILES", None)
    if declared is not None:
        if flat_present:
            problems.append(
                Problem(
                    f"MINIO_PROFILES and {', '.join(flat_present)} are both set",
                    setting="MINIO_PROFILES",
                    hint="use one source: move the flat MINIO_* settings into "
                    "MINIO_PROFILES['default'], or remove MINIO_PROFILES",
                    code="E006",
                )
            )
        if not isinstance(declared, Mapping):
            problems.append(
                Problem(
                    f"expected a dict of profile name -> profile, got {type(declared).__name__}",
                    setting="MINIO_PROFILES",
                )
            )
            declared = {}
        for name, data in declared.items():
            add(str(name), SOURCE_PROFILES, try_parse_profile(str(name), data))
    elif flat_present:
        values = {key: getattr(settings, key) for key in flat_present}
        add(
            "default",
            SOURCE_FLAT,
            _from_upper_case("default", values, FLAT_SETTINGS, _FLAT_KEY_OF, None),
        )

    for alias, config in (getattr(settings, "STORAGES", None) or {}).items():
        options = config.get("OPTIONS") or {} if isinstance(config, Mapping) else {}
        if not (isinstance(options, Mapping) and _is_upstream_options(options)):
            continue
        where = f"STORAGES[{alias!r}]['OPTIONS']"
        upper = {key: value for key, value in options.items() if key.startswith("MINIO_")}
        parsed = _from_upper_case(alias, upper, OPTIONS_SETTINGS, _OPTIONS_KEY_OF, where, warnings)
        add(alias, where, parsed)
        options_aliases[alias] = alias

    return ProfileConfiguration(
        profiles=MappingProxyType(profiles),
        sources=MappingProxyType(sources),
        problems=tuple(problems),
        options_aliases=MappingProxyType(options_aliases),
        warnings=tuple(warnings),
    )


_lock = threading.Lock()
_cached: ProfileConfiguration | None = None


def configuration() -> ProfileConfiguration:
    """The cached configuration (parsed on first use, dropped when settings change)."""
    global _cached
    current = _cached
    if current is None:
        with _lock:
            if _cached is None:
                _cached = load_configuration()
            current = _cached
    return current


def get_profiles() -> Mapping[str, MinioProfile]:
    """Every configured profile by name; raises ``ConfigurationError`` if any profile is invalid."""
    current = configuration()
    current.raise_for_problems()
    return current.profiles


def get_profile(name: str) -> MinioProfile:
    """The profile called ``name``; unknown names raise ``ConfigurationError``."""
    profiles = get_profiles()
    try:
        return profiles[name]
    except KeyError:
        known = ", ".join(repr(known) for known in profiles) or "none are configured"
        raise ConfigurationError(
            Problem(
                f"unknown profile {name!r}; known profiles: {known}",
                hint="define it in MINIO_PROFILES",
                code="E007",
            )
        ) from None


def profile_name_for_options(options: Mapping[str, Any]) -> str | None:
    """The STORAGES alias whose OPTIONS equal ``options`` (Django hides the alias)."""
    upper = {key: value for key, value in options.items() if key.startswith("MINIO_")}
    storages = getattr(settings, "STORAGES", None) or {}
    for alias in configuration().options_aliases:
        alias_options = storages.get(alias, {}).get("OPTIONS") or {}
        if {k: v for k, v in alias_options.items() if k.startswith("MINIO_")} == upper:
            return alias
    return None


def profile_name_for_alias(alias: str) -> str:
    """The profile the ``STORAGES`` entry ``alias`` uses (upstream 4.x's ``storage_name=``): its
    own (``MINIO_*`` OPTIONS), the one its ``profile`` option names, else ``"default"``."""
    current = configuration()
    if alias in current.options_aliases:
        return current.options_aliases[alias]
    storages = getattr(settings, "STORAGES", None) or {}
    entry = storages.get(alias)
    if not isinstance(entry, Mapping):
        known = ", ".join(repr(name) for name in storages) or "none"
        raise ConfigurationError(
            Problem(
                f"storage_name {alias!r} is no STORAGES alias; aliases: {known}",
                setting="storage_name",
                hint="pass the alias of a settings.STORAGES entry, or use profile=NAME",
                code="E007",
            )
        )
    options = entry.get("OPTIONS") or {}
    profile = options.get("profile", "default") if isinstance(options, Mapping) else "default"
    return str(profile)


def get_setting(name: str, default: Any = None) -> Any:
    """The Django setting ``name``, else ``default`` (3.x/4.x ``utils.get_setting``)."""
    return getattr(settings, name, default)


def get_storages_setting(name: str, storage: str = "default", default: Any = None) -> Any:
    """``STORAGES[storage]["OPTIONS"][name]``, else ``default`` (4.x ``utils``)."""
    storages: Mapping[str, Any] = settings.STORAGES
    options: Mapping[str, Any] = storages[storage].get("OPTIONS") or {}
    return options.get(name, default)


def _is_profile_setting(name: str) -> bool:
    return name.startswith("MINIO_") or name == "STORAGES"


@receiver(setting_changed)
def _drop_cache(*, setting: str, **_kwargs: Any) -> None:
    global _cached
    if _is_profile_setting(setting):
        with _lock:
            _cached = None


@attrs.frozen
class ConfiguredStorage:
    """One ``settings.STORAGES`` entry, as Django will build it."""

    alias: str
    backend: str
    options: Mapping[str, Any]


def configured_storages() -> tuple[ConfiguredStorage, ...]:
    """Every ``settings.STORAGES`` entry (for system checks and the commands)."""
    storages = getattr(settings, "STORAGES", None) or {}
    return tuple(
        ConfiguredStorage(
            alias=str(alias),
            backend=str(config.get("BACKEND", "")),
            options=MappingProxyType(dict(config.get("OPTIONS") or {})),
        )
        for alias, config in storages.items()
        if isinstance(config, Mapping)
    )
