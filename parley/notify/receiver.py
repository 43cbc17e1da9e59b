"""A webhook receiver for trying Parley's webhooks: checks each call's signature the way any
receiver should (docs/notifications.md), prints the event, and answers 204, or 401 when the
signature is missing, wrong or stale. Calls repeated under one ``Parley-Delivery`` key are
answered but printed once."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from parley.notify.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify


def receiver_server(host: str, port: int, secret: str, show: Callable[[str], None]) -> ThreadingHTTPServer:
    seen: set[str] = set()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            valid = verify(
                secret,
                timestamp=self.headers.get(TIMESTAMP_HEADER, ""),
                signature=self.headers.get(SIGNATURE_HEADER, ""),
                body=body,
                now=time.time(),
            )
            self.send_response(204 if valid else 401)
            self.end_headers()
            if not valid:
                show(f"refused a call to {self.path}: missing, wrong or stale signature")
                return
            key = self.headers.get(DELIVERY_HEADER, "")
            with lock:
                repeat = key in seen
                seen.add(key)
            if not repeat:
                event = json.loads(body)
                show(f"{event['type']}: {event['subject']} ({event['event_id']}) signature valid")

        def log_message(self, format: str, *args: object) -> None:
            """The events are printed instead of an access log."""

    return ThreadingHTTPServer((host, port), Handler)
