"""Real receivers for the delivery tests: an SMTP server (aiosmtpd) and an HTTP webhook receiver,
each on a free loopback port, recording what arrives.

The HTTP receiver is programmable per path: a list of behaviours used one per call ("ok",
"fail" = HTTP 500, "slow" = answer after ``slow_seconds``), the last repeated.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from tests.fixtures_temporal import free_port


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            message = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            assert isinstance(message, EmailMessage)
            self.messages.append(message)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    mailbox: _Mailbox

    def to(self, address: str) -> list[EmailMessage]:
        with self.mailbox.lock:
            return [m for m in self.mailbox.messages if m["To"] == address]


def smtp_server() -> Generator[SmtpServer, None, None]:
    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(port, mailbox)
    finally:
        controller.stop()


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int

    @property
    def payload(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


@dataclass
class WebhookReceiver:
    port: int
    calls: list[Call] = field(default_factory=list)
    plans: dict[str, list[str]] = field(default_factory=dict)
    slow_seconds: float = 2.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def plan(self, path: str, *behaviours: str) -> str:
        self.plans[path] = list(behaviours)
        return self.url(path)

    def next_behaviour(self, path: str) -> str:
        with self.lock:
            plan = self.plans.get(path, ["ok"])
            return plan.pop(0) if len(plan) > 1 else plan[0]

    def at(self, path: str) -> list[Call]:
        with self.lock:
            return [call for call in self.calls if call.path == path]


def webhook_receiver() -> Generator[WebhookReceiver, None, None]:
    receiver = WebhookReceiver(free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            behaviour = receiver.next_behaviour(self.path)
            if behaviour == "slow":
                time.sleep(receiver.slow_seconds)
            status = 500 if behaviour == "fail" else 200
            with receiver.lock:
                receiver.calls.append(Call(self.path, dict(self.headers.items()), body, time.time(), status))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads the calls, not a log."""

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
