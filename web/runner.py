"""Run async client calls (Temporal) from Flask's synchronous views.

One event loop per process, in a daemon thread, owns every Temporal client the web app uses, so a
connection is made once and reused across requests instead of once per request. It is started
lazily, after a gunicorn fork, so each worker process has its own loop.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from parley.errors import ServiceUnavailable

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="parley-web-async", daemon=True).start()
            _loop = loop
        return _loop


def run(coro: Coroutine[Any, Any, T], *, timeout: float = 20.0) -> T:
    """Run ``coro`` on the shared loop and wait for it; a hang becomes ServiceUnavailable."""
    future = asyncio.run_coroutine_threadsafe(coro, _background_loop())
    try:
        return future.result(timeout)
    except TimeoutError as exc:
        future.cancel()
        raise ServiceUnavailable("the approval service", f"no answer within {timeout:.0f}s") from exc
