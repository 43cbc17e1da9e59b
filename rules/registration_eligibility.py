"""Eligibility of a partner for a registration: active, authorised, certified."""

from __future__ import annotations

from datetime import datetime

from rules.enums import PartnerStatus
from rules.facts import PartnerFacts, RegistrationRequest
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_tables import RegistrationTables, registration_tables
from rules.schema import Rulebook


def when(moment: datetime) -> str:
    """A timestamp for reason texts: ``2026-03-02 14:00:05 UTC``."""
    # Every time is UTC; isoformat costs a fraction of strftime, and reasons quote many times.
    return moment.isoformat(" ", "seconds")[:19] + " UTC"


def eligibility_reasons(
    rulebook: Rulebook, request: RegistrationRequest, partner: PartnerFacts
) -> list[Reason]:
    """Every eligibility rule the partner fails for this request (empty when eligible)."""
    return eligibility(rulebook, registration_tables(rulebook), request, partner)


def eligibility(
    rulebook: Rulebook, tables: RegistrationTables, request: RegistrationRequest, partner: PartnerFacts
) -> list[Reason]:
    """``eligibility_reasons`` with the rulebook's tables at hand (a registration decision has
    them already)."""
    # Texts are functions, written only when read (``rules.reasons.reason``).
    rule = rulebook.registration.eligibility
    found: list[Reason] = []
    if partner.status is not PartnerStatus.ACTIVE:
        frozen = " (notice given: new registrations are frozen)" * (partner.status is PartnerStatus.EXITING)
        found.append(
            reason(
                ReasonCode.PARTNER_INACTIVE,
                lambda: (
                    f"partner {partner.partner_id} is {partner.status.value}{frozen}; only "
                    "active partners may register deals"
                ),
                partner=partner.partner_id,
                status=partner.status.value,
            )
        )
    if (
        partner.unacknowledged_rulebook == rulebook.version
        and not rulebook.rollout.unacknowledged_may_register
    ):
        found.append(
            reason(
                ReasonCode.RULEBOOK_NOT_ACKNOWLEDGED,
                lambda: (
                    f"partner {partner.partner_id} has not acknowledged rulebook {rulebook.version}, "
                    f"in force since {when(rulebook.effective_from)}; it must be acknowledged before new "
                    "registrations"
                ),
                partner=partner.partner_id,
                rulebook=rulebook.version,
                since=when(rulebook.effective_from),
            )
        )
    if request.territory not in tables.territories:
        found.append(
            reason(
                ReasonCode.UNKNOWN_TERRITORY,
                lambda: (
                    f"territory {request.territory!r} is not part of the program ({tables.territories_text})"
                ),
                territory=request.territory,
            )
        )
    elif rule.require_territory and request.territory not in partner.territories:
        found.append(
            reason(
                ReasonCode.TERRITORY_NOT_AUTHORISED,
                lambda: (
                    f"partner {partner.partner_id} is authorised for "
                    f"{', '.join(partner.territories) or 'no territory'}, not {request.territory}"
                ),
                territory=request.territory,
                authorised=", ".join(partner.territories),
            )
        )
    if request.vertical not in tables.verticals:
        found.append(
            reason(
                ReasonCode.UNKNOWN_VERTICAL,
                lambda: f"vertical {request.vertical!r} is not part of the program ({tables.verticals_text})",
                vertical=request.vertical,
            )
        )
    elif rule.require_vertical and request.vertical not in partner.verticals:
        found.append(
            reason(
                ReasonCode.VERTICAL_NOT_AUTHORISED,
                lambda: (
                    f"partner {partner.partner_id} is authorised for "
                    f"{', '.join(partner.verticals) or 'no vertical'}, not {request.vertical}"
                ),
                vertical=request.vertical,
                authorised=", ".join(partner.verticals),
            )
        )
    product = tables.product_lines.get(request.product_line)
    if product is None:
        found.append(
            reason(
                ReasonCode.UNKNOWN_PRODUCT_LINE,
                lambda: (
                    f"product line {request.product_line!r} is not part of the program "
                    f"({tables.product_lines_text})"
                ),
                product_line=request.product_line,
            )
        )
    elif rule.require_certification:
        missing = [c for c in product.required_certifications if c not in partner.certifications]
        if missing:
            found.append(
                reason(
                    ReasonCode.NOT_CERTIFIED,
                    lambda: (
                        f"{product.name} requires certification {', '.join(missing)}, which "
                        f"partner {partner.partner_id} does not hold"
                    ),
                    product_line=product.id,
                    missing=", ".join(missing),
                )
            )
    return found
