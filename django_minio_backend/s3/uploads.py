"""Upload a binary stream as one object: a single PUT when small, a multipart upload when large.

Memory stays bounded: a single PUT holds at most ``multipart_threshold + 1`` bytes, a multipart
upload one part (plus, for a stream of unknown size, what was read to decide on multipart).
A multipart upload that fails for any reason is aborted, so no upload is left open on the server.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import IO, Final, Protocol

from minio import Minio

from django_minio_backend.errors import MinioBackendError
from django_minio_backend.s3 import sdk_requests
from django_minio_backend.s3.sdk_requests import ObjectExistsError

__all__ = [
    "CHECKSUMS",
    "IncompleteStreamError",
    "ObjectExistsError",
    "Progress",
    "checksum_header",
    "upload",
]

logger = logging.getLogger(__name__)

MiB: Final = 1024 * 1024
MIN_PART_SIZE: Final = 5 * MiB
MAX_PART_SIZE: Final = 5 * 1024 * MiB
MAX_SINGLE_PUT: Final = 5 * 1024 * MiB
MAX_PARTS: Final = 10_000
# Parts on the wire at once: overlaps reading the next part with the server's answer.
PARTS_IN_FLIGHT: Final = 2


def _crc32(data: bytes) -> bytes:
    return zlib.crc32(data).to_bytes(4, "big")


CHECKSUMS: Final[Mapping[str, Callable[[bytes], bytes]]] = {
    "CRC32": _crc32,
    "SHA1": lambda data: hashlib.sha1(data, usedforsecurity=False).digest(),
    "SHA256": lambda data: hashlib.sha256(data).digest(),
}


def checksum_header(algorithm: str, data: bytes) -> dict[str, str]:
    """The ``x-amz-checksum-*`` header of ``data`` for ``algorithm`` (a name of ``CHECKSUMS``)."""
    digest = CHECKSUMS[algorithm](data)
    return {f"x-amz-checksum-{algorithm.lower()}": base64.b64encode(digest).decode("ascii")}


class Progress(Protocol):
    """The minio SDK's progress protocol (``minio.helpers.ProgressType``)."""

    def set_meta(self, object_name: str, total_length: int) -> None: ...

    def update(self, size: int) -> None: ...


class IncompleteStreamError(MinioBackendError, OSError):
    """The stream ended before the declared size; nothing was stored."""

    def __init__(self, bucket: str, key: str, expected: int, got: int) -> None:
        self.bucket = bucket
        self.key = key
        self.expected = expected
        self.got = got
        super().__init__(
            f"upload of {key!r} to bucket {bucket!r}: the stream ended after {got} of the "
            f"declared {expected} bytes; nothing was stored (check the file's size)"
        )


def _read(stream: IO[bytes], key: str, size: int) -> bytes:
    """Up to ``size`` bytes of ``stream``; fewer only at its end."""
    pieces: list[bytes] = []
    wanted = size
    while wanted > 0:
        chunk = stream.read(wanted)
        if not chunk:
            break
        if not isinstance(chunk, bytes | bytearray | memoryview):
            raise TypeError(
                f"upload of {key!r}: the stream must be binary (read() returned "
                f"{type(chunk).__name__}); open the file in 'rb' mode or encode the text"
            )
        pieces.append(bytes(chunk))
        wanted -= len(chunk)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def _check_sizes(key: str, size: int | None, multipart_threshold: int, part_size: int) -> None:
    if size is not None and size < 0:
        raise ValueError(f"upload of {key!r}: size must be None or >= 0, got {size}")
    if not MIN_PART_SIZE <= part_size <= MAX_PART_SIZE:
        raise ValueError(
            f"upload of {key!r}: part_size must be between 5 MiB and 5 GiB, got {part_size}"
        )
    if not 0 <= multipart_threshold <= MAX_SINGLE_PUT:
        raise ValueError(
            f"upload of {key!r}: multipart_threshold must be between 0 and 5 GiB, "
            f"got {multipart_threshold}"
        )
    if size is not None and size > multipart_threshold and -(-size // part_size) > MAX_PARTS:
        raise ValueError(
            f"upload of {key!r}: {size} bytes need more than {MAX_PARTS} parts of {part_size} "
            "bytes; raise multipart_part_size"
        )


def upload(
    client: Minio,
    bucket: str,
    key: str,
    stream: IO[bytes],
    size: int | None,
    *,
    headers: Mapping[str, str],
    if_none_match: bool,
    multipart_threshold: int,
    part_size: int,
    abort_client: Minio | None = None,
    progress: Progress | None = None,
    parts_in_flight: int = PARTS_IN_FLIGHT,
    checksum: str | None = None,
    part_headers: Mapping[str, str] | None = None,
) -> str:
    """Store every byte of ``stream`` as ``bucket/key``; ``size`` is what the stream should hold.

    Returns the object's ETag. ``headers`` (Content-Type, Cache-Control, ``x-amz-meta-*``...)
    go on the object. With ``if_none_match`` an existing key raises ``ObjectExistsError`` and is
    left unchanged. A stream shorter than ``size`` raises ``IncompleteStreamError`` and stores
    nothing; a longer one is stored whole (the size only chooses between one PUT and multipart).
    A failed multipart upload is aborted through ``abort_client`` (default ``client``): give the
    profile's ``cleanup`` client, whose one short attempt keeps the failure's time bounded.
    ``progress`` (the SDK's progress protocol: ``set_meta``, ``update``) hears of every request's
    bytes once they are stored; ``parts_in_flight`` parts are sent at once. ``checksum`` (a
    name of ``CHECKSUMS``) sends that checksum of a single PUT's body for the server to verify
    and keep (multipart uploads are verified by the server through their parts' MD5 ETags).
    ``part_headers`` go on each part of a multipart upload (an SSE-C key, which S3 wants there).
    """
    _check_sizes(key, size, multipart_threshold, part_size)
    if parts_in_flight < 1:
        raise ValueError(f"upload of {key!r}: parts_in_flight must be at least 1")
    if progress is not None:
        progress.set_meta(object_name=key, total_length=-1 if size is None else size)
    if size is None or size <= multipart_threshold:
        # One byte more than expected tells whether the stream really ends there.
        expected = multipart_threshold if size is None else size
        head = _read(stream, key, expected + 1)
        if size is not None and len(head) < size:
            raise IncompleteStreamError(bucket, key, size, len(head))
        if len(head) > expected and expected < multipart_threshold:
            head += _read(stream, key, multipart_threshold - expected)  # the size was wrong
        if len(head) <= multipart_threshold:
            if checksum is not None:
                headers = {**headers, **checksum_header(checksum, head)}
            etag = sdk_requests.put_object(
                client, bucket, key, head, headers, if_none_match=if_none_match
            )
            if progress is not None:
                progress.update(len(head))
            return etag
    else:
        head = b""
    parts = _parts(stream, bucket, key, head, part_size, at_least=size or 0)
    del head  # the parts own it now: it is freed once sent
    return _multipart(
        client,
        bucket,
        key,
        parts,
        headers=headers,
        if_none_match=if_none_match,
        abort_client=abort_client or client,
        progress=progress,
        parts_in_flight=parts_in_flight,
        part_headers=part_headers or {},
    )


# The part generator drops each part (del) before reading the next, so that only one part is held.


def _parts(
    stream: IO[bytes], bucket: str, key: str, head: bytes, part_size: int, *, at_least: int
) -> Iterator[bytes]:
    """The whole stream in parts, the first one starting with ``head`` (already read).

    ``IncompleteStreamError`` when the stream ends before ``at_least`` bytes.
    """
    # Parts may differ in size (all but the last >= 5 MiB): a head at least part_size long goes
    # out as it is, without a copy.
    data = head + _read(stream, key, part_size - len(head)) if len(head) < part_size else head
    del head
    count = 0
    sent = 0
    while data:
        count += 1
        if count > MAX_PARTS:
            raise ValueError(
                f"upload of {key!r}: the stream needs more than {MAX_PARTS} parts of "
                f"{part_size} bytes; raise multipart_part_size"
            )
        last = len(data) < part_size
        sent += len(data)
        if last and sent < at_least:
            raise IncompleteStreamError(bucket, key, at_least, sent)
        yield data
        del data
        if last:
            return
        data = _read(stream, key, part_size)
    if sent < at_least:
        raise IncompleteStreamError(bucket, key, at_least, sent)


def _multipart(
    client: Minio,
    bucket: str,
    key: str,
    parts: Iterator[bytes],
    *,
    headers: Mapping[str, str],
    if_none_match: bool,
    abort_client: Minio,
    progress: Progress | None,
    parts_in_flight: int,
    part_headers: Mapping[str, str],
) -> str:
    upload_id = sdk_requests.create_multipart_upload(client, bucket, key, headers)
    try:
        etags = _upload_parts(
            client,
            bucket,
            key,
            upload_id,
            parts,
            part_headers,
            progress=progress,
            in_flight_max=parts_in_flight,
        )
        return sdk_requests.complete_multipart_upload(
            client, bucket, key, upload_id, etags, if_none_match=if_none_match
        )
    except BaseException:
        _abort_quietly(abort_client, bucket, key, upload_id)
        raise


def _upload_parts(
    client: Minio,
    bucket: str,
    key: str,
    upload_id: str,
    parts: Iterator[bytes],
    part_headers: Mapping[str, str],
    *,
    progress: Progress | None = None,
    in_flight_max: int = PARTS_IN_FLIGHT,
) -> list[tuple[int, str]]:
    """Upload ``parts`` with up to ``in_flight_max`` at once; return (number, ETag) in order.

    The next part is read while the previous ones are on the wire, so memory holds at most
    ``in_flight_max + 1`` parts.
    """
    etags: list[tuple[int, str]] = []
    in_flight: deque[tuple[int, Future[str]]] = deque()
    pool = ThreadPoolExecutor(in_flight_max, thread_name_prefix="minio-upload-part")

    def send(number: int, data: bytes) -> str:
        etag = sdk_requests.upload_part(client, bucket, key, upload_id, number, data, part_headers)
        if progress is not None:
            progress.update(len(data))
        return etag

    try:
        number = 0
        for data in parts:  # no enumerate(): it would keep the previous part alive during a read
            number += 1  # noqa: SIM113
            if len(in_flight) == in_flight_max:
                done, future = in_flight.popleft()
                etags.append((done, future.result()))
            future = pool.submit(send, number, data)
            in_flight.append((number, future))
            del data, future
        while in_flight:
            done, future = in_flight.popleft()
            etags.append((done, future.result()))
    finally:
        # On failure, wait for the parts still being sent, so that the abort comes after them.
        pool.shutdown(wait=True, cancel_futures=True)
    return etags


def _abort_quietly(client: Minio, bucket: str, key: str, upload_id: str) -> None:
    try:
        sdk_requests.abort_multipart_upload(client, bucket, key, upload_id)
    except Exception as exc:
        # The original failure matters more; the server expires stale uploads eventually.
        logger.warning(
            "could not abort multipart upload %s of %r in bucket %r: %s",
            upload_id,
            key,
            bucket,
            exc,
        )
