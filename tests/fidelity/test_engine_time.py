"""The engine's own time, taken out of the live moments the KPIs read (docs/fidelity.md, KPIs):
a rule decision counts at its submission; a person's when the answer that settled it was ready,
less the time before the workflow started its first task's clock; a default, less the latter
only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from simulation.fidelity.engine_time import decided_moment, delivery, opened
from simulation.fidelity.inputs import Clock
from store.models import Task

ASKED = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
CLOCK = Clock(epoch=ASKED, live_zero=ASKED, scale=21_600.0)
SLA = 48 * 3600.0  # simulated: 8 live seconds
MS = timedelta(milliseconds=1)


def task(
    task_id: int, level: int, opened_after: timedelta, closed_after: timedelta | None, outcome: str
) -> Task:
    due = ASKED + opened_after + timedelta(seconds=SLA / CLOCK.scale) * (level + 1)
    closed = None if closed_after is None else ASKED + closed_after
    return Task(id=task_id, process_type="discount", process_id="p", kind="approval", title="t",
                role="r", escalation_level=level, due_at=due, closed_at=closed, outcome=outcome)  # fmt: skip


def test_a_rule_decision_counts_at_its_submission() -> None:
    assert decided_moment(ASKED + 40 * MS, ASKED, "rule", [], {}) == ASKED


def test_a_persons_decision_loses_the_opening_and_the_delivery() -> None:
    answered = task(7, 0, opened_after=30 * MS, closed_after=3000 * MS, outcome="approved")
    finished = {7: ASKED + 2800 * MS}  # the approver finished; the workflow took it 200 ms later
    taken = delivery([answered], finished)
    assert taken == {7: 200 * MS}
    first = opened([answered], SLA, CLOCK)
    assert first == ASKED + 30 * MS
    # Recorded 10 ms after the workflow took the answer: decided when the answer was ready.
    decided = decided_moment(ASKED + 3010 * MS, ASKED, "person", [answered], taken, first)
    assert decided == ASKED + (2800 - 30) * MS


def test_a_default_loses_the_opening_only() -> None:
    lapsed = task(8, 0, opened_after=50 * MS, closed_after=None, outcome="expired")
    first = opened([lapsed], SLA, CLOCK)
    decided = decided_moment(ASKED + 8100 * MS, ASKED, "default", [lapsed], {}, first)
    assert decided == ASKED + 8050 * MS
    assert delivery([lapsed], {8: ASKED}) == {}  # no answer was taken
