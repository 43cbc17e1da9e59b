"""Discount exceptions: the row each discount workflow writes, and what pages and the API list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, paginate, parse, refuse, require_exists, require_member
from store.models import DiscountException, DiscountExceptionCreate, DiscountState, Partner, as_utc, utcnow


def create_discount(
    *, session: Session, data: DiscountExceptionCreate | Mapping[str, Any]
) -> DiscountException:
    """Record a requested discount; a retry with the same ``workflow_id`` returns the first."""
    row_in = parse(DiscountExceptionCreate, data)
    existing = session.exec(
        select(DiscountException).where(DiscountException.workflow_id == row_in.workflow_id)
    ).first()
    if existing is not None:
        return existing
    require_exists(session, Partner, row_in.partner_id, "partner_id")
    duplicate = session.exec(
        select(DiscountException).where(
            DiscountException.registration_workflow_id == row_in.registration_workflow_id,
            DiscountException.request_key == row_in.request_key,
        )
    ).first()
    if duplicate is not None:
        raise refuse("request_key", f"already used for this registration by process {duplicate.workflow_id}")
    now = utcnow()
    row = DiscountException(**row_in.model_dump(), created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    return row


def get_discount(*, session: Session, workflow_id: str) -> DiscountException:
    row = session.exec(select(DiscountException).where(DiscountException.workflow_id == workflow_id)).first()
    if row is None:
        raise NotFound("discount request", workflow_id)
    return row


def discount_ids(*, session: Session, registration_workflow_id: str, live_only: bool = False) -> list[str]:
    """The discount requests pricing a registration (only those not ended: ``live_only``), oldest
    first."""
    query = select(DiscountException.workflow_id).where(
        DiscountException.registration_workflow_id == registration_workflow_id
    )
    if live_only:
        query = query.where(col(DiscountException.state).in_(sorted(DiscountState.LIVE)))
    return list(session.exec(query.order_by(col(DiscountException.id))).all())


def update_discount(
    *,
    session: Session,
    workflow_id: str,
    state: str,
    at: datetime,
    requested_discount: float,
    deal_value: float,
    competitor: str,
    justification: str,
    rulebook_version: str,
    standard_discount: float,
    total_discount: float,
    band: int | None,
    valid_until: datetime | None,
    decided_at: datetime | None,
    revisions: int,
    reason_codes: Sequence[str] | None,
) -> DiscountException:
    """Mirror the workflow's state after a transition (idempotent: the same values again)."""
    state = require_member("state", state, DiscountState)
    row = get_discount(session=session, workflow_id=workflow_id)
    row.state = state
    row.requested_discount = requested_discount
    row.deal_value = deal_value
    row.competitor = competitor
    row.justification = justification
    row.rulebook_version = rulebook_version
    row.standard_discount = standard_discount
    row.total_discount = total_discount
    row.band = band
    row.valid_until = as_utc(valid_until) if valid_until else None
    if decided_at is not None:
        row.decided_at = as_utc(decided_at)
    row.revisions = revisions
    if reason_codes is not None:
        row.last_reason_codes = list(reason_codes)
    row.updated_at = as_utc(at)
    session.add(row)
    session.flush()
    return row


def list_discounts(
    *,
    session: Session,
    partner_id: int | None = None,
    registration_workflow_id: str | None = None,
    state: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[DiscountException]:
    """Newest first, narrowed by partner, registration and state."""
    query = select(DiscountException)
    if partner_id is not None:
        query = query.where(DiscountException.partner_id == partner_id)
    if registration_workflow_id is not None:
        query = query.where(DiscountException.registration_workflow_id == registration_workflow_id)
    if state is not None:
        query = query.where(DiscountException.state == require_member("state", state, DiscountState))
    query = query.order_by(col(DiscountException.created_at).desc(), col(DiscountException.id).desc())
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)
