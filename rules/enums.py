"""The small vocabularies shared by the rulebook schema, the facts and the decisions.

All are ``StrEnum`` so they serialise as plain strings through Temporal's JSON converter and YAML.
"""

from __future__ import annotations

from enum import StrEnum


class PartnerStatus(StrEnum):
    """A partner's standing in the program: the rules read it, the partners table stores it."""

    ACTIVE = "active"
    SUSPENDED = "suspended"
    EXITING = "exiting"  # notice given: new registrations are frozen
    EXITED = "exited"


class RegistrationStanding(StrEnum):
    """How an existing registration stands for the conflict rules (the rulebook's
    ``holding_states``). The process's own lifecycle is ``store.models.RegistrationStanding``;
    ``store.rules_view`` reads one as the other."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    CLOSED_WON = "closed_won"
    CLOSED_LOST = "closed_lost"


class Outcome(StrEnum):
    AUTO_APPROVED = "auto_approved"
    AUTO_REJECTED = "auto_rejected"
    NEEDS_APPROVAL = "needs_approval"


class DefaultAction(StrEnum):
    """What happens when the last approver's SLA also passes without an answer."""

    APPROVE = "approve"
    REJECT = "reject"

    @property
    def past(self) -> str:
        """``approved`` / ``rejected``, for sentences."""
        return "approved" if self is DefaultAction.APPROVE else "rejected"


class DirectEngagementPolicy(StrEnum):
    """Accounts where direct sales is engaged: refuse the registration, or route it to people."""

    PRECLUDE = "preclude"
    ROUTE = "route"


class Channel(StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    MEETING = "meeting"


class ExitType(StrEnum):
    VOLUNTARY = "voluntary"
    FOR_CAUSE = "for_cause"
    PROGRAM_CHANGE = "program_change"


class Disposition(StrEnum):
    HONOUR_UNTIL_EXPIRY = "honour_until_expiry"
    TRANSFER = "transfer"
    RETURN_TO_DIRECT = "return_to_direct"


class DisputeResolution(StrEnum):
    """How a dispute ends: the original decision stands, the account goes to the claimant, the
    parties share it, or it goes back to direct sales."""

    UPHOLD = "uphold"
    AWARD_CLAIMANT = "award_claimant"
    CO_SELL = "co_sell"
    RETURN_TO_DIRECT = "return_to_direct"


class DisputeSide(StrEnum):
    """Who stands on one side of a dispute: a partner (through its registration) or direct sales."""

    PARTNER = "partner"
    DIRECT = "direct"


class AccessRevocation(StrEnum):
    IMMEDIATELY = "immediately"
    AT_NOTICE_END = "at_notice_end"
