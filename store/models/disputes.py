"""Disputes and their case thread: the database projection of each dispute workflow (what pages
and the API list without asking Temporal). The workflow is the authority; these rows follow it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from store.models.enums import DisputeState
from store.models.types import JSONDocument, UTCDateTime, utcnow


class DisputeCreate(SQLModel):
    """What a dispute workflow records when it opens. ``contest_key`` names the contested pair;
    its uniqueness is what refuses a second dispute over the same pair."""

    workflow_id: str = Field(min_length=1, max_length=200)
    contest_key: str = Field(min_length=1, max_length=420)
    claimant_side: str = Field(max_length=20)
    respondent_side: str = Field(max_length=20)
    claimant_partner_id: int | None = None
    respondent_partner_id: int | None = None
    claimant_registration_id: str | None = Field(default=None, max_length=200)
    respondent_registration_id: str | None = Field(default=None, max_length=200)
    product_line: str = Field(min_length=1, max_length=60)
    contested_codes: list[str] = Field(default_factory=list)
    opened_by: str = Field(min_length=1, max_length=64)
    rulebook_version: str = Field(min_length=1, max_length=40)


class Dispute(SQLModel, table=True):
    __tablename__ = "disputes"
    __table_args__ = (
        Index(None, "claimant_partner_id", "state"),
        Index(None, "respondent_partner_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=200, unique=True)
    contest_key: str = Field(max_length=420, unique=True)
    claimant_side: str = Field(max_length=20)
    respondent_side: str = Field(max_length=20)
    claimant_partner_id: int | None = Field(default=None, foreign_key="partners.id")
    respondent_partner_id: int | None = Field(default=None, foreign_key="partners.id")
    claimant_registration_id: str | None = Field(default=None, max_length=200, index=True)
    respondent_registration_id: str | None = Field(default=None, max_length=200, index=True)
    product_line: str = Field(max_length=60)
    contested_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    opened_by: str = Field(max_length=64)
    rulebook_version: str = Field(max_length=40)
    state: str = Field(default=DisputeState.OPENED, max_length=20)
    level: int | None = None  # the escalation level hearing the case (0 is the first)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolution: str | None = Field(default=None, max_length=40)
    resolved_by_default: bool = False
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    opened_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DisputeStatement(SQLModel, table=True):
    """One entry of a case thread: a party's statement or a comment. ``key`` makes a retried
    write of the same entry a no-op."""

    __tablename__ = "dispute_statements"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=240, unique=True)
    dispute_workflow_id: str = Field(max_length=200, index=True)
    side: str = Field(max_length=20)  # claimant, respondent, or the deciders (path)
    author: str = Field(max_length=64)
    text: str = Field(max_length=4000)
    at: datetime = Field(sa_type=UTCDateTime)
