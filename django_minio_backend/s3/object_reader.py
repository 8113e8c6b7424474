"""Read an object as a seekable binary file, streamed from the server (memory stays bounded).

``open_object`` sends one GET at once, so a missing object fails at open time and the size, ETag,
modification time and content type are known without a HEAD. Reads stream from that response;
after a seek the next read sends a ranged GET that must match the original ETag (``If-Match``),
so content of a replaced object is never mixed with the old one.

Seeking costs nothing by itself: the open response is kept until a read needs another position,
and the last ``window`` bytes read (1 MiB by default) are kept, so rereading them (a format's
header, a size probe that seeks to the end and back) sends no request. Small reads read ahead
64 KiB into that window, so no second buffer is needed on top.

A read that jumps away from the open response is where random access starts (a zip or xlsx reads
its directory at the end, then each member): an object up to ``spool_limit`` (64 MiB) is then
fetched whole, once, into a spool (1 MiB in memory, the rest in a temporary file) and every later
read comes from there: two requests in all, as few as a storage that downloads every file at
open. A larger object gets a ranged GET per jump instead.
"""

from __future__ import annotations

import functools
import io
import tempfile
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import IO, TYPE_CHECKING, Final

from minio import Minio
from minio.error import MinioException, S3Error
from urllib3 import BaseHTTPResponse
from urllib3.exceptions import ProtocolError

from django_minio_backend.errors import MISSING_CODES, MinioBackendError, missing_object
from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.failures import NETWORK_ERRORS, drop_frames

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "DEFAULT_CHUNK",
    "ObjectChangedError",
    "ObjectReadError",
    "ObjectReader",
    "TruncatedObjectError",
    "open_object",
]

DEFAULT_CHUNK: Final = 1024 * 1024
"""The most bytes one ``readinto`` takes from the connection at once."""
DEFAULT_WINDOW: Final = 1024 * 1024
"""How many of the bytes read last are kept for reading them again without a request."""
DEFAULT_SPOOL_LIMIT: Final = 64 * 1024 * 1024
"""Objects up to this size are fetched whole into a local spool at the first read that jumps
away from the open response (a zip's directory at the end, then its members)."""
SPOOL_MEMORY: Final = 1024 * 1024
"""The most of a spool kept in memory; the rest goes to a temporary file."""
READ_AHEAD: Final = 64 * 1024
"""A read smaller than this takes this many bytes from the connection; the rest stays in the
window for the next reads (a buffered file's behaviour, without a second buffer)."""

# On a ranged re-read, these mean that the object is not the one that was opened any more.
_CHANGED_CODES: Final = frozenset({"PreconditionFailed", "InvalidRange"})


class ObjectReadError(MinioBackendError, OSError):
    """Reading an opened object failed (network, timeout, server); ``__cause__`` says why.

    Every failure of a read after a successful open is an ``OSError``: this class, its
    subclasses, or ``FileNotFoundError`` when the object was deleted meanwhile.
    """

    def __init__(self, bucket: str, key: str, message: str, profile: str | None = None) -> None:
        self.bucket = bucket
        self.key = key
        self.profile = profile
        self._message = message
        prefix = "" if profile is None else f"profile {profile!r}: "
        super().__init__(f"{prefix}reading object {key!r} in bucket {bucket!r}: {message}")

    def __reduce__(self) -> tuple[type[ObjectReadError], tuple[object, ...]]:
        return ObjectReadError, (self.bucket, self.key, self._message, self.profile)


class ObjectChangedError(ObjectReadError):
    """The object was replaced while it was being read; reopen it to read the new content."""

    def __init__(self, bucket: str, key: str, profile: str | None = None) -> None:
        super().__init__(
            bucket,
            key,
            "the object was replaced while it was being read; reopen it to read the new content",
            profile,
        )

    def __reduce__(self) -> tuple[type[ObjectReadError], tuple[object, ...]]:
        return ObjectChangedError, (self.bucket, self.key, self.profile)


class TruncatedObjectError(ObjectReadError):
    """The connection ended before the whole object (or range) arrived."""

    def __init__(
        self, bucket: str, key: str, position: int, size: int, profile: str | None = None
    ) -> None:
        self.position = position
        self.size = size
        super().__init__(
            bucket,
            key,
            f"the connection ended at byte {position} of {size}; the data is incomplete, "
            "read it again",
            profile,
        )

    def __reduce__(self) -> tuple[type[ObjectReadError], tuple[object, ...]]:
        return TruncatedObjectError, (self.bucket, self.key, self.position, self.size, self.profile)


def _release(response: BaseHTTPResponse, *, finished: bool) -> None:
    # A fully read response leaves a reusable connection; an unfinished one must be closed.
    if not finished:
        response.close()
    response.release_conn()


class ObjectReader(io.RawIOBase):
    """A read-only, seekable view of one object; wrap it in ``io.BufferedReader`` for small reads.

    ``size``, ``etag``, ``last_modified`` and ``content_type`` describe the object as opened;
    ``profile`` is the name of the profile it came from (errors name it). Closing releases the
    connection. The last ``window`` bytes read are kept in memory and read again from there.
    """

    # Set before anything can fail in __init__, so that close() (also run by __del__) works.
    _response: BaseHTTPResponse | None = None

    def __init__(
        self,
        client: Minio,
        bucket: str,
        key: str,
        response: BaseHTTPResponse,
        *,
        profile: str,
        chunk: int = DEFAULT_CHUNK,
        window: int = DEFAULT_WINDOW,
        headers: Mapping[str, str] | None = None,
        spool_limit: int = DEFAULT_SPOOL_LIMIT,
    ) -> None:
        super().__init__()
        if chunk < 1:
            raise ValueError(f"chunk must be at least 1 byte, got {chunk}")
        if window < 0:
            raise ValueError(f"window must be at least 0 bytes, got {window}")
        self.bucket = bucket
        self.key = key
        self.profile = profile
        self._client = client
        self._chunk = chunk
        self._headers = dict(headers or {})
        self._position = 0
        self._window_size = window
        # Bytes [_window_start, _window_start + len(_window)) as read last; the open response
        # (if any) continues right after them.
        self._window: bytes | bytearray = bytearray()
        self._window_start = 0
        self._spool_limit = spool_limit
        self._spool: IO[bytes] | None = None
        headers = response.headers
        length = headers.get("Content-Length")
        if length is None or not length.isdigit():
            _release(response, finished=False)
            super().close()
            raise ObjectReadError(bucket, key, "the server sent no valid Content-Length", profile)
        self.size: int = int(length)
        self._etag_header: str = headers.get("ETag", "")
        self.etag: str = self._etag_header.strip('"')
        # Read from the headers when asked: most opens never look at them.
        self._opened_headers = headers
        self._response = response
        if self.size == 0:
            self._finish()

    @functools.cached_property
    def last_modified(self) -> datetime | None:
        """When the object was last written, as the server said when it was opened."""
        modified = self._opened_headers.get("Last-Modified")
        return parsedate_to_datetime(modified) if modified else None

    @functools.cached_property
    def content_type(self) -> str:
        """The object's content type, as the server said when it was opened."""
        return str(self._opened_headers.get("Content-Type", "application/octet-stream"))

    @property
    def name(self) -> str:
        """The object's key."""
        return self.key

    @property
    def mode(self) -> str:
        return "rb"

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        self._check_open()
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        """Move to a new position; a read there sends a ranged request unless the bytes are in
        the window of bytes read last, or next on the open response."""
        self._check_open()
        if whence == io.SEEK_SET:
            position = offset
        elif whence == io.SEEK_CUR:
            position = self._position + offset
        elif whence == io.SEEK_END:
            position = self.size + offset
        else:
            raise ValueError(f"invalid whence ({whence}, should be 0, 1 or 2)")
        if position < 0:
            raise ValueError(f"negative seek position {position}")
        self._position = position
        return position

    def read(self, size: int | None = -1, /) -> bytes:
        """Up to ``size`` bytes (all the rest if negative), fewer only at the end of the object.

        Small reads are served from the window, which reads ahead ``READ_AHEAD`` bytes at a
        time; large ones come straight from the connection, without a copy.
        """
        self._check_open()
        if size is None or size < 0:
            return self.readall()
        left = min(size, self.size - self._position)
        if left <= 0:
            return b""
        first = self._step(left)
        if len(first) == left:
            return first
        pieces = [first]
        left -= len(first)
        while left > 0:
            piece = self._step(left)
            pieces.append(piece)
            left -= len(piece)
        return b"".join(pieces)

    def read1(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes, with at most one read from the connection."""
        self._check_open()
        left = self.size - self._position
        if size >= 0:
            left = min(size, left)
        return self._step(min(left, self._chunk)) if left > 0 else b""

    def peek(self, size: int = 0, /) -> bytes:
        """Bytes from the current position without moving it (what ``readline`` scans)."""
        self._check_open()
        if self._position >= self.size:
            return b""
        if self._window_offset() < 0:
            self._fill(max(size, READ_AHEAD))
        offset = self._window_offset()
        return bytes(self._window[offset:])

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        """Read up to ``len(buffer)`` bytes (at most ``chunk``) into ``buffer``; 0 at the end."""
        self._check_open()
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._chunk, self.size - self._position)
        if wanted <= 0:
            return 0
        data = self._step(wanted)
        view[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        """The rest of the object (all of it in memory: prefer reading in pieces)."""
        self._check_open()
        pieces: list[bytes] = []
        # Pieces straight from the window or the response: no buffer to allocate, zero and copy
        # into (RawIOBase.read), which for a small object cost as much as the request's parsing.
        while (left := self.size - self._position) > 0:
            pieces.append(self._step(min(self._chunk, left)))
        return pieces[0] if len(pieces) == 1 else b"".join(pieces)

    def close(self) -> None:
        """Release the connection; further reads raise ``ValueError``."""
        if not self.closed:
            self._drop_response()
            self._window = bytearray()
            if self._spool is not None:
                self._spool.close()
                self._spool = None
        super().close()

    def __repr__(self) -> str:
        return f"<ObjectReader bucket={self.bucket!r} key={self.key!r} size={self.size}>"

    # ----------------------------------------------------------------------------- internals

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError(f"I/O operation on closed object reader for {self.key!r}")

    def _window_offset(self) -> int:
        """Where the current position is in the window; -1 when it is not in it."""
        offset = self._position - self._window_start
        return offset if 0 <= offset < len(self._window) else -1

    def _step(self, wanted: int) -> bytes:
        """The next 1 to ``wanted`` bytes (``wanted`` > 0, not past the end), position moved."""
        offset = self._window_offset()
        if offset < 0:
            if wanted >= READ_AHEAD:
                # Large: as the connection gives it, kept as the window without a copy.
                data = self._fill(min(wanted, self._chunk))
                self._position += len(data)
                return data
            self._fill(READ_AHEAD)
            offset = self._position - self._window_start
        window = self._window
        if offset == 0 and wanted >= len(window) and isinstance(window, bytes):
            piece = window
        else:
            piece = bytes(window[offset : offset + wanted])
        self._position += len(piece)
        return piece

    def _fill(self, wanted: int) -> bytes:
        """Read up to ``wanted`` bytes at the current position into the window and return them.

        The position is not in the window: it is right after it (the open response continues
        there) or elsewhere (a ranged GET starts there). The position itself does not move.
        """
        response = self._response
        window_end = self._window_start + len(self._window)
        if response is not None and self._position != window_end:
            self._drop_response()  # the open response is elsewhere in the object
            response = None
        wanted = min(wanted, self.size - self._position)
        if response is None:
            if self._position != window_end:
                self._window = bytearray()
                self._window_start = self._position
            if self._spool is None and self.size <= self._spool_limit:
                self._spool = self._download()
            if self._spool is not None:
                self._spool.seek(self._position)
                data = self._spool.read(wanted)
                self._keep(data)
                return data
            response = self._response = self._get(f"bytes={self._position}-")
        try:
            # Raw bytes as stored: a Content-Encoding (gzip...) is the object's, not transport.
            data = response.read(wanted, decode_content=False)
        except ProtocolError as exc:
            self._drop_response()
            self._conceal(exc)
            raise self._truncated() from exc
        except NETWORK_ERRORS as exc:  # a read timeout, mostly
            self._drop_response()
            self._conceal(exc)
            raise ObjectReadError(
                self.bucket,
                self.key,
                f"failed at byte {self._position} of {self.size}: {exc}",
                self.profile,
            ) from exc
        if not data:
            # urllib3 notices a short body by itself unless enforce_content_length is off.
            self._drop_response()
            raise self._truncated()
        self._keep(data)
        if self._position + len(data) >= self.size:
            self._finish()
        return data

    def _keep(self, data: bytes) -> None:
        limit = self._window_size
        if len(data) >= limit or not self._window:
            # A read of the window's size (the default for large reads) replaces the window, and
            # the first read fills an empty one: kept as it came, without a copy.
            self._window = data
            self._window_start = self._position
            return
        window = self._window
        if isinstance(window, bytes):
            window = self._window = bytearray(window)
        window += data
        excess = len(window) - limit
        if excess > 0:
            del window[:excess]
            self._window_start += excess

    def _get(self, byte_range: str | None) -> BaseHTTPResponse:
        """GET the object as opened (``If-Match`` its ETag), ``byte_range`` of it or all of it."""
        headers = dict(self._headers)
        if byte_range is not None:
            headers["Range"] = byte_range
        if self._etag_header:
            headers["If-Match"] = self._etag_header
        try:
            response = sdk_requests.get_object(self._client, self.bucket, self.key, headers)
        except S3Error as exc:
            self._conceal(exc)
            if exc.code in _CHANGED_CODES:
                raise ObjectChangedError(self.bucket, self.key, self.profile) from exc
            if exc.code in MISSING_CODES:
                raise missing_object(self.profile, self.bucket, self.key, exc.code) from exc
            raise self._reopen_error(exc) from exc
        except (MinioException, *NETWORK_ERRORS) as exc:
            self._conceal(exc)
            raise self._reopen_error(exc) from exc
        if byte_range is None:
            matches = response.status == 200 and response.headers.get("Content-Length") == str(
                self.size
            )
        else:
            expected = f"bytes {self._position}-{self.size - 1}/{self.size}"
            matches = response.status == 206 and response.headers.get("Content-Range") == expected
        if not matches:
            _release(response, finished=False)
            raise ObjectChangedError(self.bucket, self.key, self.profile)
        return response

    def _download(self) -> IO[bytes]:
        """The whole object (as opened) in a spool: memory up to ``SPOOL_MEMORY``, then disk."""
        response = self._get(None)
        # Open as long as the reader is: close() closes it.
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, prefix="minio-object-")  # noqa: SIM115
        copied = 0
        try:
            while copied < self.size:
                try:
                    data = response.read(min(self._chunk, self.size - copied), decode_content=False)
                except ProtocolError as exc:
                    self._conceal(exc)
                    raise self._spool_truncated(copied) from exc
                except NETWORK_ERRORS as exc:
                    self._conceal(exc)
                    raise self._reopen_error(exc) from exc
                if not data:
                    raise self._spool_truncated(copied)
                spool.write(data)
                copied += len(data)
        except BaseException:
            _release(response, finished=False)
            spool.close()
            raise
        _release(response, finished=True)
        return spool

    def _conceal(self, exc: BaseException) -> None:
        # The request's frames hold its headers: with an SSE-C key among them, drop them.
        if self._headers:
            drop_frames(exc)

    def _spool_truncated(self, copied: int) -> TruncatedObjectError:
        return TruncatedObjectError(self.bucket, self.key, copied, self.size, self.profile)

    def _truncated(self) -> TruncatedObjectError:
        return TruncatedObjectError(self.bucket, self.key, self._position, self.size, self.profile)

    def _reopen_error(self, exc: Exception) -> ObjectReadError:
        return ObjectReadError(
            self.bucket, self.key, f"could not resume at byte {self._position}: {exc}", self.profile
        )

    def _finish(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            _release(response, finished=True)

    def _drop_response(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            _release(response, finished=False)


def open_object(
    client: Minio,
    bucket: str,
    key: str,
    *,
    profile: str,
    chunk: int = DEFAULT_CHUNK,
    window: int = DEFAULT_WINDOW,
    headers: Mapping[str, str] | None = None,
    spool_limit: int = DEFAULT_SPOOL_LIMIT,
) -> ObjectReader:
    """Open ``bucket/key`` of profile ``profile`` (its name, for messages) with one GET.

    ``headers`` go on that GET and on every later one (the SSE-C key); ``spool_limit``: see the
    module.

    A missing object or bucket raises ``errors.missing_object``'s ``FileNotFoundError``; any other
    failure (credentials, network, server) propagates as raised by the SDK or urllib3, for the
    caller to translate (``s3.failures.server_errors``). Once open, reads raise only OS errors
    naming the object (``ObjectReadError`` and its subclasses, ``FileNotFoundError``).
    """
    try:
        response = sdk_requests.get_object(client, bucket, key, dict(headers or {}))
    except S3Error as exc:
        if exc.code in MISSING_CODES:
            raise missing_object(profile, bucket, key, exc.code) from exc
        raise
    return ObjectReader(
        client,
        bucket,
        key,
        response,
        profile=profile,
        chunk=chunk,
        window=window,
        headers=headers,
        spool_limit=spool_limit,
    )
