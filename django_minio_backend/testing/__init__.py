"""Tools for testing projects that use django-minio-backend (extra ``testing``)."""
