"""Append-only records: the audit trail (notifications live in ``store.models.notifications``).

Every event carries an idempotency key with a unique constraint, so an activity Temporal
retries after a crash writes its record once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from store.models.types import JSONDocument, ProcessTypeName, UTCDateTime, utcnow


class AuditEventBase(SQLModel):
    process_id: str = Field(min_length=1, max_length=200)
    actor: str = Field(min_length=1, max_length=120, description="user name or rule:<code>")
    on_behalf_of: str | None = Field(default=None, max_length=64)
    action: str = Field(min_length=1, max_length=60)
    rulebook_version: str | None = Field(default=None, max_length=40)
    reason_codes: list[str] = Field(default_factory=list)
    before_state: str | None = Field(default=None, max_length=40)
    after_state: str | None = Field(default=None, max_length=40)
    detail: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str = Field(min_length=1, max_length=200)


class AuditEventCreate(AuditEventBase):
    process_type: ProcessTypeName
    at: datetime | None = None


class AuditEvent(AuditEventBase, table=True):
    __tablename__ = "audit_events"
    __table_args__ = (Index(None, "process_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    process_type: str = Field(max_length=20)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    detail: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    idempotency_key: str = Field(max_length=200, unique=True)
