"""``manage.py collectstatic`` for a ``MinioBackend`` static storage: one listing, parallel uploads.

Active only when ``django_minio_backend`` is listed before ``django.contrib.staticfiles`` in
``INSTALLED_APPS``. With any other static storage, or with ``--link``, it is Django's command.
A file is skipped when the stored object's ETag is the MD5 of the local file (not by modification
times); the others are uploaded by ``--upload-threads`` threads; post-processing starts once
every upload has finished.
"""

from __future__ import annotations

from typing import Any

from django.contrib.staticfiles.management.commands import collectstatic
from django.core.files.storage import Storage
from django.core.management.base import CommandParser

from django_minio_backend.storage.backend import MinioBackend
from django_minio_backend.storage.collect import DEFAULT_UPLOAD_THREADS, StaticCollection
from django_minio_backend.storage.static import MinioManifestStaticStorage


class Command(collectstatic.Command):
    help = (
        "Collect static files into the static bucket: unchanged files (same MD5 as the "
        "stored ETag) are skipped, the others uploaded in parallel."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._collection: StaticCollection | None = None
        self._found: dict[str, tuple[Storage, str]] = {}

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--upload-threads",
            type=int,
            default=DEFAULT_UPLOAD_THREADS,
            metavar="N",
            help=f"upload N files at a time (default {DEFAULT_UPLOAD_THREADS})",
        )

    def set_options(self, **options: Any) -> None:
        super().set_options(**options)
        self.upload_threads: int = options.get("upload_threads", DEFAULT_UPLOAD_THREADS)

    def collect(self) -> dict[str, list[str]]:
        # isinstance sees through the lazy staticfiles_storage to the configured storage.
        if not isinstance(self.storage, MinioBackend) or self.symlink:
            return super().collect()
        storage = self.storage
        post_process, self.post_process = self.post_process, False
        try:
            with StaticCollection(storage, threads=self.upload_threads) as collection:
                self._collection = collection
                collected = super().collect()
                collection.wait()
                if post_process and hasattr(storage, "post_process"):
                    self._post_process(storage, collection)
        finally:
            self._collection = None
            self.post_process = post_process
        return collected

    def copy_file(self, path: str, prefixed_path: str, source_storage: Storage) -> None:
        collection = self._collection
        if collection is None:
            super().copy_file(path, prefixed_path, source_storage)
            return
        if prefixed_path in self.copied_files:
            self.log(f"Skipping '{path}' (already copied earlier)")
            return
        self._found[prefixed_path] = (source_storage, path)
        md5 = collection.local_md5(source_storage, path)
        if collection.is_stored(prefixed_path, md5):
            if prefixed_path not in self.unmodified_files:
                self.unmodified_files.append(prefixed_path)
            self.log(f"Skipping '{path}' (not modified)")
            return
        source_path = source_storage.path(path)
        if self.dry_run:
            self.log(f"Pretending to copy '{source_path}'", level=1)
        else:
            self.log(f"Copying '{source_path}'", level=2)
            collection.upload(prefixed_path, source_storage, path, md5)
        self.copied_files.append(prefixed_path)

    def _post_process(self, storage: MinioBackend, collection: StaticCollection) -> None:
        """Django's post-processing step, given the run's listing when the storage takes it."""
        post_process: Any = getattr(storage, "post_process")  # noqa: B009
        if isinstance(storage, MinioManifestStaticStorage) and not self.dry_run:
            processor = post_process(self._found, dry_run=False, snapshot=collection.snapshot)
        else:
            processor = post_process(self._found, dry_run=self.dry_run)
        for original_path, processed_path, processed in processor:
            if isinstance(processed, Exception):
                self.stderr.write(f"Post-processing '{original_path}' failed!")
                self.stderr.write()
                raise processed
            if processed:
                self.log(f"Post-processed '{original_path}' as '{processed_path}'", level=2)
                self.post_processed_files.append(original_path)
            else:
                self.log(f"Skipped post-processing '{original_path}'")
