"""Run ``parley`` commands in-process against the app on a real HTTP server, with a user's token."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from click.testing import CliRunner

from parley.cli import cli
from tests.web.conftest import api_token
from tests.web.http_server import serve_app


@dataclass
class CliApi:
    url: str
    tokens: dict[str, str] = field(default_factory=dict)

    def run(self, user: str, *args: str) -> tuple[int, str]:
        """``parley ARGS`` as ``user`` (their token made on first use): exit code and output."""
        if user not in self.tokens:
            self.tokens[user] = api_token(user)
        env = {"PARLEY_URL": self.url, "PARLEY_TOKEN": self.tokens[user], "PARLEY_CONFIG": None}
        result = CliRunner().invoke(cli, list(args), env=env)
        return result.exit_code, result.output


@contextmanager
def cli_api() -> Iterator[CliApi]:
    with serve_app() as url:
        yield CliApi(url)
