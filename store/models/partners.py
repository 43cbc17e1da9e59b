"""Partners, their contacts, end-customer accounts and where direct sales is engaged."""

from __future__ import annotations

from datetime import datetime

from pydantic import field_validator
from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from parley.text import plain_name
from store.models.enums import PartnerStatus
from store.models.types import JSONDocument, UTCDateTime, utcnow


class PartnerBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    tier: str = Field(min_length=1, max_length=40)
    territories: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    verticals: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    certifications: list[str] = Field(default_factory=list, sa_type=JSONDocument)
    # Certification code -> ISO expiry date; a code missing here does not expire.
    certification_expiry: dict[str, str] | None = Field(default=None, sa_type=JSONDocument)

    _plain_name = field_validator("name")(plain_name)


class PartnerCreate(PartnerBase):
    status: PartnerStatus = PartnerStatus.ACTIVE


class PartnerPublic(PartnerBase):
    id: int
    status: str
    created_at: datetime


class Partner(PartnerBase, table=True):
    """A channel partner. Territories, verticals and certifications are JSON lists of codes."""

    __tablename__ = "partners"

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=PartnerStatus.ACTIVE, max_length=20, index=True)
    # Set by an exit when the rulebook revokes access: the partner's users can no longer sign in
    # and its API tokens are refused; cleared when the exit is cancelled.
    access_revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PartnerContactBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    title: str | None = Field(default=None, max_length=120)
    phone: str | None = Field(default=None, max_length=40)

    _plain_name = field_validator("name")(plain_name)


class PartnerContactCreate(PartnerContactBase):
    partner_id: int


class PartnerContact(PartnerContactBase, table=True):
    __tablename__ = "partner_contacts"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partners.id", index=True, ondelete="CASCADE")


class AccountBase(SQLModel):
    name: str = Field(min_length=1, max_length=200)
    web_domain: str | None = Field(default=None, max_length=253)
    territory: str = Field(min_length=1, max_length=40)
    vertical: str = Field(min_length=1, max_length=60)

    _plain_name = field_validator("name")(plain_name)


class AccountCreate(AccountBase):
    pass


class AccountPublic(AccountBase):
    id: int
    normalised_name: str
    normalised_domain: str | None


class Account(AccountBase, table=True):
    """An end customer. Normalised name and domain are what duplicate detection compares."""

    __tablename__ = "accounts"

    id: int | None = Field(default=None, primary_key=True)
    normalised_name: str = Field(max_length=200, index=True)
    normalised_domain: str | None = Field(default=None, max_length=253, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class AccountBlock(SQLModel, table=True):
    """One blocking key of an account (``rules.matching.AccountKey.blocks``), written with it, so
    the conflict check finds direct-sales accounts the way it finds registrations."""

    __tablename__ = "account_blocks"

    block: str = Field(primary_key=True, max_length=260)
    account_id: int = Field(primary_key=True, foreign_key="accounts.id", index=True, ondelete="CASCADE")


class DirectEngagementBase(SQLModel):
    account_id: int
    product_line: str | None = Field(default=None, max_length=60)
    owner: str = Field(min_length=1, max_length=120)
    since: datetime
    until: datetime | None = None


class DirectEngagementCreate(DirectEngagementBase):
    pass


class DirectEngagement(DirectEngagementBase, table=True):
    """Direct sales is engaged on an account for one product line (``None`` = every line)."""

    __tablename__ = "direct_engagements"
    __table_args__ = (Index(None, "account_id", "product_line"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="accounts.id", ondelete="CASCADE")
    since: datetime = Field(sa_type=UTCDateTime)
    until: datetime | None = Field(default=None, sa_type=UTCDateTime)
