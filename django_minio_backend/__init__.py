"""Django storage backend for MinIO and S3-compatible stores, configured by named profiles."""

from .errors import ConfigurationError, PrivatePublicMixedError
from .profile import MinioProfile, MinioProfileDict
from .profile_files import load_profiles
from .profile_sources import get_profile, get_profiles
from .upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "ConfigurationError",
    "MinioProfile",
    "MinioProfileDict",
    "PrivatePublicMixedError",
    "get_iso_date",
    "get_profile",
    "get_profiles",
    "iso_date_prefix",
    "load_profiles",
]
