"""A development mail server: accepts every message on a loopback port and keeps it as a file.

``parley up`` runs it when no SMTP host is configured, so a newcomer sees the mails Parley would
send (``var/mail/*.eml``, and one line each in the console) without a mail account. It relays
nothing: production sets ``PARLEY_SMTP_HOST`` and this never starts.
"""

from __future__ import annotations

import signal
import threading
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller


class _Keeper:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = len(list(folder.glob("*.eml")))
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw: bytes = envelope.original_content or envelope.content
        message = message_from_bytes(raw, policy=policy.default)
        with self.lock:
            self.count += 1
            path = self.folder / f"{self.count:06d}.eml"
        path.write_bytes(raw)
        print(f"mail to {', '.join(envelope.rcpt_tos)}: {message['Subject']} ({path})", flush=True)
        return "250 Kept for development"


def run_mail_sink(folder: Path, host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    folder.mkdir(parents=True, exist_ok=True)
    controller = Controller(_Keeper(folder), hostname=host, port=port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    controller.start()
    print(f"mail sink ready on {host}:{port}, keeping mails in {folder}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
