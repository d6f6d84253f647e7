"""gunicorn serving the app as production does (dashboard.wsgi), and a plain HTTP getter."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PREFIX = "/rare-earths/"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) of a GET, error statuses included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Gunicorn:
    """`gunicorn --workers 2 dashboard.wsgi:server` on a free port, stopped by its pid."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "dashboard.wsgi:server"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"),
            stderr=subprocess.STDOUT)

    def wait_healthy(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                status, _, body = get(f"http://127.0.0.1:{self.port}{path}")
                if status == 200 and b'"ok"' in body:
                    return
            except OSError:
                pass
            time.sleep(0.25)  # polling a starting process, not waiting out a race
        pytest.fail(f"gunicorn not healthy after {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()  # the master stops its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
