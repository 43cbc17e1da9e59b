"""A real HTTP server running the app, and Debian's chromium driven by Playwright, on SQLite.

The browser tests check what people see and click; every page and API answer they read is also
tested on both databases in ``tests/web`` and ``tests/workflows``, so they run once, on SQLite
(``database_url`` below), and not a second time on PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from werkzeug.serving import make_server

from tests.web.live import Live
from tests.web.live import live as live  # re-exported: the live stack fixture
from web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def database_url(sqlite_database_url: str) -> str:
    """This package's database: SQLite only (see the module's docstring)."""
    return sqlite_database_url


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    # Package scope, not session: while sync Playwright runs, its event loop is the running loop
    # of the main thread, and every later asyncio.run() in the suite would fail.
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@contextmanager
def serve() -> Iterator[str]:
    """The app behind a real threaded WSGI server on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, create_app(), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def web_server(live: Live) -> Iterator[str]:
    with serve() as base_url:
        yield base_url
