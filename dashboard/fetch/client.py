"""A small JSON-over-HTTP client on the standard library: retries, backoff, clear failures.

- 429 and 503 are retried after the server's Retry-After (seconds or an HTTP date), else
  after an exponential backoff (`backoff_seconds` * 2**attempt); a wait longer than
  `max_wait_seconds` is not slept through: the run stops with "rate limited" and says
  when to try again.
- other 5xx answers, refused connections and timeouts are retried with the backoff, then
  reported as an outage; 401/403 stop at once (a bad or missing key); 400/404 stop with
  the service's own message.
- a body shorter than its Content-Length, or JSON that stops early, is retried, then
  reported as truncated.

`sleep` and `opener` are injected so tests neither sleep nor need a network.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from dashboard.fetch.errors import Failure, FetchError, FetchFailure

RETRIED_STATUS = frozenset({429, 500, 502, 503, 504})
WAIT_STATUS = frozenset({429, 503})  # the ones that may carry Retry-After
Read = TypeVar("Read")
USER_AGENT = "rare-earth-trade-dashboard (+https://github.com/; python urllib)"


def log_to_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@dataclass
class HttpClient:
    """GETs JSON; `requests_made` counts every attempt (tests check resumed runs with it)."""

    sleep: Callable[[float], None] = time.sleep
    opener: Callable = urllib.request.urlopen
    log: Callable[[str], None] = log_to_stderr
    timeout_seconds: float = 120.0
    max_attempts: int = 5
    backoff_seconds: float = 2.0
    max_wait_seconds: float = 600.0
    requests_made: int = 0
    slept_seconds: list[float] = field(default_factory=list)

    def get_json(self, url: str, params: dict[str, str],
                 headers: dict[str, str] | None = None) -> tuple[bytes, object]:
        """(body as received, parsed JSON) of a GET; FetchError when it cannot be had."""
        return self.get_read(url, params, _parse_json, headers)

    def get_read(self, url: str, params: dict[str, str], read: Callable[[bytes], Read],
                 headers: dict[str, str] | None = None) -> tuple[bytes, Read]:
        """(body as received, `read(body)`) of a GET; FetchError when it cannot be had.

        `read` raises `BodyCut` for a body that stops early (retried, then "truncated") and
        ValueError for one that is whole but not what was asked for (the run stops).
        """
        full_url = f"{url}?{urllib.parse.urlencode(params)}" if params else url
        last: FetchFailure | None = None
        for attempt in range(self.max_attempts):
            try:
                body = self._get_once(full_url, headers or {})
                return body, _read_checked(read, body, full_url)
            except _Retry as retry:
                last = retry.failure
                wait = retry.wait if retry.wait is not None else (
                    self.backoff_seconds * 2 ** attempt)
                if wait > self.max_wait_seconds:
                    raise FetchError(FetchFailure(last.reason, full_url, (
                        f"{last.message}; the service asks to wait {wait:,.0f} s, longer than"
                        f" {self.max_wait_seconds:,.0f} s: run the same command again later"
                        " (finished pieces are kept)"))) from None
                if attempt + 1 < self.max_attempts:
                    self.log(f"  {last.reason}: {last.message}; retrying in {wait:,.1f} s"
                             f" (attempt {attempt + 2} of {self.max_attempts})")
                    self.slept_seconds.append(wait)
                    self.sleep(wait)
        assert last is not None
        raise FetchError(FetchFailure(last.reason, full_url, (
            f"{last.message}, {self.max_attempts} attempts")))

    def _get_once(self, url: str, headers: dict[str, str]) -> bytes:
        self.requests_made += 1
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept": "application/json", **headers})
        try:
            with self.opener(request, timeout=self.timeout_seconds) as response:
                body = response.read()
                announced = response.headers.get("Content-Length")
        except urllib.error.HTTPError as error:
            raise _status_failure(error, url) from None
        except http.client.IncompleteRead as error:
            raise _Retry(Failure.TRUNCATED, url, (
                f"the body stopped after {len(error.partial):,} bytes")) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError,
                http.client.HTTPException) as error:
            reason = getattr(error, "reason", error)
            raise _Retry(Failure.OUTAGE, url, f"no answer from the service ({reason})") from None
        if announced and announced.isdigit() and int(announced) != len(body):
            raise _Retry(Failure.TRUNCATED, url, (
                f"{len(body):,} bytes received of the {int(announced):,} announced"))
        return body


class _Retry(Exception):
    def __init__(self, reason: Failure, url: str, message: str, wait: float | None = None):
        self.failure = FetchFailure(reason, url, message)
        self.wait = wait
        super().__init__(message)


class BodyCut(Exception):
    """Raised by a body reader: the body stops early (the message says where)."""


def _read_checked(read: Callable[[bytes], Read], body: bytes, url: str) -> Read:
    try:
        return read(body)
    except BodyCut as cut:
        raise _Retry(Failure.TRUNCATED, url, str(cut)) from None
    except ValueError as error:  # whole, but not the format asked for
        raise FetchError(FetchFailure(Failure.SERVICE_ERROR, url, str(error))) from None


def _parse_json(body: bytes) -> object:
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        cut = isinstance(error, json.JSONDecodeError) and error.pos >= len(body.rstrip()) - 1
        what = "the JSON stops early" if cut else f"not valid JSON ({error})"
        raise BodyCut(f"{what} at byte {len(body):,}") from None


def _status_failure(error: urllib.error.HTTPError, url: str) -> Exception:
    """The exception for an HTTP error status: a _Retry, or a FetchError that stops the run."""
    message = _service_message(error)
    status = error.code
    if status in (401, 403):
        return FetchError(FetchFailure(Failure.BAD_KEY, url, (
            f"HTTP {status}: the service refused the key ({message}). Check the key in the"
            " environment variable named by --key-env, or run without one for preview data")))
    if status in RETRIED_STATUS:
        reason = Failure.RATE_LIMITED if status == 429 else Failure.OUTAGE
        wait = retry_after_seconds(error.headers.get("Retry-After")) if (
            status in WAIT_STATUS) else None
        return _Retry(reason, url, f"HTTP {status} ({message})", wait)
    return FetchError(FetchFailure(Failure.SERVICE_ERROR, url, f"HTTP {status}: {message}"))


def _service_message(error: urllib.error.HTTPError) -> str:
    """The service's own words: Comtrade's gateway answers {"statusCode": .., "message": ..}."""
    try:
        text = error.read(4096).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        text = ""
    try:
        found = json.loads(text)
        if isinstance(found, dict):
            text = str(found.get("message") or found.get("error") or text)
    except json.JSONDecodeError:
        pass
    return " ".join(text.split())[:300] or error.reason or "no message"


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date.

    >>> retry_after_seconds("7")
    7.0
    >>> retry_after_seconds("Thu, 01 Jan 1970 00:01:00 GMT", now=0.0)
    60.0
    >>> retry_after_seconds("soon") is None
    True
    """
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
