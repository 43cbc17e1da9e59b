"""Terminal output helpers for CLI commands: one-line errors instead of tracebacks."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import click

from parley.errors import ParleyError

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    raise SystemExit(code)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Parley's own errors into one line on stderr and a non-zero exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ParleyError as exc:
            fail(str(exc))
            raise AssertionError("unreachable") from exc

    return wrapper
