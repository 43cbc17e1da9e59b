"""The audit trail: events written once per idempotency key, read as a process's timeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.crud._common import Page, insert_if_absent, paginate, parse, table_of
from store.models import (
    AuditEvent,
    AuditEventCreate,
    as_utc,
    utcnow,
)


def append_audit_event(*, session: Session, data: AuditEventCreate | Mapping[str, Any]) -> AuditEvent:
    """Record who (user or ``rule:<code>``) did what, when, under which rulebook, and why.

    A second call with the same ``idempotency_key`` returns the first event unchanged.
    """
    event_in = parse(AuditEventCreate, data)
    values = event_in.model_dump()
    values["at"] = as_utc(event_in.at) if event_in.at else utcnow()
    values["reason_codes"] = [str(code) for code in event_in.reason_codes]
    insert_if_absent(session, table_of(AuditEvent), values, ("idempotency_key",))
    query = select(AuditEvent).where(AuditEvent.idempotency_key == event_in.idempotency_key)
    return session.exec(query).one()


def list_audit_events(
    *,
    session: Session,
    process_id: str | None = None,
    actor: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> Page[AuditEvent]:
    """Audit events in the order they happened (a process's timeline when ``process_id`` is set)."""
    query = select(AuditEvent).order_by(col(AuditEvent.at), col(AuditEvent.id))
    if process_id is not None:
        query = query.where(AuditEvent.process_id == process_id)
    if actor is not None:
        query = query.where(AuditEvent.actor == actor)
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


def latest_states(*, session: Session, process_ids: Sequence[str]) -> dict[str, str]:
    """Each process's state after its latest transition, from the audit trail (every process
    type writes one event per transition, so this is the same for all of them)."""
    if not process_ids:
        return {}
    latest = (
        select(AuditEvent.process_id, func.max(AuditEvent.id).label("id"))
        .where(col(AuditEvent.process_id).in_(list(process_ids)), col(AuditEvent.after_state).is_not(None))
        .group_by(col(AuditEvent.process_id))
        .subquery()
    )
    query = select(AuditEvent.process_id, AuditEvent.after_state).join(
        latest, col(AuditEvent.id) == latest.c.id
    )
    return {process_id: state for process_id, state in session.exec(query).all() if state is not None}
