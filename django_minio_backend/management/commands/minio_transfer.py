"""``manage.py minio_transfer SOURCE DEST [--prefix P] [--dry-run] [--workers N]
[--only-referenced] [--verify] [--delete-source]``.

SOURCE and DEST are each a ``STORAGES`` alias, ``profile:bucket[/prefix]`` or an absolute local
directory path. The copying is ``administration.transfer``'s; this command parses and prints: a
progress bar on a terminal, one line per file otherwise, a summary at the end. It exits non-zero
when any file failed, naming each.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from minio.error import S3Error
from tqdm import tqdm

from django_minio_backend.administration.transfer import (
    DEFAULT_WORKERS,
    Entry,
    FileOutcome,
    TransferReport,
    open_side,
    transfer,
)
from django_minio_backend.errors import MinioBackendError


class Command(BaseCommand):
    help = (
        "Copy files from SOURCE to DEST (each a STORAGES alias, profile:bucket[/prefix] or an "
        "absolute directory path); files already there with the same content are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", metavar="SOURCE")
        parser.add_argument("destination", metavar="DEST")
        parser.add_argument(
            "--prefix", default="", metavar="P", help="only the names starting with P"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be copied, with sizes"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=DEFAULT_WORKERS,
            metavar="N",
            help=f"files copied at once (default {DEFAULT_WORKERS})",
        )
        parser.add_argument(
            "--only-referenced",
            action="store_true",
            help="only files a FileField refers to; list references whose file is missing",
        )
        parser.add_argument(
            "--verify",
            action="store_true",
            help="read both sides back and compare SHA-256 (a different destination is "
            "copied again)",
        )
        parser.add_argument(
            "--delete-source",
            action="store_true",
            help="delete each source file once its copy is verified (implies --verify)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] < 1:
            raise CommandError(f"--workers must be at least 1, got {options['workers']}")
        try:
            source = open_side(options["source"])
            destination = open_side(options["destination"])
        except MinioBackendError as exc:
            raise CommandError(str(exc)) from exc
        progress: _Progress | _Lines
        if self.stdout.isatty():
            progress = _Progress(self, dry_run=options["dry_run"])
        else:
            progress = _Lines(self, verbosity=options["verbosity"])
        try:
            report = transfer(
                source,
                destination,
                prefix=options["prefix"],
                dry_run=options["dry_run"],
                workers=options["workers"],
                only_referenced=options["only_referenced"],
                verify=options["verify"],
                delete_source=options["delete_source"],
                observer=progress,
            )
        except (MinioBackendError, S3Error) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            progress.close()
        for name in report.missing_references:
            self.stderr.write(f"referenced but missing on both sides: {shown(name)}")
        self.stdout.write(summary(report, dry_run=options["dry_run"]))
        if report.failures:
            # Sorted: the workers finish in any order, the message should not.
            names = ", ".join(shown(name) for name, _ in sorted(report.failures))
            raise CommandError(f"{_count(len(report.failures), 'file')} failed: {names}")


class _Lines:
    """One line per file (files already there only with ``-v 2``); failures on stderr."""

    def __init__(self, command: BaseCommand, *, verbosity: int) -> None:
        self.command = command
        self.verbosity = verbosity

    def listed(self, entry: Entry) -> None:
        pass

    def moved(self, count: int) -> None:
        pass

    def finished(self, outcome: FileOutcome) -> None:
        line = outcome_line(outcome)
        if outcome.action == "failed":
            self.command.stderr.write(line)
        elif outcome.action != "present" or self.verbosity >= 2 or outcome.source_deleted:
            self.command.stdout.write(line)

    def close(self) -> None:
        pass


class _Progress:
    """A progress bar (bytes, rate, ETA; files done of files listed); failures above it."""

    def __init__(self, command: BaseCommand, *, dry_run: bool) -> None:
        self.command = command
        self.dry_run = dry_run
        self.lock = threading.Lock()
        self.files = self.done = 0
        self.bar = tqdm(
            total=0,
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            file=getattr(command.stdout, "_out", sys.stdout),
            dynamic_ncols=True,
        )

    def listed(self, entry: Entry) -> None:
        with self.lock:
            self.files += 1
            self.bar.total = (self.bar.total or 0) + entry.size
            self._describe()

    def moved(self, count: int) -> None:
        with self.lock:
            self.bar.update(count)

    def finished(self, outcome: FileOutcome) -> None:
        with self.lock:
            self.done += 1
            if outcome.action != "copied":  # its bytes were not moved: count them as done
                self.bar.update(outcome.size)
            if outcome.action in {"failed", "would-copy"}:
                self.bar.write(
                    outcome_line(outcome),
                    file=getattr(self.command.stderr, "_out", sys.stderr),
                )
            self._describe()

    def _describe(self) -> None:
        self.bar.set_postfix_str(f"{self.done}/{self.files} files", refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()


def shown(name: str) -> str:
    """``name`` printable: bytes that are no valid UTF-8 (a local file's name) escaped."""
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def outcome_line(outcome: FileOutcome) -> str:
    """``copied docs/a.pdf (1.2 MiB)``, ``FAILED docs/b.pdf: reason``..."""
    name = shown(outcome.name)
    size = human_size(outcome.size)
    if outcome.action == "failed":
        return f"FAILED {name}: {outcome.reason}"
    if outcome.action == "would-copy":
        verb = "would replace" if outcome.replaced else "would copy"
        return f"{verb} {name} ({size})"
    line = (
        f"{'replaced' if outcome.replaced else 'copied'} {name} ({size})"
        if outcome.action == "copied"
        else f"already there {name}"
    )
    if outcome.verified:
        line += ", verified"
    if outcome.source_deleted:
        line += ", source deleted"
    return line


def summary(report: TransferReport, *, dry_run: bool) -> str:
    """One line: what was found, copied, skipped, verified, deleted and failed."""
    parts = [f"{_count(report.files, 'file')} ({human_size(report.bytes)})"]
    if dry_run:
        parts.append(f"{report.would_copy} to copy ({human_size(report.would_copy_bytes)})")
    else:
        parts.append(f"{report.copied} copied ({human_size(report.copied_bytes)})")
    parts.append(f"{report.present} already there")
    if report.verified:
        parts.append(f"{report.verified} verified")
    if report.source_deleted:
        parts.append(f"{report.source_deleted} deleted from the source")
    parts.append(f"{len(report.failures)} failed")
    text = f"{report.source} -> {report.destination}: " + ", ".join(parts)
    if report.missing_references:
        text += f"; {_count(len(report.missing_references), 'reference')} to missing files"
    if dry_run:
        text += " (dry run: nothing was written)"
    return text


def human_size(size: int) -> str:
    """``512 B``, ``1.5 KiB``, ``300.0 MiB``."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
