"""Dispute tasks in the inbox: a level's decision, sent through the dispute workflow's client.

A level's page shows what its task carries (both registrations side by side, the contested
decision and its reasons, the level and its deadline) with where each registration stands now
and the case thread, both read live from the database; its buttons are exactly the resolutions
this dispute allows (the task's ``actions``), and below the last level it can be escalated. A
party's task is answered with a statement, never decided: its page shows the party's own view
of the dispute (``web.api.dispute_view``) and the statement form.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, url_for
from sqlmodel import Session

from parley.clients.dispute import DisputeClient
from parley.errors import NotFound, ParleyError
from store.crud import disputes as disputes_crud
from store.crud import registrations as registrations_crud
from store.models.tasks import Task
from web import runner
from web.api.dispute_view import Sides, dispute_out, reader_of
from web.kinds import ProcessKind
from web.workflow_clients import process_client
from workflows.dispute.types import LEVEL_TASK, PARTY_TASK, PROCESS_TYPE
from workflows.dispute.vocabulary import DECISIONS


@dataclass(frozen=True)
class SidePanel:
    """One registration of the dispute as its level's decider compares them."""

    heading: str
    party: str  # partner or direct
    partner_name: str
    registration_id: str | None
    account_name: str
    account_domain: str | None
    submitted_at: datetime | None
    state: str
    protected_until: datetime | None


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def side_panel(session: Session, heading: str, party: dict[str, Any]) -> SidePanel:
    """The side as the task recorded it, with its registration's state and protection now."""
    row = None
    if party.get("registration_id"):
        with suppress(NotFound):
            row = registrations_crud.get_registration(session=session, workflow_id=party["registration_id"])
    return SidePanel(
        heading=heading,
        party=party.get("side", ""),
        partner_name=party.get("partner_name") or "Direct sales",
        registration_id=party.get("registration_id"),
        account_name=party.get("account_name", ""),
        account_domain=party.get("account_domain"),
        submitted_at=_when(party.get("submitted_at")),
        state=row.state if row is not None else party.get("state", ""),
        protected_until=row.expires_at if row is not None else _when(party.get("expires_at")),
    )


def level_words(payload: dict[str, Any]) -> str:
    """ "level 2 of 3: regional_channel_director"."""
    levels, level = payload.get("levels", []), int(payload.get("level", 0))
    role = levels[level] if level < len(levels) else "?"
    return f"level {level + 1} of {len(levels)}: {role}"


def _party_view(task: Task, session: Session) -> Any:
    """The party's own view of the dispute (None when it cannot be read now)."""
    try:
        row = disputes_crud.get_dispute(session=session, workflow_id=task.process_id)
    except NotFound:
        return None
    reader = reader_of(g.user, Sides.of_row(row))
    if reader is None:
        return None
    thread = disputes_crud.thread(session=session, dispute_workflow_id=task.process_id)

    async def read() -> Any:
        return await (await process_client(DisputeClient)).get(task.process_id)

    try:
        return dispute_out(runner.run(read()), reader, thread)
    except ParleyError:
        return None


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    payload = task.payload
    if task.kind == PARTY_TASK:
        return {"party_view": _party_view(task, session)}
    claimant = payload.get("claimant", {})
    return {
        "sides": [
            side_panel(session, "Contesting", claimant),
            side_panel(session, "Holding", payload.get("respondent", {})),
        ],
        "contested_words": payload.get("contested_words", []),
        "reasons": claimant.get("reasons", []),
        "level_words": level_words(payload),
        "thread": disputes_crud.thread(session=session, dispute_workflow_id=task.process_id),
    }


def level_actions(task: Task) -> tuple[str, ...]:
    """A level decides only the resolutions this dispute allows; a party's task is not decided."""
    return tuple(task.payload.get("actions", ())) if task.kind == LEVEL_TASK else ()


def below_last_level(task: Task) -> bool:
    payload = task.payload
    return task.kind == LEVEL_TASK and int(payload.get("level", 0)) + 1 < len(payload.get("levels", []))


def dispute_page(task: Task) -> str:
    return url_for("disputes.detail", workflow_id=task.process_id)


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Dispute",
    noun="dispute",
    detail_template="inbox/kinds/_dispute.html",
    vocabulary=DECISIONS,
    client=DisputeClient,
    detail_context=detail_context,
    process_url=dispute_page,
    task_words=level_actions,
    escalates=below_last_level,
)
