"""Inputs of the registration decision: the request and the snapshot of facts it needs.

Frozen dataclasses of plain types (str, float, tz-aware UTC datetimes, StrEnums, tuples) so they
pass through Temporal's default JSON converter unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from rules.enums import PartnerStatus, RegistrationStanding

if TYPE_CHECKING:
    from rules.matching import CandidateIndex


@dataclass(frozen=True)
class RegistrationRequest:
    """A partner's deal registration as submitted.

    ``request_key`` is the caller's idempotency key; it also breaks ties between submissions
    made at the very same instant (the smaller key was first).
    """

    request_key: str
    partner_id: str
    account_name: str
    account_domain: str
    territory: str
    vertical: str
    product_line: str
    deal_value: float
    submitted_at: datetime


@dataclass(frozen=True)
class PartnerFacts:
    partner_id: str
    status: PartnerStatus
    tier: str
    territories: tuple[str, ...] = ()
    verticals: tuple[str, ...] = ()
    certifications: tuple[str, ...] = ()
    # The version in force that the partner was asked to acknowledge and has not (None: nothing
    # outstanding, or the version was never published to partners, e.g. the first one imported).
    unacknowledged_rulebook: str | None = None


@dataclass(frozen=True)
class ExistingRegistration:
    """A registration already on file, in whatever state it is now.

    ``request_key`` (when known) is the key it was submitted with, used for same-instant
    tie-breaks; otherwise ``registration_id`` is used.
    """

    registration_id: str
    partner_id: str
    account_name: str
    account_domain: str
    product_line: str
    state: RegistrationStanding
    submitted_at: datetime
    expires_at: datetime | None = None
    request_key: str | None = None

    @property
    def order_key(self) -> tuple[datetime, str, str]:
        """Submission order: time, then submission key, then id (a total, stable order)."""
        return (self.submitted_at, self.request_key or self.registration_id, self.registration_id)


def registered(
    request: RegistrationRequest, state: RegistrationStanding, expires_at: datetime | None = None
) -> ExistingRegistration:
    """``request`` as a registration on file standing ``state`` (its request key is its id)."""
    return ExistingRegistration(
        registration_id=request.request_key,
        partner_id=request.partner_id,
        account_name=request.account_name,
        account_domain=request.account_domain,
        product_line=request.product_line,
        state=state,
        submitted_at=request.submitted_at,
        expires_at=expires_at,
        request_key=request.request_key,
    )


@dataclass(frozen=True)
class DirectEngagement:
    """Direct sales is working this account (``product_line`` None = the whole account)."""

    account_name: str
    account_domain: str
    product_line: str | None
    since: datetime


@dataclass(frozen=True)
class RegistrationFacts:
    """What the registration decision may look at besides the request and the rulebook.

    ``existing`` may be a ``CandidateIndex`` (fast candidate lookup: ``RegistrationIndex``, or
    ``KnownAccountsIndex`` when every account is known up front) or any sequence of
    ``ExistingRegistration`` (scanned in full; fine for small snapshots and tests).
    ``prior_submissions`` counts this partner's earlier submissions for the same account and
    product line.
    """

    partner: PartnerFacts
    existing: CandidateIndex | Sequence[ExistingRegistration] = ()
    direct_engagements: Sequence[DirectEngagement] = field(default_factory=tuple)
    prior_submissions: int = 0
