"""Human tasks of every process type, projected from workflows for the approver inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.enums import ProcessType, TaskState
from store.models.types import JSONDocument, UTCDateTime, utcnow


class TaskBase(SQLModel):
    process_id: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=300)
    role: str = Field(min_length=1, max_length=60)
    assignee: str | None = Field(default=None, max_length=64)
    escalation_level: int = Field(default=0, ge=0)
    priority: int = Field(default=0)
    value: float | None = None
    partner_id: int | None = None
    territory: str | None = Field(default=None, max_length=40)
    due_at: datetime | None = None
    summary: str = Field(default="", max_length=2000)
    payload: dict[str, Any] = Field(default_factory=dict)


class TaskUpsert(TaskBase):
    """What a workflow activity projects; (process_id, kind, escalation_level) identifies it."""

    process_type: ProcessType


class TaskPublic(TaskBase):
    id: int
    process_type: str
    claimed_by: str | None
    state: str
    outcome: str | None
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    on_behalf_of: str | None


class Task(TaskBase, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("process_id", "kind", "escalation_level"),
        Index(None, "state", "role", "due_at"),
        Index(None, "state", "assignee"),
        Index(None, "state", "claimed_by"),
    )

    id: int | None = Field(default=None, primary_key=True)
    process_type: str = Field(max_length=20)
    claimed_by: str | None = Field(default=None, max_length=64)
    state: str = Field(default=TaskState.OPEN, max_length=10)
    outcome: str | None = Field(default=None, max_length=20)
    partner_id: int | None = Field(default=None, foreign_key="partners.id", index=True)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONDocument)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str | None = Field(default=None, max_length=64)
    on_behalf_of: str | None = Field(default=None, max_length=64)
