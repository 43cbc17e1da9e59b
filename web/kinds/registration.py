"""Registration tasks in the inbox: decided through the registration workflow's typed client.

The detail partial shows the deal and the partner, the registrations that might be the same
account (with similarity and who holds them) and the rulebook's reasons, in words. A request the
rules flagged as possibly a live holder's account (``duplicate.fuzzy_match``) shows each holder
beside it, and what approving or rejecting records as the approver's judgement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import url_for
from sqlmodel import Session

from parley.clients.registration import RegistrationClient
from parley.errors import NotFound
from rules.matching import AccountKey, similarity
from rules.reasons import ReasonCode
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.crud.registration_process import conflict_candidates
from store.models.enums import RegistrationState
from store.models.tasks import Task
from web.kinds import ProcessKind
from workflows.registration.judgement import judgement_words
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


@dataclass(frozen=True)
class Holder:
    """A live holder the rules flagged as possibly the request's account, as it stands now."""

    workflow_id: str
    account_name: str
    account_domain: str | None
    product_line: str
    partner_name: str
    state: str
    since: datetime | None
    protected_until: datetime | None
    score: float
    basis: str


def flagged_holders(session: Session, task: Task) -> list[Holder]:
    """The holders the decision flagged (the task's ``matches``), with their partners' names and
    their current state and protection read from the database."""
    holders: list[Holder] = []
    for match in task.payload.get("matches", []):
        if match.get("reason_code") != ReasonCode.FUZZY_MATCH:
            continue
        try:
            row = registrations_crud.get_registration(session=session, workflow_id=match["registration_id"])
        except NotFound:  # not on file here: show what the decision saw
            row = None
        partner_id = row.partner_id if row is not None else int(match["partner_id"])
        try:
            partner_name = partners_crud.get_partner(session=session, partner_id=partner_id).name
        except NotFound:
            partner_name = f"partner {partner_id}"
        holders.append(
            Holder(
                workflow_id=match["registration_id"],
                account_name=match["account_name"],
                account_domain=match.get("account_domain") or None,
                product_line=match["product_line"],
                partner_name=partner_name,
                state=row.state if row is not None else match["state"],
                since=row.submitted_at if row is not None else datetime.fromisoformat(match["submitted_at"]),
                protected_until=row.expires_at if row is not None else None,
                score=float(match["similarity"]),
                basis=match["basis"],
            )
        )
    return holders


def judgements(holders: list[Holder]) -> dict[str, str]:
    """What approving and rejecting record, in the words of the audit, naming the partners."""

    def words(same_account: bool) -> str:
        return "; and ".join(
            judgement_words(h.account_name, h.account_domain, h.partner_name, same_account=same_account)
            for h in holders
        )

    return {"approve": words(False), "reject": words(True)} if holders else {}


def partner_notes(task: Task) -> str:
    """What the partner wrote beside the submission (the task carries the submission whole)."""
    submission = task.payload.get("submission")
    return str(submission.get("notes") or "") if isinstance(submission, dict) else ""


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    try:
        registration = registrations_crud.get_registration(session=session, workflow_id=task.process_id)
    except NotFound:
        return {
            "notes": partner_notes(task),
            "registration": None,
            "partner": None,
            "similar": [],
            "holders": [],
            "judgement": {},
            "reasons": task.payload.get("reasons", []),
        }
    partner = partners_crud.get_partner(session=session, partner_id=registration.partner_id)
    holders = flagged_holders(session, task)
    return {
        "notes": partner_notes(task),
        "registration": registration,
        "partner": partner,
        "similar": similar_registrations(session, task.process_id),
        "holders": holders,
        "judgement": judgements(holders),
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
