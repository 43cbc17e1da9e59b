"""Eligibility of a partner for a registration: active, authorised, certified."""

from __future__ import annotations

from datetime import datetime

from rules.enums import PartnerStatus
from rules.facts import PartnerFacts, RegistrationRequest
from rules.reasons import Reason, ReasonCode, reason
from rules.schema import Rulebook


def when(moment: datetime) -> str:
    """A timestamp for reason texts: ``2026-03-02 14:00:05 UTC``."""
    # Every time is UTC; isoformat costs a fraction of strftime, and reasons quote many times.
    return moment.isoformat(" ", "seconds")[:19] + " UTC"


def eligibility_reasons(
    rulebook: Rulebook, request: RegistrationRequest, partner: PartnerFacts
) -> list[Reason]:
    """Every eligibility rule the partner fails for this request (empty when eligible)."""
    program = rulebook.program
    rule = rulebook.registration.eligibility
    found: list[Reason] = []
    if partner.status is not PartnerStatus.ACTIVE:
        frozen = " (notice given: new registrations are frozen)" * (partner.status is PartnerStatus.EXITING)
        found.append(
            reason(
                ReasonCode.PARTNER_INACTIVE,
                f"partner {partner.partner_id} is {partner.status.value}{frozen}; only active "
                "partners may register deals",
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
                f"partner {partner.partner_id} has not acknowledged rulebook {rulebook.version}, in force "
                f"since {when(rulebook.effective_from)}; it must be acknowledged before new registrations",
                partner=partner.partner_id,
                rulebook=rulebook.version,
                since=when(rulebook.effective_from),
            )
        )
    if request.territory not in program.territories:
        found.append(
            reason(
                ReasonCode.UNKNOWN_TERRITORY,
                f"territory {request.territory!r} is not part of the program "
                f"({', '.join(program.territories)})",
                territory=request.territory,
            )
        )
    elif rule.require_territory and request.territory not in partner.territories:
        found.append(
            reason(
                ReasonCode.TERRITORY_NOT_AUTHORISED,
                f"partner {partner.partner_id} is authorised for "
                f"{', '.join(partner.territories) or 'no territory'}, not {request.territory}",
                territory=request.territory,
                authorised=", ".join(partner.territories),
            )
        )
    if request.vertical not in program.verticals:
        found.append(
            reason(
                ReasonCode.UNKNOWN_VERTICAL,
                f"vertical {request.vertical!r} is not part of the program ({', '.join(program.verticals)})",
                vertical=request.vertical,
            )
        )
    elif rule.require_vertical and request.vertical not in partner.verticals:
        found.append(
            reason(
                ReasonCode.VERTICAL_NOT_AUTHORISED,
                f"partner {partner.partner_id} is authorised for "
                f"{', '.join(partner.verticals) or 'no vertical'}, not {request.vertical}",
                vertical=request.vertical,
                authorised=", ".join(partner.verticals),
            )
        )
    product = program.product_line(request.product_line)
    if product is None:
        found.append(
            reason(
                ReasonCode.UNKNOWN_PRODUCT_LINE,
                f"product line {request.product_line!r} is not part of the program "
                f"({', '.join(p.id for p in program.product_lines)})",
                product_line=request.product_line,
            )
        )
    elif rule.require_certification:
        missing = [c for c in product.required_certifications if c not in partner.certifications]
        if missing:
            found.append(
                reason(
                    ReasonCode.NOT_CERTIFIED,
                    f"{product.name} requires certification {', '.join(missing)}, which "
                    f"partner {partner.partner_id} does not hold",
                    product_line=product.id,
                    missing=", ".join(missing),
                )
            )
    return found
