"""Configuration errors: every problem named, every problem reported at once."""

from __future__ import annotations

from collections.abc import Iterable

import attrs
from django.core.exceptions import ImproperlyConfigured

__all__ = ["ConfigurationError", "PrivatePublicMixedError", "Problem", "ServerUnavailableError"]


@attrs.frozen
class Problem:
    """One configuration mistake: where it is, what is wrong and how to fix it.

    ``code`` is the number of the system check that reports it (``E001``, ``W002``...).
    Messages never contain a secret: validators describe secret values, they never echo them.
    """

    message: str
    setting: str | None = None
    profile: str | None = None
    hint: str | None = None
    code: str = "E001"

    def for_profile(self, profile: str) -> Problem:
        """The same problem, attributed to ``profile``."""
        return attrs.evolve(self, profile=profile)

    def __str__(self) -> str:
        parts = []
        if self.profile is not None:
            parts.append(f"profile {self.profile!r}")
        if self.setting is not None:
            parts.append(self.setting)
        parts.append(self.message)
        text = ": ".join(parts)
        if self.hint:
            text += f" ({self.hint})"
        return text


# The check id of a bucket listed as both private and public; it selects PrivatePublicMixedError.
MIXED_BUCKET_CODE = "E004"


class ConfigurationError(ImproperlyConfigured):
    """The MinIO configuration is wrong. ``problems`` lists every mistake found."""

    problems: tuple[Problem, ...]

    def __init__(self, problems: str | Problem | Iterable[Problem]) -> None:
        if isinstance(problems, str):
            problems = (Problem(problems),)
        elif isinstance(problems, Problem):
            problems = (problems,)
        self.problems = tuple(problems)
        super().__init__(self._render())

    def _render(self) -> str:
        if len(self.problems) == 1:
            return str(self.problems[0])
        lines = [f"{len(self.problems)} problems in the MinIO configuration:"]
        lines.extend(f"  - {problem}" for problem in self.problems)
        return "\n".join(lines)

    @staticmethod
    def from_problems(problems: Iterable[Problem]) -> ConfigurationError:
        """The right error class for ``problems``: mixed buckets get their own subclass."""
        problems = tuple(problems)
        if any(problem.code == MIXED_BUCKET_CODE for problem in problems):
            return PrivatePublicMixedError(problems)
        return ConfigurationError(problems)


class PrivatePublicMixedError(ConfigurationError):
    """A bucket is listed both as private and as public."""


class ServerUnavailableError(ConnectionError):
    """A MinIO server could not be reached, or did not answer within the profile's timeouts."""

    def __init__(self, profile: str, endpoint: str, reason: object) -> None:
        self.profile = profile
        self.endpoint = endpoint
        super().__init__(f"profile {profile!r}: MinIO at {endpoint} is unavailable: {reason}")
