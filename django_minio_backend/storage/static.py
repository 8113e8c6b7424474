"""``MinioManifestStaticStorage``: static files under content-hashed names, manifest in the bucket.

Django's ``ManifestFilesMixin`` on top of ``MinioBackendStatic``, adapted to a store that is
reached over the network:

- the manifest (``staticfiles.json``) is read on first use, not when the storage is built;
- while collectstatic post-processes, "does it exist?" is answered from one listing per
  directory instead of a HEAD per file, and a file whose bytes are already stored under its
  name is not uploaded again (its ETag is the MD5 of the new content). A second collectstatic
  with nothing changed therefore uploads nothing;
- the storage's ``cache_control`` applies to the hashed copies, whose names change whenever
  their content does; the originals and the manifest, whose names stay while their content
  changes, get ``no-cache`` instead (when a ``cache_control`` is configured at all).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final
from urllib.parse import unquote, urldefrag, urlsplit

from django.contrib.staticfiles.storage import HashedFilesMixin, ManifestFilesMixin
from django.core.files import File
from django.core.files.storage import Storage

from django_minio_backend.storage.backend import MinioBackendStatic
from django_minio_backend.storage.snapshot import BucketSnapshot, content_md5, stored_etags

if TYPE_CHECKING:
    from django.contrib.staticfiles.storage import _PostProcessT

__all__ = ["MinioManifestStaticStorage"]

# What an original or the manifest carries instead of a long-lived Cache-Control: their names
# stay the same when their content changes, so a cache must ask again every time.
MUTABLE_NAME_CACHE_CONTROL: Final = "no-cache"


class MinioManifestStaticStorage(ManifestFilesMixin, MinioBackendStatic):  # type: ignore[misc]
    """Static files with content-hashed names; ``staticfiles.json`` is kept in the bucket.

    ``{% static %}`` resolves names through the manifest, read lazily on first use. Takes the
    arguments of ``MinioBackendStatic`` plus Django's ``manifest_storage``.
    """

    deconstruct_path: ClassVar[str] = "django_minio_backend.models.MinioManifestStaticStorage"

    def __init__(
        self,
        profile: str = "default",
        *,
        manifest_storage: Storage | None = None,
        **options: Any,
    ) -> None:
        self._snapshot: BucketSnapshot | None = None
        self._sources: Mapping[str, tuple[Storage, str]] | None = None
        # Not ManifestFilesMixin.__init__: it reads the manifest, which here is a network
        # request. hashed_files and manifest_hash below read it on first use instead.
        HashedFilesMixin.__init__(self, profile, **options)
        self.manifest_storage = self if manifest_storage is None else manifest_storage
        self._hashed_files: dict[str, str] | None = None
        self._manifest_hash: str | None = None

    # --- the manifest, read on first use --------------------------------------------------------

    @property
    def hashed_files(self) -> dict[str, str]:
        """Original name -> hashed name, from the manifest unless post-processing replaced it."""
        if self._hashed_files is None:
            return self._read_manifest()[0]
        return self._hashed_files

    @hashed_files.setter
    def hashed_files(self, value: dict[str, str]) -> None:
        self._hashed_files = value

    @property
    def manifest_hash(self) -> str:
        """The hash of the manifest's content ("" when there is no manifest)."""
        if self._manifest_hash is None:
            return self._read_manifest()[1]
        return self._manifest_hash

    @manifest_hash.setter
    def manifest_hash(self, value: str) -> None:
        self._manifest_hash = value

    def _read_manifest(self) -> tuple[dict[str, str], str]:
        # ManifestFilesMixin.load_manifest returns (paths, hash); its stub says a dict.
        loaded: Any = self.load_manifest()
        paths, manifest_hash = loaded
        if self._hashed_files is None:
            self._hashed_files = paths
        if self._manifest_hash is None:
            self._manifest_hash = manifest_hash
        return self._hashed_files, self._manifest_hash

    # --- collectstatic's post-processing ----------------------------------------------------------

    def post_process(
        self,
        paths: dict[str, Any],
        dry_run: bool = False,
        *,
        snapshot: BucketSnapshot | None = None,
        **options: Any,
    ) -> _PostProcessT:
        """Store hashed copies of ``paths`` and the manifest; unchanged files are not uploaded.

        ``snapshot``: what the bucket holds, when the caller listed it already (the
        ``collectstatic`` override does); else one listing per directory touched.
        """
        if dry_run:
            yield from super().post_process(paths, dry_run=dry_run, **options)
            return
        if snapshot is None:
            snapshot = BucketSnapshot(self._directory_etags)
        self._snapshot, self._sources = snapshot, paths
        try:
            yield from super().post_process(paths, dry_run=dry_run, **options)
            for name in snapshot.pending_deletes():
                super().delete(name)
        finally:
            self._snapshot = self._sources = None

    def hashed_name(
        self, name: str, content: File[Any] | None = None, filename: str | None = None
    ) -> str:
        """``name`` with the hash of its content; while post-processing, a file that is not
        given is hashed from its local source instead of downloading the collected copy."""
        sources = self._sources
        if content is None and sources is not None:
            path = urlsplit(unquote(filename or name)).path.strip()
            source = sources.get(posixpath.normpath(path))
            if source is not None:
                storage, source_path = source
                with storage.open(source_path) as local:
                    return super().hashed_name(name, local, filename)
        return super().hashed_name(name, content, filename)

    def _directory_etags(self, directory: str) -> dict[str, str]:
        return stored_etags(self, directory, recursive=False)

    def exists(self, name: str) -> bool:
        """True when an object is stored under ``name``; from the listing while post-processing."""
        snapshot = self._snapshot
        return super().exists(name) if snapshot is None else snapshot.exists(name)

    def delete(self, name: str) -> None:
        """Remove the object; while post-processing, only if no save of ``name`` follows."""
        snapshot = self._snapshot
        if snapshot is None:
            super().delete(name)
        else:
            snapshot.delete_later(name)

    def _save(self, name: str, content: Any) -> str:
        snapshot = self._snapshot
        if snapshot is None:
            return super()._save(name, content)
        md5 = content_md5(content)
        if snapshot.holds(name, md5):
            snapshot.written(name, md5)  # the same bytes are already there: nothing to upload
            return name
        saved = super()._save(name, content)
        snapshot.written(saved, md5)
        return saved

    def object_headers(self, name: str, content: Any) -> dict[str, str]:
        """The PUT headers; the configured ``cache_control`` only for the hashed copies."""
        headers = super().object_headers(name, content)
        hashed_copy = self._snapshot is not None and name != self.manifest_name
        if not hashed_copy and "Cache-Control" in headers:
            headers["Cache-Control"] = MUTABLE_NAME_CACHE_CONTROL
        return headers

    # --- URLs -------------------------------------------------------------------------------------

    def _url(
        self,
        hashed_name_func: Callable[..., str],
        name: str,
        force: bool = False,
        hashed_files: dict[str, str] | None = None,
    ) -> str:
        if hashed_files is None:
            return super()._url(hashed_name_func, name, force)  # type: ignore[misc, no-any-return]
        # Rewriting a reference inside a CSS or JS file: url_converter keeps only the last path
        # segment of what this returns, so give it the hashed name, never a presigned URL (whose
        # query string would end up in the file).
        clean_name, _fragment = urldefrag(name)
        if urlsplit(clean_name).path.endswith("/"):
            return name
        return hashed_name_func(clean_name, hashed_files)
