"""Deal registrations (the database projection of each registration workflow) and account claims."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from parley.text import plain_name
from store.models.enums import RegistrationState
from store.models.types import JSONDocument, UTCDateTime, utcnow


class RegistrationBase(SQLModel):
    partner_id: int
    request_key: str = Field(min_length=1, max_length=120)
    account_name: str = Field(min_length=1, max_length=200)
    account_domain: str | None = Field(default=None, max_length=253)
    territory: str = Field(min_length=1, max_length=40)
    vertical: str = Field(min_length=1, max_length=60)
    product_line: str = Field(min_length=1, max_length=60)
    deal_value: float = Field(ge=0)
    submitted_by: str = Field(min_length=1, max_length=64)
    rulebook_version: str = Field(min_length=1, max_length=40)

    _plain_name = field_validator("account_name")(plain_name)


class RegistrationCreate(RegistrationBase):
    """What a registration workflow records at submission. ``workflow_id`` is its process id."""

    workflow_id: str = Field(min_length=1, max_length=200)
    account_id: int | None = None
    submitted_at: datetime | None = None
    state: RegistrationState = RegistrationState.SUBMITTED


class RegistrationPublic(RegistrationBase):
    id: int
    workflow_id: str
    account_id: int | None
    normalised_name: str
    normalised_domain: str | None
    account_key: str
    state: str
    submitted_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    extensions_used: int
    last_reason_codes: list[str]
    updated_at: datetime


class Registration(RegistrationBase, table=True):
    """One row per registration workflow; the workflow is the authority, this is what pages read."""

    __tablename__ = "registrations"
    __table_args__ = (
        UniqueConstraint("partner_id", "request_key"),
        Index(None, "state", "territory"),
        Index(None, "account_key", "product_line"),
    )

    id: int | None = Field(default=None, primary_key=True)
    workflow_id: str = Field(max_length=200, unique=True)
    partner_id: int = Field(foreign_key="partners.id", index=True)
    account_id: int | None = Field(default=None, foreign_key="accounts.id", index=True)
    normalised_name: str = Field(max_length=200, index=True)
    normalised_domain: str | None = Field(default=None, max_length=253, index=True)
    account_key: str = Field(max_length=260)
    state: str = Field(default=RegistrationState.SUBMITTED, max_length=20)
    submitted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    extensions_used: int = 0
    last_reason_codes: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RegistrationBlock(SQLModel, table=True):
    """One blocking key of a registration's account (``rules.matching.AccountKey.blocks``).

    Written in the transaction that stores the registration, so the conflict check finds its
    candidates the way the rules core's ``RegistrationIndex`` does: every registration sharing a
    key, through this table's primary-key index, however many registrations are on file.
    """

    __tablename__ = "registration_blocks"

    block: str = Field(primary_key=True, max_length=260)
    registration_id: int = Field(
        primary_key=True, foreign_key="registrations.id", index=True, ondelete="CASCADE"
    )


class AccountClaim(SQLModel, table=True):
    """The "first to register" hold: at most one row per (account key, product line).

    The unique constraint is the lock: whoever inserts first holds the account until the row is
    deleted (on rejection, expiry, loss or withdrawal).
    """

    __tablename__ = "account_claims"
    __table_args__ = (UniqueConstraint("account_key", "product_line"),)

    id: int | None = Field(default=None, primary_key=True)
    account_key: str = Field(max_length=260)
    product_line: str = Field(max_length=60)
    workflow_id: str = Field(max_length=200, index=True)
    partner_id: int = Field(foreign_key="partners.id")
    submitted_at: datetime = Field(sa_type=UTCDateTime)
    claimed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
