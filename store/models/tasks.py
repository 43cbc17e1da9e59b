"""Human tasks of every process type, projected from workflows for the approver inbox."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store.models.enums import TaskState
from store.models.types import JSONDocument, ProcessTypeName, UTCDateTime, utcnow

# The role queues of the inbox: open, unassigned, unclaimed tasks by role (and partner). A partial
# index holds only those rows; store/crud/inbox.py asks for each queue condition in its own
# select so that SQLite uses it (the assigned/claimed conditions use the two state indexes).
# ``state`` leads although the WHERE fixes it: with two equality columns SQLite prefers this
# index over (state, role, due_at), which would read every open task of the role.
UNCLAIMED_OPEN = text("state = 'open' AND assignee IS NULL AND claimed_by IS NULL")


class TaskBase(SQLModel):
    process_id: str = Field(min_length=1, max_length=200)
    kind: str = Field(min_length=1, max_length=60)
    title: str = Field(min_length=1, max_length=300)
    role: str = Field(min_length=1, max_length=60)
    assignee: str | None = Field(default=None, max_length=64)
    escalation_level: int = Field(default=0, ge=0)  # the step of the process's approval path
    slot: str = Field(default="", max_length=60, sa_column_kwargs={"server_default": ""})
    priority: int = Field(default=0)
    value: float | None = None
    partner_id: int | None = None
    territory: str | None = Field(default=None, max_length=40)
    due_at: datetime | None = None
    summary: str = Field(default="", max_length=2000)
    payload: dict[str, Any] = Field(default_factory=dict)


class TaskOpen(TaskBase):
    """What a workflow activity projects: (process_id, kind, escalation_level, slot) identify it.

    The slot tells several open tasks of one step apart: parallel approvers (one per role), the
    parties of a dispute, the registrations of an exit. A process with one task per step leaves
    it empty.
    """

    process_type: ProcessTypeName


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
        UniqueConstraint("process_id", "kind", "escalation_level", "slot"),
        Index(None, "state", "role", "due_at"),
        Index(None, "state", "assignee"),
        Index(None, "state", "claimed_by"),
        Index(
            "ix_tasks_unclaimed_open_state_role_partner_id",
            "state",
            "role",
            "partner_id",
            sqlite_where=UNCLAIMED_OPEN,
            postgresql_where=UNCLAIMED_OPEN,
        ),
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
