"""Bodies and answers of ``/api/v1/partners`` and ``/api/v1/engagements``.

The shapes only; what the rulebook allows (tiers, territories, verticals, certifications,
product lines) is checked by ``parley.clients.partners`` and refused as a 422 naming the field.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

from store.models import PartnerStatus
from web.api.schemas import MAX_ID, ONE_LINE, VISIBLE, Out, PartnerId, Query, Strict


def _in_range(value: datetime) -> datetime:
    if not 2000 <= value.year <= 2200:
        raise ValueError("must be between the years 2000 and 2200")
    return value.astimezone(UTC)


# A moment with its time zone, in a range a calendar of business can mean.
Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]
Code = Annotated[str, Field(min_length=1, max_length=60, pattern=VISIBLE)]
Codes = Annotated[list[Code], Field(max_length=50)]
ExpiryDates = Annotated[dict[Code, date], Field(max_length=50)]


class PartnerPatch(Strict):
    """Fields to change (only those sent); certification_expiry maps held codes to dates."""

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=VISIBLE)
    tier: Code | None = None
    status: Code | None = None
    territories: Codes | None = None
    verticals: Codes | None = None
    certifications: Codes | None = None
    certification_expiry: ExpiryDates | None = None


class PartnerIn(PartnerPatch):
    name: str = Field(min_length=1, max_length=200, pattern=VISIBLE)
    tier: Code


class PartnerOut(Out):
    id: int
    name: str
    tier: str
    status: str
    territories: list[str]
    verticals: list[str]
    certifications: list[str]
    certification_expiry: dict[str, str] | None
    created_at: datetime


class PartnerPage(Out):
    items: list[PartnerOut]
    total: int
    page: int
    per_page: int


class PartnerQuery(Query):
    status: PartnerStatus | None = None
    territory: str | None = Field(default=None, max_length=40, pattern=ONE_LINE)
    text: str | None = Field(default=None, max_length=200, pattern=ONE_LINE)
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)


class ContactIn(Strict):
    name: str = Field(min_length=1, max_length=200, pattern=VISIBLE)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    title: str | None = Field(default=None, max_length=120, pattern=ONE_LINE)
    phone: str | None = Field(default=None, max_length=40, pattern=ONE_LINE)


class ContactOut(Out):
    id: int
    partner_id: int
    name: str
    email: str | None
    title: str | None
    phone: str | None


class ContactList(Out):
    items: list[ContactOut]


class EngagementIn(Strict):
    """Direct sales engaged on an account: ``account_id``, or a new account from its name,
    domain, territory and vertical. ``product_line`` absent means every line."""

    account_id: PartnerId | None = None
    account_name: str | None = Field(default=None, min_length=1, max_length=200, pattern=VISIBLE)
    account_domain: str | None = Field(default=None, max_length=253, pattern=ONE_LINE)
    territory: Code | None = None
    vertical: Code | None = None
    product_line: Code | None = None
    owner: str = Field(min_length=1, max_length=120, pattern=VISIBLE)
    since: Instant
    until: Instant | None = None


class EngagementOut(Out):
    id: int
    account_id: int
    product_line: str | None
    owner: str
    since: datetime
    until: datetime | None


class EngagementList(Out):
    items: list[EngagementOut]


class EngagementQuery(Query):
    account_id: int | None = Field(default=None, ge=1, le=MAX_ID)


class EngagementEndIn(Strict):
    """When the engagement ended (default: now)."""

    until: Instant | None = None
