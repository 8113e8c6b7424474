"""Management commands of django_minio_backend."""
