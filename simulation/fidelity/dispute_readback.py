"""The live disputes read back: each dispute's row, tasks and the two registrations as the workers
left them, its verdict, and the moments the sandbox is fed (when it opened, when the first level
got it, how long before each level task's deadline its answer was taken)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from rules import Rulebook
from rules.dispute import BY_DEFAULT, RESOLUTION_CODES, Resolution
from rules.escalation import dispute_path
from simulation.fidelity.compare import DisputeVerdict
from simulation.fidelity.dispute_live import Filed
from simulation.fidelity.dispute_replay import AWARD_REFUSED, ObservedDisputes
from simulation.fidelity.inputs import Clock
from store.engine import engine_for
from store.models import Dispute, DisputeState, Registration, Task
from store.rules_view import STANDING
from workflows.dispute.types import LEVEL_TASK, PARTY_TASK, PROCESS_TYPE

DECIDED = "decided"


@dataclass
class DisputeRecord:
    """A dispute's row, its party and level tasks (in the order opened), and its two registrations."""

    row: Dispute
    parties: list[Task]
    levels: list[Task]
    claimant: Registration
    holder: Registration | None


def dispute_records(url: str, filed: dict[int, Filed]) -> dict[int, DisputeRecord]:
    """Every dispute the partners filed, by lead row."""
    lead_of = {f.workflow_id: lead for lead, f in filed.items() if f.workflow_id}
    with Session(engine_for(url), expire_on_commit=False) as session:
        rows = session.exec(select(Dispute)).all()
        tasks = session.exec(select(Task).where(Task.process_type == PROCESS_TYPE)).all()
        registrations = {r.workflow_id: r for r in session.exec(select(Registration)).all()}
    by_process: dict[str, list[Task]] = {}
    for task in sorted(tasks, key=lambda t: t.id or 0):
        by_process.setdefault(task.process_id, []).append(task)
    found = {}
    for row in rows:
        if row.workflow_id not in lead_of or row.claimant_registration_id is None:
            continue
        own = by_process.get(row.workflow_id, [])
        holder = row.respondent_registration_id
        found[lead_of[row.workflow_id]] = DisputeRecord(
            row,
            [t for t in own if t.kind == PARTY_TASK],
            [t for t in own if t.kind == LEVEL_TASK],
            registrations[row.claimant_registration_id],
            registrations.get(holder) if holder is not None else None,
        )
    return found


def observed(records: dict[int, DisputeRecord], rulebook: Rulebook, clock: Clock) -> ObservedDisputes:
    """The moments on the workflow's clock (``docs/fidelity.md``, Timing): opened when its
    parties' deadline was set, heard when the first level's deadline was, answers from the
    level tasks' deadlines."""
    seen = ObservedDisputes()
    party = rulebook.escalation.party_response.total_seconds()
    steps = dispute_path(rulebook).steps
    for lead, record in records.items():
        due = [t.due_at for t in record.parties if t.due_at is not None]
        if due:
            seen.opened[lead] = clock.simulated(due[0]) - party
        answers: list[float | None] = []
        for task in record.levels:
            if task.due_at is None:
                answers.append(None)
                continue
            if not answers:
                sla = steps[min(task.escalation_level, len(steps) - 1)].sla_seconds
                seen.heard[lead] = clock.simulated(task.due_at) - sla
            answered = task.outcome == DECIDED and task.closed_at is not None
            answers.append(
                clock.simulated(task.due_at) - clock.simulated(task.closed_at)
                if answered and task.closed_at is not None
                else None
            )
        seen.before_deadline[lead] = answers
    return seen


def live_verdicts(
    records: dict[int, DisputeRecord], filed: dict[int, Filed], scale: float
) -> dict[int, DisputeVerdict]:
    """Each dispute's verdict from the rows the workers keep; a contest the API refused as
    ``not opened`` with its reason."""
    verdicts = {
        lead: DisputeVerdict("not opened", (f.refused,), None, "", "", "", None)
        for lead, f in filed.items()
        if f.refused
    }
    for lead, record in records.items():
        row = record.row
        codes = list(row.contested_codes)
        decided = sum(1 for t in record.levels if t.outcome == DECIDED)
        resolved = row.state == DisputeState.RESOLVED and row.resolution is not None
        # Every answer but the one that resolved it had its award refused.
        if decided - (1 if resolved and not row.resolved_by_default else 0) > 0:
            codes.append(AWARD_REFUSED)
        outcome, by = "pending", ""
        if resolved and row.resolution is not None:
            outcome, by = row.resolution, "default" if row.resolved_by_default else "person"
            codes += [
                RESOLUTION_CODES[Resolution(row.resolution)],
                *([BY_DEFAULT] if row.resolved_by_default else []),
            ]
        elif row.state in DisputeState.FINAL:
            outcome = row.state
        levels = [t.escalation_level for t in record.levels]
        claimant = record.claimant
        protection = None
        if (
            claimant.state == "approved"
            and claimant.expires_at is not None
            and claimant.decided_at is not None
        ):
            protection = round((claimant.expires_at - claimant.decided_at).total_seconds() * scale)
        verdicts[lead] = DisputeVerdict(
            outcome=outcome,
            codes=tuple(codes),
            level=max(levels) if levels else None,
            decided_by=by,
            holder="-" if record.holder is None else STANDING[record.holder.state].value,
            claimant=STANDING[claimant.state].value,
            protection=protection,
        )
    return verdicts
