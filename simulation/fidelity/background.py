"""What the live run's helpers share: a loop in a thread of its own, and a wait until nothing is
left to do (or a deadline)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime

from store.models import utcnow


def start(run: Callable[[threading.Event], None]) -> tuple[threading.Event, threading.Thread]:
    """Run ``run(stop)`` in a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(stop,), daemon=True)
    thread.start()
    return stop, thread


def wait_until_done(left: Callable[[], int], deadline: datetime) -> int:
    """Wait until ``left()`` is 0 or ``deadline`` passes; what is left then."""
    while True:
        remaining = left()
        if remaining <= 0 or utcnow() >= deadline:
            return max(remaining, 0)
        time.sleep(0.25)
