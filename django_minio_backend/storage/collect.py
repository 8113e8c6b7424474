"""One run of the ``collectstatic`` override: one listing, MD5 comparisons, parallel uploads.

The bucket is listed once, on the first question (after ``--clear`` has run). A file whose
local MD5 equals the stored object's ETag is unchanged and not uploaded; the others are uploaded
by a pool of threads sharing the profile's client.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Final

from django.core.files.storage import Storage

from django_minio_backend.storage.backend import MinioBackend
from django_minio_backend.storage.snapshot import BucketSnapshot, content_md5, stored_etags

__all__ = ["DEFAULT_UPLOAD_THREADS", "StaticCollection"]

DEFAULT_UPLOAD_THREADS: Final = 8


class StaticCollection:
    """Uploads of one collectstatic run into ``storage``; use as a context manager.

    Leaving the block waits for every upload and raises the first failure; on an error inside
    the block, uploads not yet started are cancelled.
    """

    def __init__(self, storage: MinioBackend, *, threads: int = DEFAULT_UPLOAD_THREADS) -> None:
        if threads < 1:
            raise ValueError(f"collectstatic needs at least one upload thread, got {threads}")
        self._storage = storage
        self._snapshot: BucketSnapshot | None = None
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="collectstatic")
        self._uploads: list[Future[str]] = []

    @property
    def snapshot(self) -> BucketSnapshot:
        """The bucket as listed at the first question, updated with this run's uploads."""
        if self._snapshot is None:
            etags = stored_etags(self._storage, "", recursive=True)
            self._snapshot = BucketSnapshot.of_everything(etags)
        return self._snapshot

    def local_md5(self, source: Storage, path: str) -> str:
        with source.open(path) as local:
            return content_md5(local)

    def is_stored(self, name: str, md5: str) -> bool:
        """True when the bucket holds these bytes under ``name`` (by the run's listing)."""
        return self.snapshot.holds(name, md5)

    def upload(self, name: str, source: Storage, path: str, md5: str) -> None:
        """Upload ``path`` of ``source`` as ``name`` in a pool thread."""
        replaced = self.snapshot.exists(name) and not self._storage.replace_existing
        self.snapshot.written(name, md5)
        self._uploads.append(self._pool.submit(self._copy, name, source, path, replaced))

    def _copy(self, name: str, source: Storage, path: str, replaced: bool) -> str:
        if replaced:  # a storage that keeps existing files would save under another name
            self._storage.delete(name)
        with source.open(path) as local:
            return self._storage.save(name, local)

    def wait(self) -> None:
        """Wait for the uploads submitted so far; raise the first failure."""
        uploads, self._uploads = self._uploads, []
        try:
            for upload in uploads:
                upload.result()
        except BaseException:
            for upload in uploads:
                upload.cancel()
            raise

    def __enter__(self) -> StaticCollection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc is None:
                self.wait()
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
