"""Benchmarks: this package against the raw minio SDK and its peers (``make bench``)."""
