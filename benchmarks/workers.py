"""Harness side of the worker protocol (see ``contenders/common.py``): one process per contender."""

from __future__ import annotations

import json
import os
import select
import subprocess
from pathlib import Path
from typing import IO, Any

COMMAND_TIMEOUT = 900.0
# A worker configures Django itself and must import only what its own environment holds.
_DROPPED_ENV = frozenset({"PYTHONPATH", "PYTHONHOME", "DJANGO_SETTINGS_MODULE"})


class WorkerError(RuntimeError):
    """A worker failed a command, crashed, or did not answer in time."""


class Worker:
    """A contender's worker process; ``request`` sends one command and returns its results."""

    def __init__(
        self,
        python: str,
        script: Path,
        config: dict[str, Any],
        log_path: Path,
        cwd: Path,
        extra_path: str | None = None,
    ) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
        env["PYTHONUNBUFFERED"] = "1"
        if extra_path:
            env["BENCH_EXTRA_PATH"] = extra_path
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        # The script's own folder is the only project path on sys.path: a peer with the same
        # import name as this package (upstream) must not see this repository's package.
        self.process = subprocess.Popen(
            [python, str(script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._log,
            cwd=cwd,
            env=env,
            text=True,
        )
        self.versions: dict[str, str] = {}
        self._config = config

    def handshake(self) -> dict[str, str]:
        """Send the configuration; wait until the worker is set up. Returns its versions."""
        self.versions = self._exchange(self._config)["versions"]
        return self.versions

    def _exchange(self, message: dict[str, Any]) -> dict[str, Any]:
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(json.dumps(message) + "\n")
            stdin.flush()
        except BrokenPipeError as exc:
            raise WorkerError(f"worker exited; see {self.log_path}") from exc
        ready, _, _ = select.select([stdout], [], [], COMMAND_TIMEOUT)
        if not ready:
            self.close()
            raise WorkerError(f"no answer in {COMMAND_TIMEOUT:.0f} s; see {self.log_path}")
        line = stdout.readline()
        if not line:
            raise WorkerError(f"worker exited (code {self.process.wait()}); see {self.log_path}")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise WorkerError(answer["error"].rstrip())
        return answer

    def request(
        self, workload: str, params: dict[str, Any], profile: str | None = None
    ) -> list[dict[str, Any]]:
        message: dict[str, Any] = {"workload": workload, "params": params}
        if profile:
            message["profile"] = profile
        results: list[dict[str, Any]] = self._exchange(message)["results"]
        return results

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            try:
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._log.close()
