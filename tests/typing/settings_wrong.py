"""Wrong settings: each marked line must be an error for mypy.

``warn_unused_ignores`` turns a missing error into a failure, so this file proves that mypy catches
each mistake. It is type-checked, never run.
"""

from __future__ import annotations

from datetime import timedelta

from django_minio_backend import MinioProfile, MinioProfileDict

credentials_as_list: MinioProfileDict = {
    "endpoint": "minio:9000",
    "credentials": ["env"],  # type: ignore[typeddict-item]
}

typo: MinioProfileDict = {
    "endpoint": "minio:9000",
    "access_key": "app",
    "secret_key": "s",
    "use_htps": False,  # type: ignore[typeddict-unknown-key]
}

https_as_string: MinioProfileDict = {
    "endpoint": "minio:9000",
    "access_key": "app",
    "secret_key": "s",
    "use_https": "false",  # type: ignore[typeddict-item]
}

expiry_as_string: MinioProfileDict = {
    "endpoint": "minio:9000",
    "access_key": "app",
    "secret_key": "s",
    "url_expiry": "2h",  # type: ignore[typeddict-item]
}

buckets_as_string: MinioProfileDict = {
    "endpoint": "minio:9000",
    "access_key": "app",
    "secret_key": "s",
    "private_buckets": "media",  # type: ignore[typeddict-item]
}

port_as_int = MinioProfile(endpoint=9000, access_key="a", secret_key="s")  # type: ignore[arg-type]

no_endpoint = MinioProfile(credentials="env")  # type: ignore[call-arg]

frozen = MinioProfile(endpoint="h", access_key="a", secret_key="s")
frozen.endpoint = "other"  # type: ignore[misc]

wrong_mapping: dict[str, MinioProfile | MinioProfileDict] = {
    "default": ["minio:9000"],  # type: ignore[dict-item]
}

expiry: timedelta = frozen.url_expiry
not_a_str: str = frozen.url_expiry  # type: ignore[assignment]

one_bucket = MinioProfile(
    endpoint="h",
    access_key="a",
    secret_key="s",
    public_buckets="media",  # type: ignore[arg-type]
)

# The dict form takes None for "follow endpoint"; a built profile's field is a str.
external_none = MinioProfile(
    endpoint="h",
    access_key="a",
    secret_key="s",
    external_endpoint=None,  # type: ignore[arg-type]
)
