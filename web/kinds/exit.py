"""Exit tasks in the inbox: a for-cause exit's approval, and partner operations' choice of who
takes over a registration nobody eligible could.

The approval's page shows the exit as it was started (the partner, its type, why, who started
it: that person may not approve it, the workflow refuses) and the plan if it were approved now,
made by the rules from the exit's pinned rulebook and the partner's registrations open now; its
buttons are the exit's vocabulary. A transferee task takes no decision word: its page shows the
registration, why nobody took it over by rule, and a form (``web.exits.choose_transferee``) that
names a partner the rules allow, or returns the registration to direct sales.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import g, url_for
from sqlmodel import Session

from activities.rulebook import rulebook_library
from parley.clients.exit import ExitClient
from parley.errors import NotFound, ParleyError
from rules.enums import ExitType
from rules.exit import ExitPlan, exit_plan, transfer_refusals
from rules.reasons import Reason
from rules.schema import Rulebook
from store.crud import exits as exits_crud
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.models import Exit, PartnerStatus, Registration, utcnow
from store.models.tasks import Task
from store.rules_view import existing_registration, partner_facts, registration_request
from web import runner
from web.kinds import ProcessKind
from web.workflow_clients import process_client
from workflows.exit.types import APPROVAL_TASK, PROCESS_TYPE
from workflows.exit.vocabulary import DECISIONS

CANDIDATES = 200  # partners offered as transferees (active ones, by name)


@dataclass(frozen=True)
class PlannedLine:
    """One open registration in the plan, as the approver reads it."""

    registration_id: str
    account_name: str
    state: str
    disposition: str
    effective_at: datetime


@dataclass(frozen=True)
class Candidate:
    """A partner that might take a registration over; ``refusals``: why the rules say it may not."""

    partner_id: int
    name: str
    tier: str
    refusals: tuple[str, ...]


def pinned_rulebook(row: Exit) -> Rulebook | None:
    """The rulebook the exit was started under (None when it is no longer in the library)."""
    try:
        return rulebook_library().get(row.rulebook_version)
    except NotFound:
        return None


def plan_if_approved(session: Session, row: Exit) -> tuple[ExitPlan | None, list[PlannedLine]]:
    """The plan were notice given now: its dates and each open registration's disposition."""
    rulebook = pinned_rulebook(row)
    if rulebook is None:
        return None, []
    open_now = exits_crud.open_registrations(session=session, partner_id=row.partner_id)
    plan = exit_plan(
        rulebook, ExitType(row.exit_type), [existing_registration(r) for r in open_now], utcnow()
    )
    by_id = {r.workflow_id: r for r in open_now}
    lines = [
        PlannedLine(
            d.registration_id,
            by_id[d.registration_id].account_name,
            by_id[d.registration_id].state,
            d.disposition.value,
            d.effective_at,
        )
        for d in plan.dispositions
    ]
    return plan, lines


def candidates(session: Session, row: Exit, registration: Registration) -> list[Candidate]:
    """Active partners other than the exiting one, each with why the rules in force for the exit
    would refuse it the registration (empty: it may take it over)."""
    rulebook = pinned_rulebook(row)
    deal, now = registration_request(registration), utcnow()
    page = partners_crud.list_partners(session=session, status=PartnerStatus.ACTIVE, per_page=CANDIDATES)
    found = []
    for partner in page.items:
        if partner.id is None or partner.id == row.partner_id:
            continue
        refused = (
            ("the exit's rulebook is no longer available",)
            if rulebook is None
            else tuple(r.text for r in transfer_refusals(rulebook, deal, partner_facts(partner, now)))
        )
        found.append(Candidate(partner.id, partner.name, partner.tier, refused))
    return found


def _waiting_reasons(task: Task, registration_id: str) -> list[Reason]:
    """Why the registration waits for a choice, from the exit itself (empty when unreadable)."""

    async def read() -> Any:
        return await (await process_client(ExitClient)).get(task.process_id)

    with suppress(ParleyError):
        view = runner.run(read())
        for item in view.dispositions:
            if item.registration_id == registration_id:
                return list(item.reasons)
    return []


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    try:
        row = exits_crud.get_exit(session=session, workflow_id=task.process_id)
    except NotFound:
        return {"exit": None}
    context: dict[str, Any] = {"exit": row, "exit_type_words": row.exit_type.replace("_", " ")}
    if task.kind == APPROVAL_TASK:
        plan, lines = plan_if_approved(session, row)
        you = g.user.username == row.started_by
        return {**context, "plan": plan, "planned": lines, "you_started": you}
    registration_id = str(task.payload.get("registration_id", ""))
    try:
        registration = registrations_crud.get_registration(session=session, workflow_id=registration_id)
    except NotFound:
        return {**context, "registration": None}
    offered = candidates(session, row, registration)
    return {
        **context,
        "registration": registration,
        "waiting_reasons": _waiting_reasons(task, registration_id),
        "eligible": [c for c in offered if not c.refusals],
        "ineligible": [c for c in offered if c.refusals],
    }


def approval_words(task: Task) -> tuple[str, ...]:
    """The approval takes the vocabulary; a transferee task is answered with its own form."""
    return DECISIONS.outcomes if task.kind == APPROVAL_TASK else ()


def exit_page(task: Task) -> str:
    return url_for("exits.detail", workflow_id=task.process_id)


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Exit",
    noun="exit",
    detail_template="inbox/kinds/_exit.html",
    vocabulary=DECISIONS,
    client=ExitClient,
    detail_context=detail_context,
    process_url=exit_page,
    task_words=approval_words,
)
