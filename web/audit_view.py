"""The audit timeline of one process, as the pages show it."""

from __future__ import annotations

from sqlmodel import Session

from store.crud import records as records_crud
from store.models.records import AuditEvent

TIMELINE_LIMIT = 200


def timeline_for(session: Session, process_id: str) -> list[AuditEvent]:
    """The process's audit events, oldest first (the first ``TIMELINE_LIMIT``)."""
    page = records_crud.list_audit_events(session=session, process_id=process_id, per_page=TIMELINE_LIMIT)
    return page.items
