"""The shipped production configs: gunicorn's follows the app's limits, nginx's is valid and
matches them, and behind it slow clients do not take the app down."""

from __future__ import annotations

import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows
from gunicorn.config import KNOWN_SETTINGS
from gunicorn_server import free_port

from dashboard.settings import Settings

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"
NGINX_CONF = DEPLOY / "nginx.conf"
MB = 1024 * 1024  # nginx's "m"


def gunicorn_settings(monkeypatch, **environ) -> dict:
    for name, value in environ.items():
        monkeypatch.setenv(f"RARE_EARTH_{name}", value)
    return {k: v for k, v in runpy.run_path(str(GUNICORN_CONF)).items()
            if not k.startswith("_") and k not in {"annotations", "os", "Settings"}}


def nginx_value(name: str) -> str:
    return re.search(rf"^\s*{name}\s+([^;]+);", NGINX_CONF.read_text(), re.M).group(1)


def seconds(text: str) -> int:
    return int(text.removesuffix("s"))


def test_the_gunicorn_config_follows_the_app_s_own_limits(monkeypatch):
    conf = gunicorn_settings(monkeypatch, UPLOAD_SECONDS="120")
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert set(conf) <= known, set(conf) - known  # every name is one gunicorn reads
    assert conf["timeout"] > 120 and conf["graceful_timeout"] >= conf["timeout"]
    assert conf["worker_class"] == "gthread" and conf["threads"] > 1
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert gunicorn_settings(monkeypatch, UPLOAD_SECONDS="60")["timeout"] > 60


def test_nginx_limits_sit_just_above_the_app_s(monkeypatch):
    from dashboard.web.guard import MAX_BODY_BYTES

    app_limit = int(Settings().max_upload_mb * 1e6 * 1.4) + 1_000_000  # app.py's
    body = int(nginx_value("client_max_body_size").removesuffix("m")) * MB
    assert app_limit <= body <= app_limit * 1.1 and body <= MAX_BODY_BYTES
    gunicorn_timeout = gunicorn_settings(monkeypatch)["timeout"]
    assert seconds(nginx_value("proxy_read_timeout")) >= gunicorn_timeout
    assert nginx_value("proxy_request_buffering") == "on"
    assert nginx_value("proxy_buffering") == "on"
    assert seconds(nginx_value("client_header_timeout")) <= 15


def wait_for(url: str, process: subprocess.Popen, limit_s: float = 60) -> None:
    deadline = time.monotonic() + limit_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """gunicorn with the shipped config behind nginx with the shipped config: nginx's URL."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is not installed: scripts/test.sh installs it (nginx-light)")
    folder = tmp_path_factory.mktemp("deploy")
    write_rows(folder / "comtrade_plus.csv", PLUS_COLUMNS,
               [plus_row(reporter="410", year=2024, month=m, weight="1000") for m in range(1, 13)])
    app_port, proxy_port = free_port(), free_port()
    env = os.environ | {"RARE_EARTH_DATA": str(folder), "RARE_EARTH_CACHE_DIR": str(folder / "c"),
                        "RARE_EARTH_BIND": f"127.0.0.1:{app_port}", "RARE_EARTH_WORKERS": "1"}
    gunicorn = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "dashboard.wsgi:server"],
        env=env, cwd=GUNICORN_CONF.parents[1], stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    conf = folder / "nginx.conf"
    conf.write_text(NGINX_CONF.read_text().replace("listen 80;", f"listen 127.0.0.1:{proxy_port};")
                    .replace("127.0.0.1:8050", f"127.0.0.1:{app_port}"))
    directives = f"daemon off; pid {folder}/nginx.pid; error_log {folder}/error.log;"
    check = subprocess.run([nginx, "-t", "-c", str(conf), "-g", directives],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = subprocess.Popen([nginx, "-c", str(conf), "-g", directives])
    try:
        wait_for(f"http://127.0.0.1:{app_port}/healthz", gunicorn)
        wait_for(f"http://127.0.0.1:{proxy_port}/healthz", proxy)
        yield f"http://127.0.0.1:{proxy_port}", gunicorn
    finally:
        for process in (proxy, gunicorn):
            process.terminate()
            process.wait(30)


def test_slow_clients_behind_nginx_leave_the_app_answering(served):
    url, gunicorn = served
    host, port = url.removeprefix("http://").split(":")
    slow = []
    try:
        for _ in range(12):  # more than the worker's 4 threads
            sock = socket.create_connection((host, int(port)))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")  # never ends
            slow.append(sock)
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:
            assert response.status == 200 and b'"ok"' in response.read()
        with urllib.request.urlopen(f"{url}/nope", timeout=10) as response:
            pytest.fail(f"an unknown path answered {response.status}")
    except urllib.error.HTTPError as error:
        assert error.code == 404 and b'"error"' in error.read()
    finally:
        for sock in slow:
            sock.close()
    assert gunicorn.poll() is None


def test_a_new_app_serves_the_page_s_scripts_before_its_first_request(make_app, small_data):
    """Dash lists the scripts it serves on a process's first request, marking that done
    first: a gunicorn worker's other threads answered them 404 meanwhile (the page stayed
    "Loading..."). The app does it when it is built, so nothing waits for a first request."""
    app = make_app(small_data)
    served = app.registered_paths.get("dash", set())
    assert any(path.endswith(".min.js") and "react@" in path for path in served), served


def test_gunicorn_s_control_socket_is_off(monkeypatch):
    """It restarted a thread in the master at every worker fork (the master's memory grew
    with each replacement: benchmarks/load_test.py)."""
    assert gunicorn_settings(monkeypatch)["control_socket_disable"] is True
