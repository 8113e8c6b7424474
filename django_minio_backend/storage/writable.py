"""Files opened for writing (``storage.open(name, "wb")`` or ``"w"``): spooled, uploaded on close.

What is written goes to a ``SpooledTemporaryFile``: memory up to ``WRITE_SPOOL_MEMORY``, then a
temporary file on disk, so memory stays bounded whatever is written. ``close()`` (or leaving a
``with`` block normally) uploads it under the name, in one PUT or a multipart upload, replacing
an object of that name as a file system would. Leaving a ``with`` block through an exception,
or ``discard()``, uploads nothing; neither does a file that is never closed.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable
from types import TracebackType
from typing import IO, Any, Final

from django.core.files import File

__all__ = ["WRITE_MODES", "WRITE_SPOOL_MEMORY", "MinioWriteFile", "unsupported_mode"]

WRITE_MODES: Final = frozenset({"w", "wb", "wt"})
WRITE_SPOOL_MEMORY: Final = 2 * 1024 * 1024
"""Bytes written are kept in memory up to this size, then in a temporary file on disk."""


def unsupported_mode(storage: str, mode: str) -> ValueError | None:
    """The error for an ``open()`` mode objects do not support, or ``None`` when it is fine."""
    if mode in WRITE_MODES or not any(flag in mode for flag in "wax+"):
        return None
    return ValueError(
        f"{storage} cannot open objects in mode {mode!r}: an object cannot be appended to, "
        "created exclusively or updated in place; open it with 'wb' (or 'w') to replace it "
        "whole, or 'rb' to read it"
    )


class MinioWriteFile(File):  # type: ignore[type-arg]
    """A writable file whose content is uploaded as object ``name`` when it is closed.

    ``upload(name, stream)`` is called once, with the binary spool rewound, on a normal close.
    """

    def __init__(self, name: str, mode: str, upload: Callable[[str, IO[bytes]], object]) -> None:
        self._upload = upload
        self._spool: IO[bytes] = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed in close())
            max_size=WRITE_SPOOL_MEMORY, mode="w+b"
        )
        stream: IO[Any] = self._spool
        if "b" not in mode:
            stream = io.TextIOWrapper(self._spool, encoding="utf-8")
        self._stream = stream
        super().__init__(stream, name)
        self.mode = mode
        self._discarded = False
        self._final_size = 0

    @property
    def size(self) -> int:
        """The bytes written so far."""
        if self._spool.closed:
            return self._final_size
        self._stream.flush()
        position = self._spool.tell()
        end = self._spool.seek(0, io.SEEK_END)
        self._spool.seek(position)
        return end

    @size.setter
    def size(self, value: int) -> None:
        """Ignored: the size is what was written."""

    def discard(self) -> None:
        """Close without uploading anything."""
        self._discarded = True
        self.close()

    def close(self) -> None:
        """Upload what was written (unless discarded), then release the spool."""
        if self._spool.closed:
            return
        self._final_size = self.size
        try:
            if not self._discarded:
                self._stream.flush()
                self._spool.seek(0)
                self._upload(str(self.name), self._spool)
        finally:
            self._discarded = True  # a second close() never uploads again
            self._stream.close()
            self._spool.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discarded = True
        self.close()

    def open(self, mode: str | None = None, *args: Any, **kwargs: Any) -> MinioWriteFile:
        """Still open: the same file; once closed it cannot be reopened for writing."""
        if self.closed:
            raise ValueError(
                f"{self.name!r} was closed (and uploaded); open it again from the storage"
            )
        return self
