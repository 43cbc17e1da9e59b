"""Servers for HTTP client tests: the app on a real threaded WSGI server, and a scripted one."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from werkzeug.serving import make_server

from web import create_app


@contextmanager
def serve_app() -> Iterator[str]:
    """The app behind a real threaded WSGI server on a free loopback port; yields its address."""
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass
class Answer:
    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Script:
    """Answers given in turn (the last one repeats) and the requests received, as (method, path)."""

    answers: list[Answer]
    received: list[tuple[str, str]] = field(default_factory=list)

    def next(self, method: str, path: str) -> Answer:
        self.received.append((method, path))
        return self.answers[min(len(self.received), len(self.answers)) - 1]


@contextmanager
def scripted(script: Script) -> Iterator[str]:
    """A local HTTP server that answers every request from ``script``; yields its address."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer = script.next(self.command, self.path)
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_DELETE = do_PATCH = _answer

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class Recording(httpx.HTTPTransport):
    """A real transport that keeps each answer's (method, path, status)."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, int]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        self.seen.append((request.method, request.url.path, response.status_code))
        return response
