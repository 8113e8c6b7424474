"""Django storage backend for MinIO and S3-compatible stores, configured by named profiles."""

from .errors import ConfigurationError, PrivatePublicMixedError, ServerUnavailableError
from .health import MinioServerStatus
from .profile import MinioProfile, MinioProfileDict
from .profile_files import load_profiles
from .profile_sources import get_profile, get_profiles
from .static_storage import MinioManifestStaticStorage
from .storage import MinioBackend, MinioBackendStatic
from .upload_paths import get_iso_date, iso_date_prefix

__all__ = [
    "ConfigurationError",
    "MinioBackend",
    "MinioBackendStatic",
    "MinioManifestStaticStorage",
    "MinioProfile",
    "MinioProfileDict",
    "MinioServerStatus",
    "PrivatePublicMixedError",
    "ServerUnavailableError",
    "get_iso_date",
    "get_profile",
    "get_profiles",
    "iso_date_prefix",
    "load_profiles",
]
