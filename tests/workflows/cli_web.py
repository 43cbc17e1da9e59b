"""The CLI as people use it: the web app on a real HTTP server over a test stack, a token per
person, and ``parley`` run as a child process with ``PARLEY_URL`` and ``PARLEY_TOKEN``."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from sqlmodel import Session

from parley.settings import get_settings
from store.crud import users as users_crud
from store.engine import engine_for
from tests.web.http_server import serve_app
from tests.workflows.harness import Stack


@dataclass
class CliWeb:
    """The app's address over ``stack``, and one token per user, made on first use."""

    stack: Stack
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            with Session(engine_for(self.stack.database_url), expire_on_commit=False) as session:
                user = users_crud.get_user_by_username(session=session, username=username)
                assert user is not None and user.id is not None, username
                _, plain = users_crud.create_api_token(session=session, user_id=user.id, label="cli test")
                session.commit()
            self.tokens[username] = plain
        return self.tokens[username]

    def parley(self, username: str | None, *args: str) -> subprocess.CompletedProcess[str]:
        """``parley ARGS`` with ``username``'s token (``None``: no token at all)."""
        env = {k: v for k, v in os.environ.items() if k not in ("PARLEY_TOKEN", "PARLEY_CONFIG")}
        env.update(PARLEY_URL=self.url, HOME="/nonexistent")  # no config file of the machine's
        if username is not None:
            env["PARLEY_TOKEN"] = self.token(username)
        return subprocess.run(
            [sys.executable, "-m", "parley", *args], env=env, capture_output=True, text=True, timeout=60
        )


@contextmanager
def web_for(stack: Stack) -> Iterator[CliWeb]:
    """The app on a free loopback port, its settings pointing at ``stack``."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PARLEY_TEMPORAL_ADDRESS", stack.server.address)
        patch.setenv("PARLEY_TASK_QUEUE", stack.task_queue)
        patch.setenv("PARLEY_DATABASE_URL", stack.database_url)
        patch.setenv("PARLEY_RULEBOOK_DIR", str(stack.rulebook_dir))
        get_settings.cache_clear()
        try:
            with serve_app() as url:
                yield CliWeb(stack, url)
        finally:
            get_settings.cache_clear()
