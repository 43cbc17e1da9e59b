"""Partner exits and each open registration's disposition: the database projection of each exit
workflow (what pages and the API list without asking Temporal). The workflow is the authority;
these rows follow it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.enums import DispositionState, ExitState
from store.models.types import JSONDocument, UTCDateTime, utcnow


class Exit(SQLModel, table=True):
    """One exit of one partner. ``live_partner_id`` is the partner's id while the exit is live and
    NULL after: its uniqueness is what refuses a second exit of a partner already exiting."""

    __tablename__ = "exits"

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=200, unique=True)
    partner_id: int = Field(foreign_key="partners.id", index=True)
    live_partner_id: int | None = Field(default=None, unique=True)
    exit_type: str = Field(max_length=20)
    why: str = Field(max_length=2000)
    started_by: str = Field(max_length=64)
    rulebook_version: str = Field(max_length=40)
    state: str = Field(default=ExitState.STARTED, max_length=20, index=True)
    previous_status: str = Field(max_length=20)  # the partner's status before, restored on cancel
    notice_given_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notice_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    access_revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    commission_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    mdf_ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ends_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the wind-down ends
    last_reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ExitDisposition(SQLModel, table=True):
    """What an exit does with one of the partner's open registrations."""

    __tablename__ = "exit_dispositions"
    __table_args__ = (UniqueConstraint("exit_workflow_id", "registration_id"),)

    id: int | None = Field(default=None, primary_key=True)
    exit_workflow_id: str = Field(max_length=200, index=True)
    registration_id: str = Field(max_length=200, index=True)
    disposition: str = Field(max_length=30)
    state: str = Field(default=DispositionState.PLANNED, max_length=20)
    effective_at: datetime = Field(sa_type=UTCDateTime)
    reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    transferee_partner_id: int | None = Field(default=None, foreign_key="partners.id")
    transferee_registration_id: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
