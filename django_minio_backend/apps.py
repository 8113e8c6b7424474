"""The Django app: registers the system checks and runs the consistency check on start."""

from __future__ import annotations

from django.apps import AppConfig


class DjangoMinioBackendConfig(AppConfig):
    """``INSTALLED_APPS`` entry: ``"django_minio_backend"`` or this class's dotted path."""

    name = "django_minio_backend"
    verbose_name = "MinIO storage backend"

    def ready(self) -> None:
        """Register the checks; initialise the buckets of profiles with
        ``consistency_check_on_start`` (once per process).

        An invalid configuration is left to the system checks (no traceback here); an
        unreachable server raises ``BucketInitializationError`` naming profile and endpoint.
        """
        from django_minio_backend import checks  # noqa: F401  (registers the checks)
        from django_minio_backend.administration.bucket_setup import initialize_on_start

        initialize_on_start()
