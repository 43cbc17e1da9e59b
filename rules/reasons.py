"""Stable reason codes and the ``Reason`` every decision carries.

Codes are part of the public contract (partners, the audit trail and reports filter on them), so
they never change meaning; texts are for people and include the facts used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ReasonCode(StrEnum):
    """Every code a decision function can give, grouped by the rule that produced it."""

    PARTNER_INACTIVE = "eligibility.partner_inactive"
    TERRITORY_NOT_AUTHORISED = "eligibility.territory_not_authorised"
    VERTICAL_NOT_AUTHORISED = "eligibility.vertical_not_authorised"
    NOT_CERTIFIED = "eligibility.not_certified"
    UNKNOWN_TERRITORY = "eligibility.unknown_territory"
    UNKNOWN_VERTICAL = "eligibility.unknown_vertical"
    UNKNOWN_PRODUCT_LINE = "eligibility.unknown_product_line"
    FIRST_TO_REGISTER = "conflict.first_to_register"
    FIRST_TO_REGISTER_WON = "conflict.first_to_register_won"
    DIRECT_ENGAGED = "conflict.direct_engaged"
    PRIOR_EXPIRED = "conflict.prior_expired"
    PRIOR_RELEASED = "conflict.prior_released"
    OTHER_PRODUCT_LINE = "conflict.other_product_line"
    ALREADY_REGISTERED = "duplicate.already_registered"
    FUZZY_MATCH = "duplicate.fuzzy_match"
    APPROVAL_REQUIRED = "approval.required"
    AUTO_APPROVED = "auto.approved"
    AUTO_REJECTED = "auto.rejected"
    RESUBMISSION_LIMIT = "resubmission.limit_reached"
    EXTENSION_GRANTED = "extension.granted"
    EXTENSION_LIMIT = "extension.limit_reached"
    EXTENSION_LAPSED = "extension.lapsed"
    EXTENSION_TOO_EARLY = "extension.too_early"
    DISCOUNT_STANDARD = "discount.within_standard"
    DISCOUNT_AUTOMATIC = "discount.automatic_band"
    DISCOUNT_APPROVAL = "discount.approval_required"
    DISCOUNT_DEAL_SIZE = "discount.deal_size_bump"
    DISCOUNT_JUSTIFICATION_MISSING = "discount.justification_required"
    DISCOUNT_ABOVE_MAXIMUM = "discount.above_maximum"
    EXIT_HONOUR = "exit.honour_until_expiry"
    EXIT_TRANSFER = "exit.transfer"
    EXIT_RETURN_TO_DIRECT = "exit.return_to_direct"
    EXIT_HONOUR_LIMIT = "exit.beyond_honour_limit"


@dataclass(frozen=True)
class Reason:
    """Why a decision went the way it did: a stable ``code``, readable ``text``, and the facts.

    ``facts`` holds the values the rule looked at, as strings, so the reason serialises as-is
    and an auditor can see e.g. who held the account and since when.
    """

    code: str
    text: str
    facts: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.code}: {self.text}"


def reason(code: ReasonCode, text: str, **facts: object) -> Reason:
    """Build a ``Reason`` with every fact turned into a string (datetimes as ISO-8601)."""
    return Reason(code=code.value, text=text, facts={k: _fact(v) for k, v in facts.items()})


def _fact(value: object) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
