"""Terminal output helpers for CLI commands: one-line errors instead of tracebacks, and the
lines every process's ``show`` prints alike."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

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


def when(value: object) -> str:
    """A moment as the commands print it (seconds, with its offset), or ``-``."""
    return value.isoformat(timespec="seconds") if hasattr(value, "isoformat") else "-"


def echo_history(history: Sequence[Any], width: int) -> None:
    """A process's transitions, one a line: when, action (padded to ``width``), states, who, why."""
    for step in history:
        who = f"{step.actor} for {step.on_behalf_of}" if step.on_behalf_of else step.actor
        note = f" - {step.comment}" if step.comment else ""
        click.echo(f"  {when(step.at)}  {step.action:{width}} {step.before} -> {step.after}  by {who}{note}")
