"""What the rulebook pages need of a version's roll-out: its actions (through
``parley.clients.rollout.RolloutClient`` as the signed-in user) and what it has recorded
(timeline, the what-ifs that may be attached, who has acknowledged).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from activities.rulebook import rulebook_library as library
from parley.clients.rollout import RolloutClient, check_draft, rollout_id_of
from parley.errors import NotFound
from rules import RuleChange, diff_rulebooks
from store.crud import records as records_crud
from store.crud import rollouts as rollouts_crud
from store.engine import session_scope
from store.models import AuditEvent, Partner, SimulationRun, SimulationStatus, Task, TaskState, utcnow
from web import rulebook_sources as sources
from web import runner
from web.workflow_clients import process_client
from workflows.rollout.types import ACKNOWLEDGEMENT_TASK, RolloutView


def run(action: Callable[[RolloutClient], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        return await action(await process_client(RolloutClient))

    return runner.run(go())


def workflow_id(version: str) -> str | None:
    """The roll-out of ``version`` (None for a version imported without one)."""
    try:
        with session_scope() as db:
            return rollout_id_of(db, version)
    except NotFound:
        return None


def submit(text: str, comment: str, username: str) -> RolloutView:
    """Store the draft and start its roll-out; every problem is named before Temporal is asked."""
    library()  # on a new database: the shipped versions are imported first
    with session_scope() as db:
        check_draft(db, text, comment, utcnow())
    view: RolloutView = run(lambda client: client.submit(actor=username, text=text, comment=comment))
    return view


@dataclass(frozen=True)
class Comparison:
    """What a version changes, and from which version (``base`` None: nothing to compare)."""

    base: str | None
    changes: list[RuleChange] | None
    replaced: bool  # ``base`` is the version it replaced (it is in force), not the one in force


def changes_of(row: sources.VersionRow) -> Comparison:
    """A version's rule changes from the version in force now; for the version in force itself,
    from the one it replaced (what a partner acknowledging it after its date still needs to read)."""
    version = row.rulebook.version
    governing = sources.governing_version()
    replaced = governing == version
    if replaced:
        base = sources.governing_version(row.rulebook.effective_from - timedelta(microseconds=1))
    else:
        base = governing
    if base is None or base == version:
        return Comparison(None, None, False)
    return Comparison(base, diff_rulebooks(sources.library().get(base), row.rulebook), replaced)


def timeline(version: str) -> list[AuditEvent]:
    """Every audited step of the version's roll-out, oldest first (empty: imported)."""
    process = workflow_id(version)
    if process is None:
        return []
    with session_scope() as db:
        page = records_crud.list_audit_events(session=db, process_id=process, per_page=200)
        return sorted(page.items, key=lambda e: (e.at, e.id or 0))


def what_ifs(version: str) -> list[SimulationRun]:
    """The completed what-ifs that simulated ``version``, newest first."""
    with session_scope() as db:
        query = (
            select(SimulationRun)
            .where(
                SimulationRun.proposed_version == version, SimulationRun.status == SimulationStatus.COMPLETED
            )
            .order_by(col(SimulationRun.id).desc())
        )
        return list(db.exec(query).all())


@dataclass(frozen=True)
class AcknowledgementRow:
    partner_id: int
    partner_name: str
    due_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    open: bool  # the partner's task is still open (acknowledgement awaited)


def acknowledgement_rows(version: str) -> list[AcknowledgementRow]:
    """Every partner asked to acknowledge ``version``, and whether and when it has (ops only)."""
    process = workflow_id(version)
    if process is None:
        return []
    with session_scope() as db:
        tasks = db.exec(
            select(Task)
            .where(Task.process_id == process, Task.kind == ACKNOWLEDGEMENT_TASK)
            .order_by(col(Task.id))
        ).all()
        done = {a.partner_id: a for a in rollouts_crud.acknowledgements(session=db, version=version)}
        names = {p.id: p.name for p in db.exec(select(Partner)).all()}
        rows = []
        for task in tasks:
            assert task.partner_id is not None
            ack = done.get(task.partner_id)
            rows.append(
                AcknowledgementRow(
                    task.partner_id,
                    names.get(task.partner_id, f"partner {task.partner_id}"),
                    task.due_at,
                    ack.acknowledged_by if ack else None,
                    ack.acknowledged_at if ack else None,
                    task.state == TaskState.OPEN,
                )
            )
        return rows


def own_acknowledgement(version: str, partner_id: int) -> tuple[bool, AcknowledgementRow | None]:
    """(asked, this partner's row): whether the partner is asked to acknowledge ``version``."""
    for row in acknowledgement_rows(version):
        if row.partner_id == partner_id:
            return True, row
    return False, None
