"""Disputes: the row each dispute workflow writes, its case thread, and what pages and the API list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, insert_if_absent, paginate, parse, refuse, require_member, table_of
from store.models import Dispute, DisputeCreate, DisputeState, DisputeStatement, as_utc, utcnow

DIRECT = "direct"


def contest_key(claimant_registration_id: str | None, respondent_registration_id: str | None) -> str:
    """The contested pair: a partner's registration against a holder's or against direct sales,
    or direct sales against a partner's registration. One dispute per pair."""
    return f"{claimant_registration_id or DIRECT}|{respondent_registration_id or DIRECT}"


def create_dispute(*, session: Session, data: DisputeCreate | Mapping[str, Any]) -> Dispute:
    """Record an opened dispute; a retry with the same ``workflow_id`` returns the first. A second
    dispute over the same pair is refused naming the contested registration."""
    row_in = parse(DisputeCreate, data)
    existing = session.exec(select(Dispute).where(Dispute.workflow_id == row_in.workflow_id)).first()
    if existing is not None:
        return existing
    now = utcnow()
    values = {**row_in.model_dump(), "state": DisputeState.OPENED, "opened_at": now, "updated_at": now}
    values |= {"resolved_by_default": False, "last_reason_codes": []}
    if not insert_if_absent(session, table_of(Dispute), values, ("contest_key",)):
        other = dispute_of_contest(session=session, key=row_in.contest_key)
        field = "registration_id" if row_in.claimant_registration_id else "respondent_registration_id"
        which = other.workflow_id if other is not None else "being opened"
        raise refuse(field, f"this decision is already disputed ({which})")
    return get_dispute(session=session, workflow_id=row_in.workflow_id)


def get_dispute(*, session: Session, workflow_id: str) -> Dispute:
    query = select(Dispute).where(Dispute.workflow_id == workflow_id)
    row = session.exec(query.execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("dispute", workflow_id)
    return row


def dispute_of_contest(*, session: Session, key: str) -> Dispute | None:
    return session.exec(select(Dispute).where(Dispute.contest_key == key)).first()


def update_dispute(
    *,
    session: Session,
    workflow_id: str,
    state: str,
    at: datetime,
    level: int | None,
    due_at: datetime | None,
    resolution: str | None = None,
    resolved_by_default: bool = False,
    reason_codes: Sequence[str] | None = None,
) -> Dispute:
    """Mirror the workflow's state after a transition (idempotent: the same values again)."""
    row = get_dispute(session=session, workflow_id=workflow_id)
    row.state = require_member("state", state, DisputeState)
    row.level = level
    row.due_at = as_utc(due_at) if due_at else None
    if resolution is not None:
        row.resolution = resolution
        row.resolved_by_default = resolved_by_default
        row.resolved_at = as_utc(at)
    if reason_codes is not None:
        row.last_reason_codes = list(reason_codes)
    row.updated_at = as_utc(at)
    session.add(row)
    session.flush()
    return row


def add_statement(
    *, session: Session, key: str, dispute_workflow_id: str, side: str, author: str, text: str, at: datetime
) -> None:
    """Append one entry to a case thread; writing the same ``key`` again does nothing."""
    if not text.strip():
        raise refuse("statement", "must not be empty")
    values = {
        "key": key,
        "dispute_workflow_id": dispute_workflow_id,
        "side": side,
        "author": author,
        "text": text,
        "at": as_utc(at),
    }
    insert_if_absent(session, table_of(DisputeStatement), values, ("key",))


def thread(*, session: Session, dispute_workflow_id: str) -> list[DisputeStatement]:
    query = select(DisputeStatement).where(DisputeStatement.dispute_workflow_id == dispute_workflow_id)
    return list(session.exec(query.order_by(col(DisputeStatement.at), col(DisputeStatement.id))).all())


def disputes_of_registration(*, session: Session, registration_id: str) -> list[Dispute]:
    """The disputes a registration stands in, on either side, oldest first."""
    query = select(Dispute).where(
        or_(
            col(Dispute.claimant_registration_id) == registration_id,
            col(Dispute.respondent_registration_id) == registration_id,
        )
    )
    return list(session.exec(query.order_by(col(Dispute.id))).all())


def list_disputes(
    *,
    session: Session,
    partner_id: int | None = None,
    side: str | None = None,
    state: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Dispute]:
    """Newest first; ``partner_id`` narrows to the disputes the partner stands in (either side),
    ``side`` to those where that side (``direct``: direct sales) stands on either side."""
    query = select(Dispute)
    if side is not None:
        query = query.where(or_(col(Dispute.claimant_side) == side, col(Dispute.respondent_side) == side))
    if partner_id is not None:
        query = query.where(
            or_(
                col(Dispute.claimant_partner_id) == partner_id,
                col(Dispute.respondent_partner_id) == partner_id,
            )
        )
    if state is not None:
        query = query.where(Dispute.state == require_member("state", state, DisputeState))
    query = query.order_by(col(Dispute.opened_at).desc(), col(Dispute.id).desc())
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)
