"""The live discount requests read back: each request's row and tasks as the workers left them,
its verdict as the API reports it, and the moments the sandbox is fed (when it was asked, how
long before each task's deadline its answer was taken)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlmodel import Session, select

from parley.http import ParleyClient
from simulation.fidelity.compare import DiscountVerdict
from simulation.fidelity.discount_live import LIVE_STATES, REFUSAL_CODE, Asked, discount_lead_of
from simulation.fidelity.discount_replay import ObservedDiscounts
from simulation.fidelity.engine_time import ANSWERED, decided_moment, opened
from simulation.fidelity.inputs import Clock
from simulation.fidelity.kpis import LiveDiscount
from simulation.ledger import DiscountFate
from store.engine import engine_for
from store.models import DiscountException, Task
from workflows.discount.types import PROCESS_TYPE

_OUTCOME = {
    "approved": "approved",
    "expired": "approved",
    "rejected": "rejected",
}  # a lapsed quote was approved


@dataclass
class DiscountRecord:
    """A discount request's row and its approval tasks (by step) as the live run left them."""

    row: DiscountException
    tasks: list[Task]


def discount_records(url: str) -> dict[int, DiscountRecord]:
    """Every discount request on file, by lead row, with its approval tasks by step."""
    with Session(engine_for(url), expire_on_commit=False) as session:
        rows = session.exec(select(DiscountException)).all()
        tasks = session.exec(select(Task).where(Task.process_type == PROCESS_TYPE)).all()
    by_process: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=lambda t: (t.escalation_level, t.id or 0)):
        by_process.setdefault(task.process_id, []).append(task)
    return {
        discount_lead_of(r.workflow_id): DiscountRecord(r, by_process.get(r.workflow_id, [])) for r in rows
    }


def observed(records: dict[int, DiscountRecord], asked: dict[int, Asked], clock: Clock) -> ObservedDiscounts:
    """When each request was taken, and when each of its tasks was answered relative to its
    deadline, both on the workflow's clock (``docs/fidelity.md``, Timing)."""
    seen = ObservedDiscounts()
    # A request the API refused has no moment: the sandbox's partner asks at its own quote.
    seen.asked = {lead: clock.simulated(a.at) for lead, a in asked.items() if a.at is not None}
    for lead, record in records.items():
        roles: dict[str, list[float | None]] = {}
        for task in record.tasks:
            before = None
            if task.outcome in ANSWERED and task.closed_at is not None and task.due_at is not None:
                before = clock.simulated(task.due_at) - clock.simulated(task.closed_at)
            roles.setdefault(task.role, []).append(before)
        seen.before_deadline[lead] = roles
    return seen


def live_verdicts(
    base_url: str, tokens: dict[int, str], records: dict[int, DiscountRecord], asked: dict[int, Asked]
) -> dict[int, DiscountVerdict]:
    """Each request's verdict as the API reports it (reasons, who settled it), its step from its
    tasks; a request the API refused is refused by rule with the reasons its fields stand for."""
    verdicts = {
        lead: DiscountVerdict("refused", tuple(sorted(REFUSAL_CODE[f] for f in a.refused)), "rule", None)
        for lead, a in asked.items()
        if a.refused
    }
    clients: dict[int, ParleyClient] = {}
    try:
        for lead, record in records.items():
            row = record.row
            client = clients.setdefault(row.partner_id, ParleyClient(base_url, tokens[row.partner_id]))
            view = client.discount(row.workflow_id)
            by, decided = "", ""
            for t in view.history:
                if t.after in ("approved", "rejected"):
                    by = "default" if t.actor == "rule:sla.default_action" else (
                        "rule" if t.actor.startswith("rule:") else "person"
                    )  # fmt: skip
                    decided = t.after
                    break
            steps = [t.escalation_level for t in record.tasks]
            # The decision on request: a request closed later (its registration released by a
            # dispute) was decided before.
            outcome = decided or (
                "pending" if row.state in LIVE_STATES else _OUTCOME.get(row.state, row.state)
            )
            verdicts[lead] = DiscountVerdict(
                outcome, tuple(r.code for r in view.reasons), by, max(steps) if steps else None
            )
    finally:
        for client in clients.values():
            client.close()
    return verdicts


def kpi_rows(
    verdicts: dict[int, DiscountVerdict],
    records: dict[int, DiscountRecord],
    asked: dict[int, Asked],
    clock: Clock,
    taken: dict[int, timedelta],
    first_sla: Callable[[int], float],
) -> dict[int, LiveDiscount]:
    """Each live request as the discount KPIs read it, without the engine's own time
    (``engine_time``; ``taken``: each answer's delivery)."""
    rows = {}
    for lead, verdict in verdicts.items():
        at = asked[lead].at if lead in asked else None
        start = math.nan if at is None else clock.simulated(at)
        record = records.get(lead)
        decided_at = None
        if record is not None and at is not None:
            first = opened(record.tasks, first_sla(lead), clock) if record.tasks else None
            settled_at = record.row.decided_at
            decided_at = decided_moment(settled_at, at, verdict.decided_by, record.tasks, taken, first)
        decided = None if decided_at is None else clock.simulated(decided_at)
        reviewed = verdict.step is not None
        if verdict.outcome == "pending":
            fate = DiscountFate.PENDING
        elif verdict.outcome == "approved":
            fate = DiscountFate.APPROVED if reviewed else DiscountFate.AUTOMATIC
        else:
            fate = DiscountFate.REFUSED
        rows[lead] = LiveDiscount(
            start, decided if fate is not DiscountFate.PENDING else None, reviewed, fate
        )
    return rows
