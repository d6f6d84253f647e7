"""A local HTTP server that replays recorded service responses, for the fetch tests.

Each request is matched by a route function (path, query) -> list of replies; replies for
a route are served in turn (the last one repeats), so a test can script "429, then 200".
Every request is logged with its path, query and headers.
"""

from __future__ import annotations

import os
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


def reachable(host: str) -> bool:
    """Whether the machine reaches a service (live tests run only where it does)."""
    try:
        socket.create_connection((host, 443), timeout=3).close()
        return True
    except OSError:
        return False


# A live UN Comtrade test: with a key in COMTRADE_KEY and the service reachable.
live_comtrade = pytest.mark.skipif(
    not os.environ.get("COMTRADE_KEY") or not reachable("comtradeapi.un.org"),
    reason="live test: needs COMTRADE_KEY and network")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    cut_at: int | None = None  # send only this many bytes of the body, then close
    content_type: str = "application/json"
    # False: no Content-Length header, so only the body's own form can show it was cut
    announce_length: bool = True


@dataclass
class Replay:
    routes: dict[str, list[Reply]]  # route key -> replies in turn
    route_of: object  # (path, query dict) -> route key
    requests: list[dict] = field(default_factory=list)
    served: dict[str, int] = field(default_factory=dict)

    def reply_for(self, path: str, query: dict[str, str]) -> Reply:
        key = self.route_of(path, query)
        replies = self.routes.get(key)
        if not replies:
            return Reply(404, b'{"message": "no recorded response for this query"}')
        turn = self.served.get(key, 0)
        self.served[key] = turn + 1
        return replies[min(turn, len(replies) - 1)]


def _handler(replay: Replay):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parsed = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parsed.query))
            replay.requests.append({"path": parsed.path, "query": query,
                                    "headers": dict(self.headers)})
            reply = replay.reply_for(parsed.path, query)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            if reply.announce_length:
                self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body[:reply.cut_at])
            if reply.cut_at is not None or not reply.announce_length:
                self.close_connection = True

        def log_message(self, *args):  # quiet
            pass

    return Handler


class ReplayServer:
    """Context manager: `with ReplayServer(replay) as base_url:`."""

    def __init__(self, replay: Replay):
        self.replay = replay
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
