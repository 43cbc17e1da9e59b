"""Discount exceptions: the database projection of each discount workflow (what pages and the API
list without asking Temporal). The workflow is the authority; this row follows it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.models.enums import DiscountState
from store.models.types import JSONDocument, UTCDateTime, utcnow


class DiscountExceptionBase(SQLModel):
    partner_id: int
    registration_workflow_id: str = Field(min_length=1, max_length=200)
    request_key: str = Field(min_length=1, max_length=120)
    requested_discount: float = Field(ge=0, le=1)
    deal_value: float = Field(ge=0, le=1e12)
    competitor: str = Field(default="", max_length=200)
    justification: str = Field(default="", max_length=2000)
    submitted_by: str = Field(min_length=1, max_length=64)
    rulebook_version: str = Field(min_length=1, max_length=40)


class DiscountExceptionCreate(DiscountExceptionBase):
    """What a discount workflow records when it starts. ``workflow_id`` is its process id."""

    workflow_id: str = Field(min_length=1, max_length=200)


class DiscountException(DiscountExceptionBase, table=True):
    __tablename__ = "discount_exceptions"
    __table_args__ = (
        UniqueConstraint("registration_workflow_id", "request_key"),
        Index(None, "partner_id", "state"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=200, unique=True)
    partner_id: int = Field(foreign_key="partners.id")
    registration_workflow_id: str = Field(max_length=200, index=True)
    state: str = Field(default=DiscountState.REQUESTED, max_length=20)
    standard_discount: float = 0.0
    total_discount: float = 0.0
    band: int | None = None
    valid_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revisions: int = 0
    last_reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
