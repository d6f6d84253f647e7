"""Why a fetch stopped: a fixed set of reasons and one exception that carries its record.

Shaped like `dashboard.ingest.problems`: the CLI prints the message, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Failure(StrEnum):
    BAD_KEY = "bad or missing key"  # 401/403
    RATE_LIMITED = "rate limited"  # 429 past the retries, or a wait longer than allowed
    OUTAGE = "service unavailable"  # 5xx, refused or timed-out connections, past the retries
    TRUNCATED = "truncated response"  # a body shorter than announced, or JSON cut short
    SERVICE_ERROR = "service refused the query"  # 400/404, or an "error" answer without data


@dataclass(frozen=True)
class FetchFailure:
    reason: Failure
    url: str  # never holds the key: the key travels in a header
    message: str

    def __str__(self) -> str:
        return f"{self.reason}: {self.message} ({self.url})"


class FetchError(Exception):
    """A request that could not be completed; `failure` says why, for a person to act on."""

    def __init__(self, failure: FetchFailure):
        self.failure = failure
        super().__init__(str(failure))
