"""Registration tasks in the inbox: decided through the registration workflow's typed client.

The detail partial shows the deal and the partner, the registrations that might be the same
account (with similarity and who holds them) and the rulebook's reasons, in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import url_for
from sqlmodel import Session

from parley.clients.registration import RegistrationClient
from parley.errors import NotFound
from rules.matching import AccountKey, similarity
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.crud.registration_process import conflict_candidates
from store.models.enums import RegistrationState
from store.models.tasks import Task
from web.kinds import ProcessKind
from workflows.registration.types import DECISIONS, PROCESS_TYPE

SIMILAR_SHOWN = 10
SIMILAR_THRESHOLD = 0.6


@dataclass(frozen=True)
class Similar:
    workflow_id: str
    account_name: str
    account_domain: str | None
    partner_name: str
    product_line: str
    state: str
    submitted_at: Any
    score: float
    basis: str
    holds: bool


def similar_registrations(session: Session, workflow_id: str) -> list[Similar]:
    registration = registrations_crud.get_registration(session=session, workflow_id=workflow_id)
    me = AccountKey.of(registration.account_name, registration.account_domain or "")
    rows = conflict_candidates(
        session=session,
        account_name=registration.account_name,
        account_domain=registration.account_domain,
        exclude_workflow_id=workflow_id,
        states=sorted(RegistrationState.HOLDING),
    )
    partner_names: dict[int, str] = {}
    found: list[Similar] = []
    for other in rows:
        score = similarity(me, AccountKey.of(other.account_name, other.account_domain or ""))
        if score.score < SIMILAR_THRESHOLD:
            continue
        if other.partner_id not in partner_names:
            partner_names[other.partner_id] = partners_crud.get_partner(
                session=session, partner_id=other.partner_id
            ).name
        found.append(
            Similar(
                workflow_id=other.workflow_id,
                account_name=other.account_name,
                account_domain=other.account_domain,
                partner_name=partner_names[other.partner_id],
                product_line=other.product_line,
                state=other.state,
                submitted_at=other.submitted_at,
                score=score.score,
                basis=score.basis,
                holds=other.product_line == registration.product_line
                and other.state in (RegistrationState.APPROVED, RegistrationState.WON),
            )
        )
    found.sort(key=lambda s: (-s.score, s.submitted_at))
    return found[:SIMILAR_SHOWN]


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    try:
        registration = registrations_crud.get_registration(session=session, workflow_id=task.process_id)
    except NotFound:
        return {
            "registration": None,
            "partner": None,
            "similar": [],
            "reasons": task.payload.get("reasons", []),
        }
    partner = partners_crud.get_partner(session=session, partner_id=registration.partner_id)
    return {
        "registration": registration,
        "partner": partner,
        "similar": similar_registrations(session, task.process_id),
        "reasons": task.payload.get("reasons", []),
    }


def registration_page(task: Task) -> str:
    return url_for("processes.detail", workflow_id=task.process_id)


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Deal registration",
    noun="registration",
    detail_template="inbox/kinds/_registration.html",
    vocabulary=DECISIONS,
    client=RegistrationClient,
    detail_context=detail_context,
    process_url=registration_page,
)
