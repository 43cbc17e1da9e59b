"""Accepted updates on their way to the run loop, so the run method stays the only writer of state.

An update handler submits its (validated) input and waits; the run loop takes the next command at
its next wait, applies or refuses it, and finishes it; the handler then returns the state that
came of it, or raises the refusal. Commands carry the typed update itself: a process dispatches
with ``match`` on the union of its update types, which mypy checks.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.human.authority import REFUSED

U = TypeVar("U")


@dataclass
class Command(Generic[U]):
    """An accepted update waiting for the run loop; ``error`` set when it turned out stale."""

    update: U
    done: bool = False
    error: str | None = None


class CommandQueue(Generic[U]):
    def __init__(self) -> None:
        self._waiting: list[Command[U]] = []

    async def submit(self, update: U) -> None:
        """Queue ``update`` and wait until the run loop has applied it; raise if it refused."""
        command = Command(update)
        self._waiting.append(command)
        await workflow.wait_condition(lambda: command.done)
        if command.error is not None:
            raise ApplicationError(command.error, type=REFUSED, non_retryable=True)

    def post(self, update: U) -> None:
        """Queue ``update`` without waiting for it (a signal: nobody waits for an answer)."""
        self._waiting.append(Command(update))

    def pending(self, *types: type, where: Callable[[Any], bool] | None = None) -> bool:
        """Whether an update of one of ``types`` (and meeting ``where``) waits to be applied."""
        return any(
            isinstance(c.update, types) and (where is None or where(c.update))
            for c in self._waiting
            if not c.done
        )

    async def next(self, until: datetime | None) -> Command[U] | None:
        """The next queued command, waiting for one until ``until`` (None: no deadline)."""
        if not self._waiting:
            if until is None:
                await workflow.wait_condition(lambda: bool(self._waiting))
            else:
                timeout = until - workflow.now()
                if timeout > timedelta(0):
                    with suppress(TimeoutError):
                        await workflow.wait_condition(lambda: bool(self._waiting), timeout=timeout)
        return self._waiting.pop(0) if self._waiting else None

    @staticmethod
    def finish(command: Command[U], error: str | None = None) -> None:
        command.error = error
        command.done = True

    def refuse_all(self, why: str) -> None:
        """Answer every queued command that the process can no longer apply."""
        while self._waiting:
            self.finish(self._waiting.pop(0), why)
