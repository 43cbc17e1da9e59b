"""Discount tasks in the inbox: decided through the discount workflow's typed client.

The detail partial shows the deal and the partner, standard vs requested vs total discount and
what the exception costs, the competitor and justification, the matrix band (and a deal-size bump)
that apply, the whole chain with who has approved so far, and the rulebook's reasons in words.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlmodel import Session

from parley.clients.discount import DiscountClient
from parley.errors import NotFound
from store.crud import discounts as discounts_crud
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.crud import tasks as tasks_crud
from store.models.tasks import Task
from web.kinds import ProcessKind
from workflows.discount.types import APPROVAL_TASK, PROCESS_TYPE
from workflows.discount.vocabulary import DECISIONS


@dataclass(frozen=True)
class ChainRole:
    """One role of one step of the chain, and where its part stands."""

    role: str
    status: str  # open, approved, rejected, escalated, cancelled, expired, or waiting (not asked yet)
    by: str | None
    on_behalf_of: str | None


def chain_progress(session: Session, task: Task) -> list[list[ChainRole]]:
    """The path of the task's payload, step by step, each role with the latest task the process
    opened for it; an escalation step shows only once it has been reached."""
    latest: dict[tuple[int, str], Task] = {}
    for row in tasks_crud.list_process_tasks(session=session, process_id=task.process_id):
        if row.kind == APPROVAL_TASK:
            latest[(row.escalation_level, row.role)] = row  # opened in order: the last one wins
    steps: list[list[ChainRole]] = []
    for step in task.payload.get("steps", []):
        parts: list[ChainRole] = []
        for role in step["roles"]:
            found = latest.get((step["position"], role))
            if found is None:
                parts.append(ChainRole(role, "waiting", None, None))
            else:
                status = found.outcome if found.state == "closed" and found.outcome else "open"
                parts.append(ChainRole(role, status, found.closed_by, found.on_behalf_of))
        if step["escalation"] and all(p.status == "waiting" for p in parts):
            continue
        steps.append(parts)
    return steps


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    payload = task.payload
    context: dict[str, Any] = {
        "discount": None,
        "registration": None,
        "partner": None,
        "pricing": payload.get("pricing", {}),
        "terms": payload.get("terms", {}),
        "band": payload.get("band"),
        "chain": chain_progress(session, task),
        "reasons": payload.get("reasons", []),
    }
    try:
        context["discount"] = discounts_crud.get_discount(session=session, workflow_id=task.process_id)
    except NotFound:
        return context
    discount = context["discount"]
    with suppress(NotFound):
        context["registration"] = registrations_crud.get_registration(
            session=session, workflow_id=discount.registration_workflow_id
        )
    context["partner"] = partners_crud.get_partner(session=session, partner_id=discount.partner_id)
    return context


def registration_page(task: Task) -> str | None:
    registration = task.payload.get("registration_id")
    return url_for("processes.detail", workflow_id=registration) if registration else None


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Discount exception",
    noun="discount request",
    detail_template="inbox/kinds/_discount.html",
    vocabulary=DECISIONS,
    client=DiscountClient,
    detail_context=detail_context,
    process_url=registration_page,
)
