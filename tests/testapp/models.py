"""Models used by tests that need ``FileField``s on MinIO storages."""
