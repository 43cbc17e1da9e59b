"""The live engine's own time, taken out of the live latencies the KPIs are held on.

One live millisecond is 21.6 simulated seconds on the harness's clock, so the engine's response
time, milliseconds against hours of people's work on a real clock and not a term of the sandbox,
would be hours in every live latency (``docs/fidelity.md``, KPIs). A process a person decided is
decided when that person's answer was ready (the bot's plan), not when its workflow took it; one
the rules decided is decided when it was asked (it is decided on the facts then); a default is
the workflow's own timer and stays as recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from simulation.fidelity.inputs import Clock
from store.models import Task

ANSWERED = ("approved", "rejected")


def delivery(tasks: Iterable[Task], finished: dict[int, datetime]) -> dict[int, timedelta]:
    """Each task a bot answered and its workflow took: how long after its approver finished (the
    bot's plan, ``finished``) the workflow took the answer."""
    return {
        task.id: task.closed_at - finished[task.id]
        for task in tasks
        if task.id is not None
        and task.id in finished
        and task.outcome in ANSWERED
        and task.closed_at is not None
    }


def decided_moment(
    decided_at: datetime | None,
    asked_at: datetime,
    decided_by: str,
    tasks: list[Task],
    taken: dict[int, timedelta],
    opened_at: datetime | None = None,
) -> datetime | None:
    """When the process was decided, without the engine's time.

    For a person, the moment the answer that settled it (the last its workflow took) was ready:
    that task's ``closed_at`` less its delivery (``taken``, from :func:`delivery`), not when the
    workflow got round to recording the decision. For a person or a default, also less the time
    from ``asked_at`` to ``opened_at``, when the workflow started its first task's clock (the
    sandbox opens it when asked, and every later moment of the path, the approver's start
    included, moves with it).
    """
    if decided_at is None:
        return None
    if decided_by == "rule":
        return asked_at
    answered = [t for t in tasks if t.id is not None and t.id in taken and t.closed_at is not None]
    if decided_by == "person" and answered:
        last = max(answered, key=lambda t: (t.closed_at, t.id))
        decided_at = (last.closed_at or decided_at) - taken[last.id or 0]
    if opened_at is not None and opened_at > asked_at:
        decided_at -= opened_at - asked_at
    return decided_at


def opened(tasks: list[Task], sla: float, clock: Clock) -> datetime | None:
    """When the workflow started the clock of the first of ``tasks`` (``sla``: its response time,
    simulated seconds): its deadline less the response time, on the workflow's clock."""
    first = next((t for t in tasks if t.escalation_level == 0 and t.due_at is not None), None)
    if first is None or first.due_at is None:
        return None
    return clock.live(clock.simulated(first.due_at) - sla)
