"""What a static storage's bucket holds during one collectstatic run, from listings, not HEADs.

``BucketSnapshot`` answers "does it exist?" and "are these bytes already stored?" (the ETag of
an object written in one PUT without SSE-C/KMS is the MD5 of its content) for the run; the
storage and the ``collectstatic`` override keep it exact by reporting what they write.
"""

from __future__ import annotations

import hashlib
import posixpath
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django_minio_backend.s3.keys import object_key

if TYPE_CHECKING:
    from django_minio_backend.storage.backend import MinioBackend

__all__ = ["BucketSnapshot", "content_md5", "stored_etags"]


class BucketSnapshot:
    """The objects under a storage's location, listed once per directory or once in all.

    Writes and deletes made through the storage while the snapshot is open update it, so its
    answers stay exact for the run. Deletes are deferred: Django deletes a hashed file right
    before saving it again, and a save of an unchanged file is skipped, so the delete must not
    happen unless no save follows. Used from one thread (the command's).
    """

    def __init__(self, list_directory: Callable[[str], Mapping[str, str]]) -> None:
        self._list_directory = list_directory
        self._etags: dict[str, str] = {}  # object name -> ETag ("" when unknown)
        self._listed: set[str] = set()
        self._complete = False  # every object is in _etags: no directory needs listing
        self._deletes: dict[str, None] = {}  # an ordered set

    @classmethod
    def of_everything(cls, etags: Mapping[str, str]) -> BucketSnapshot:
        """A snapshot made from one listing of every object (name -> ETag)."""
        snapshot = cls(lambda _directory: {})
        snapshot._etags.update(etags)
        snapshot._complete = True
        return snapshot

    def _stored_etag(self, name: str) -> str | None:
        object_key(name)
        directory = posixpath.dirname(name)
        if not self._complete and directory not in self._listed:
            self._etags.update(self._list_directory(directory))
            self._listed.add(directory)
        return self._etags.get(name)

    def exists(self, name: str) -> bool:
        return self._stored_etag(name) is not None and name not in self._deletes

    def holds(self, name: str, md5: str) -> bool:
        """True when the bucket already stores exactly these bytes under ``name``."""
        return self._stored_etag(name) == md5

    def delete_later(self, name: str) -> None:
        if self._stored_etag(name) is not None:
            self._deletes[name] = None

    def written(self, name: str, md5: str) -> None:
        """``name`` now holds content with this MD5 (uploaded, or found already stored)."""
        self._etags[name] = md5
        self._deletes.pop(name, None)

    def pending_deletes(self) -> list[str]:
        return list(self._deletes)


def stored_etags(storage: MinioBackend, directory: str, *, recursive: bool) -> dict[str, str]:
    """Storage name -> ETag of the objects in ``directory`` (with ``recursive``, below it too):
    one paged listing. Folder markers (``dir/``) are left out."""
    prefix = storage._listing_prefix(directory)
    target = storage._resolve()
    with storage._requests(target):
        return {
            storage._relative(item.object_name): item.etag or ""
            for item in target.clients.internal.list_objects(
                bucket_name=target.bucket, prefix=prefix, recursive=recursive
            )
            if not item.is_dir and item.object_name and not item.object_name.endswith("/")
        }


def content_md5(content: Any) -> str:
    """The hex MD5 of a Django ``File``'s content, read in chunks."""
    digest = hashlib.md5(usedforsecurity=False)
    for chunk in content.chunks():
        digest.update(chunk)
    return digest.hexdigest()
