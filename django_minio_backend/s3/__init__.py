"""Talking to the server: clients, SDK requests, uploads, reads, URL signing, buckets."""
