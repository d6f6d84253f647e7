"""Does a fresh gunicorn worker answer the page's scripts? Prints the answers; asserts nothing.

    .venv/bin/python benchmarks/dash_setup_race.py [--rounds 5] [--warmed]

Dash finishes its setup (among others the list of scripts that /_dash-component-suites/
serves) on a process's first request, in a before_request hook that marks the setup done
before doing it. While one thread of a fresh worker does it, the worker's other threads
answer script requests with 404, and a browser loading the page then shows "Loading..."
for good. Each round starts the shipped config (`gunicorn -c deploy/gunicorn.conf.py`,
2 workers of 4 threads), waits until the port accepts connections (no HTTP request, so
both workers are fresh), and sends 16 concurrent requests for one of the page's scripts.

--warmed serves a module that makes one request through Flask's test client after
`dashboard.wsgi` is imported, i.e. in the gunicorn master before it forks (preload_app):
every worker, and every replacement after max_requests, starts with the setup done.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
SCRIPT = "/_dash-component-suites/dash/deps/react@18.3.1.min.js"
WARMED = "from dashboard.wsgi import app, server\n\nserver.test_client().get('/healthz')\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def status_of(url: str) -> int | str:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            answer.read()
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError as error:
        return type(error).__name__


def one_round(folder: Path, warmed: bool) -> Counter:
    port = free_port()
    env = dict(os.environ, RARE_EARTH_BIND=f"127.0.0.1:{port}", RARE_EARTH_WORKERS="2",
               RARE_EARTH_CACHE_DIR=str(folder / "cache"))
    module = "dashboard.wsgi:server"
    command = [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py"]
    if warmed:
        (folder / "warmed_wsgi.py").write_text(WARMED)
        command += ["--pythonpath", str(folder)]
        module = "warmed_wsgi:server"
    with open(folder / "gunicorn.log", "ab") as log:
        server = subprocess.Popen([*command, module], cwd=REPO, env=env, stdout=log,
                                  stderr=log)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1.0)  # the workers are forked just after the port opens
        with ThreadPoolExecutor(16) as pool:
            return Counter(pool.map(status_of, [f"http://127.0.0.1:{port}{SCRIPT}"] * 16))
    finally:
        server.terminate()
        server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmed", action="store_true",
                        help="the setup done in the master before the fork")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dash-setup-race-"))
    total: Counter = Counter()
    for number in range(args.rounds):
        answers = one_round(folder, args.warmed)
        total += answers
        print(f"round {number + 1}: {dict(answers)}", flush=True)
    print(f"{'warmed' if args.warmed else 'as shipped'}: {dict(total)} over {args.rounds}"
          f" rounds of 16 concurrent requests for {SCRIPT} (log in {folder})")


if __name__ == "__main__":
    main()
