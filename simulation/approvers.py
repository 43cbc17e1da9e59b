"""Approvers in the sandbox: per-role pools working their calendars, and the walk of a path.

A registration's route and a discount's chain are both ``rules.approval`` paths, walked here by
``rules.approval.advance`` — the same function the live workflows walk them with. Each role of a
step gets its own task; answers reach the walk in the order they come, so an all-of step passes
with its last approval and fails on its first rejection, and a breached SLA escalates as the
path says.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import simpy

from rules.approval import ApprovalPath, Breached, Decided, Position, advance, start, waiting_for
from simulation.calendar import WorkCalendar
from simulation.ledger import Ledger
from simulation.scenario import Scenario

ProcessGen = Generator[simpy.Event, Any, Any]
# One task of a walk: (role, SLA, handling-time normal, choice uniform) -> True, False or None.
Task = Callable[[str, float, float, float], ProcessGen]


def answers_in_time(done: float, deadline: float, margin: float = 0.0) -> bool:
    """Whether an approver who finishes a task at ``done`` answers it before its ``deadline``.

    With a ``margin``, one who would finish within it of the deadline lets the task lapse: the
    fidelity harness's bots do, so that no answer of theirs races the live timer
    (``docs/fidelity.md``), and the sandbox runs their KPIs are held against do the same.
    """
    return done <= deadline - margin


class Approvers:
    """Per-role approver pools: capacity, working calendar, handling times, time accounting.

    ``answer_margin`` (simulated seconds; see :func:`answers_in_time`) is 0 but in the runs the
    fidelity harness holds its live run against.
    """

    def __init__(
        self, env: simpy.Environment, scenario: Scenario, ledger: Ledger, answer_margin: float = 0.0
    ) -> None:
        self.env = env
        self.answer_margin = answer_margin
        lo, hi = ledger.window
        self.window = (lo, hi)
        self.pool: dict[str, simpy.Resource] = {}
        self.calendar: dict[str, WorkCalendar] = {}
        self.handling: dict[str, tuple[float, float]] = {}
        self.approve_rate: dict[str, float] = {}
        self.busy = ledger.busy
        for name, role in scenario.approvers.items():
            self.pool[name] = simpy.Resource(env, capacity=role.staff)
            cal = WorkCalendar.for_role(role, scenario.start)
            self.calendar[name] = cal
            self.handling[name] = (role.handling.median, role.handling.sigma)
            self.approve_rate[name] = role.approve_rate
            ledger.available[name] = role.staff * cal.worked(lo, hi)
            self.busy[name] = 0.0

    def task(self, role: str, sla: float, z: float, u: float) -> ProcessGen:
        """One approver task: queue, work on the role's calendar, answer or run out of SLA.

        Returns True (approve), False (reject) or None (the SLA passed first).
        """
        env = self.env
        deadline = env.now + sla
        request = self.pool[role].request()
        if not request.triggered:
            yield first_of(env, request, env.timeout(sla))
            if not request.triggered:
                request.cancel()
                return None
        started = env.now
        median, sigma = self.handling[role]
        cal = self.calendar[role]
        done = cal.finish(started, median * math.exp(sigma * z))
        in_time = answers_in_time(done, deadline, self.answer_margin)
        end = done if in_time else min(done, deadline)
        if end > started:
            yield env.timeout(end - started)
        self.pool[role].release(request)
        lo, hi = self.window
        a, b = max(started, lo), min(end, hi)
        if b > a:
            self.busy[role] += cal.worked(a, b)
        if not in_time:
            if deadline > env.now:  # finished within the margin: the answer is not sent
                yield env.timeout(deadline - env.now)
            return None
        return u < self.approve_rate[role]

    def walk(
        self,
        path: ApprovalPath,
        z: np.ndarray,
        u: np.ndarray,
        slots: Iterator[int],
        carried: frozenset[str] = frozenset(),
        approved_by: list[str] | None = None,
        stop: simpy.Event | None = None,
        task: Task | None = None,
        first_step: int = 0,
    ) -> ProcessGen:
        """Walk ``path`` from now to its end; returns the ``Position`` it ended at.

        ``slots`` hands out the lead's pre-drawn handling time and choice, one per task opened.
        ``carried`` roles count as approved wherever they appear (``rules.approval.start``): a path
        they cover ends at once, before any task is opened. Every role whose approval the path
        takes is appended to ``approved_by``. Once ``stop`` has fired (the partner revised the
        request), the walk returns where it stands, not ended.
        A task still running when its step has moved on or the walk stopped finishes its work
        (the approver was busy with it) but its answer no longer counts. ``task`` replaces
        :meth:`task` for a process whose people answer differently (a dispute's hearing);
        ``first_step`` takes a walk up again at that step (a level hearing a case once more).
        """
        env = self.env
        task = task or self.task
        position = start(path, env.now, carried, first_step)
        while position.end is None:
            if stop is not None and stop.triggered:
                return position
            roles = waiting_for(path, position)
            sla = position.remaining
            if len(roles) == 1 and stop is None:
                slot = next(slots)
                answer = yield from task(roles[0], sla, float(z[slot]), float(u[slot]))
                position = _answered(path, position, roles[0], answer, env.now, approved_by)
                continue
            position = yield from self._parallel(
                path, position, roles, sla, z, u, slots, approved_by, stop, task
            )
        return position

    def _parallel(
        self,
        path: ApprovalPath,
        position: Position,
        roles: tuple[str, ...],
        sla: float,
        z: np.ndarray,
        u: np.ndarray,
        slots: Iterator[int],
        approved_by: list[str] | None,
        stop: simpy.Event | None,
        task: Task,
    ) -> ProcessGen:
        """One step: its tasks all at once, answers fed in as they come; returns when the step
        is over or ``stop`` has fired."""
        env = self.env
        answers: list[tuple[str, bool | None]] = []
        woken = [env.event()]

        def wake(_event: simpy.Event) -> None:
            if not woken[0].triggered:
                woken[0].succeed()

        def answered(role: str) -> Any:
            def record(event: simpy.Event) -> None:
                answers.append((role, event.value))
                wake(event)

            return record

        for role in roles:
            slot = next(slots)
            env.process(task(role, sla, float(z[slot]), float(u[slot]))).callbacks.append(answered(role))
        if stop is not None:
            stop.callbacks.append(wake)
        step = position.step
        while position.end is None and position.step == step:
            if not answers:
                if stop is not None and stop.triggered:
                    break
                yield woken[0]
                woken[0] = env.event()
                continue
            role, answer = answers.pop(0)
            position = _answered(path, position, role, answer, env.now, approved_by)
        return position


def _answered(
    path: ApprovalPath,
    position: Position,
    role: str,
    answer: bool | None,
    now: float,
    approved_by: list[str] | None,
) -> Position:
    """The position after ``role``'s answer (None: its SLA passed first)."""
    if answer is None:
        return advance(path, position, Breached(now))
    position = advance(path, position, Decided(role, answer, now))
    if answer and approved_by is not None:
        approved_by.append(role)
    return position


def slot_sequence(first: int, last: int) -> Iterator[int]:
    """``first``, ``first + 1`` ... up to ``last``, then ``last`` for every further task."""
    slot = first
    while True:
        yield min(slot, last)
        slot += 1


def first_of(env: simpy.Environment, *events: simpy.Event) -> simpy.Event:
    """Fires when the first of ``events`` does: ``a | b`` without the condition's value, which
    the approver queue never reads (most tasks wait in the queue, so this runs for most)."""
    woken = env.event()

    def wake(_event: simpy.Event) -> None:
        if not woken.triggered:
            woken.succeed()

    for event in events:
        event.callbacks.append(wake)
    return woken
