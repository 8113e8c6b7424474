"""The commands: initialize_buckets, is_minio_available, minio_profiles, and
clean_orphaned_minio_files."""
