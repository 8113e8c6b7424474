"""Run in a fresh process: save and read back a large object, print peak RSS growth as JSON.

``python -m tests.memory_probe ENDPOINT ACCESS SECRET BUCKET MIB``
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from typing import Any

CHUNK = 1024 * 1024


class GeneratedStream(io.RawIOBase):
    """``size`` bytes of a repeating pattern, produced on demand (never held in memory)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.block = bytes(range(256)) * (CHUNK // 256)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = (
            offset
            if whence == 0
            else self.size + offset
            if whence == 2
            else (self.position + offset)
        )
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self.size - self.position, CHUNK)
        start = self.position % CHUNK
        piece = (self.block[start:] + self.block)[:count]
        buffer[:count] = piece
        self.position += count
        return count


def reset_peak() -> None:
    """Start a new high-water mark: ru_maxrss would carry the parent's (pytest's) peak over."""
    with open("/proc/self/clear_refs", "w") as handle:  # noqa: PTH123
        handle.write("5")


def peak_rss_mib() -> float:
    """This process's peak resident memory since the last reset (VmHWM), in MiB."""
    with open("/proc/self/status") as handle:  # noqa: PTH123
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    endpoint, access, secret, bucket, mib = sys.argv[1:6]
    import django
    from django.conf import settings

    settings.configure(
        USE_TZ=True,
        MINIO_PROFILES={
            "default": {
                "endpoint": endpoint,
                "access_key": access,
                "secret_key": secret,
                "use_https": False,
                "private_buckets": [bucket],
                "default_bucket": bucket,
            }
        },
    )
    django.setup()
    from django.core.files import File

    from django_minio_backend import MinioBackend

    storage = MinioBackend()
    storage.exists("warm-up")  # import and connect before the baseline
    size = int(mib) * CHUNK
    source = GeneratedStream(size)
    expected = hashlib.sha256()
    while chunk := source.read(CHUNK):
        expected.update(chunk)
    source.seek(0)
    reset_peak()
    before = peak_rss_mib()
    name = storage.save("large/object.bin", File(source, "object.bin"))
    after_save = peak_rss_mib()
    digest = hashlib.sha256()
    with storage.open(name) as handle:
        for chunk in handle.chunks(CHUNK):
            digest.update(chunk)
    after_read = peak_rss_mib()
    print(
        json.dumps(
            {
                "size": storage.size(name),
                "same": digest.hexdigest() == expected.hexdigest(),
                "save_growth_mib": after_save - before,
                "read_growth_mib": after_read - before,
            }
        )
    )


if __name__ == "__main__":
    main()
