"""Partner exit: the notice timeline and what happens to each open registration.

New registrations freeze when notice is given (the partner's status becomes ``exiting``); the
plan below says when notice ends, when access goes, when commission and MDF stop, and for each
open registration whether it is honoured until expiry, transferred, or returned to direct sales.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rules.approval import ApprovalPath, ladder
from rules.durations import format_duration
from rules.enums import AccessRevocation, DefaultAction, Disposition, ExitType, RegistrationStanding
from rules.facts import ExistingRegistration, PartnerFacts, RegistrationRequest
from rules.normalise import claim_key
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_eligibility import eligibility_reasons, when
from rules.schema import ExitApproval, ExitPolicy, Rulebook

_OPEN = (RegistrationStanding.PENDING, RegistrationStanding.APPROVED)
_CODES = {
    Disposition.HONOUR_UNTIL_EXPIRY: ReasonCode.EXIT_HONOUR,
    Disposition.TRANSFER: ReasonCode.EXIT_TRANSFER,
    Disposition.RETURN_TO_DIRECT: ReasonCode.EXIT_RETURN_TO_DIRECT,
}


@dataclass(frozen=True)
class RegistrationDisposition:
    registration_id: str
    disposition: Disposition
    effective_at: datetime
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ExitPlan:
    exit_type: ExitType
    notice_given_at: datetime
    notice_ends_at: datetime
    access_revoked_at: datetime
    commission_ends_at: datetime
    mdf_ends_at: datetime
    dispositions: tuple[RegistrationDisposition, ...]
    rulebook_version: str


def exit_plan(
    rulebook: Rulebook,
    exit_type: ExitType,
    open_registrations: Sequence[ExistingRegistration],
    now: datetime,
) -> ExitPlan:
    """The exit timeline from notice given at ``now``; registrations that are not pending or
    approved (closed, expired ...) need no disposition and are left out."""
    exit_type = ExitType(exit_type)
    policy = rulebook.exit.policy(exit_type)
    notice_ends = now + policy.notice
    revoked = now if policy.access_revoked is AccessRevocation.IMMEDIATELY else notice_ends
    ordered = sorted((r for r in open_registrations if r.state in _OPEN), key=lambda r: r.order_key)
    return ExitPlan(
        exit_type=exit_type,
        notice_given_at=now,
        notice_ends_at=notice_ends,
        access_revoked_at=revoked,
        commission_ends_at=notice_ends + policy.commission_wind_down,
        mdf_ends_at=notice_ends + policy.mdf_wind_down,
        dispositions=tuple(_dispose(policy, exit_type, r, notice_ends) for r in ordered),
        rulebook_version=rulebook.version,
    )


def _dispose(
    policy: ExitPolicy, exit_type: ExitType, reg: ExistingRegistration, notice_ends: datetime
) -> RegistrationDisposition:
    label = exit_type.value.replace("_", " ")
    facts: dict[str, object] = {"registration_id": reg.registration_id, "exit_type": label}
    if reg.state is RegistrationStanding.PENDING:
        chosen = policy.pending
        text = f"pending registrations are {_words(chosen)} on a {label} exit"
        return _made(reg, chosen, notice_ends, reason(_CODES[chosen], text, **facts))
    if policy.approved is not Disposition.HONOUR_UNTIL_EXPIRY:
        chosen = policy.approved
        text = f"approved registrations are {_words(chosen)} on a {label} exit"
        return _made(reg, chosen, notice_ends, reason(_CODES[chosen], text, **facts))
    limit = None if policy.honour_limit is None else notice_ends + policy.honour_limit
    if reg.expires_at is not None and (limit is None or reg.expires_at <= limit):
        text = f"approved registration honoured until it expires at {when(reg.expires_at)}"
        return _made(
            reg,
            Disposition.HONOUR_UNTIL_EXPIRY,
            reg.expires_at,
            reason(ReasonCode.EXIT_HONOUR, text, expires_at=reg.expires_at, **facts),
        )
    chosen = policy.beyond_honour_limit
    expiry = when(reg.expires_at) if reg.expires_at else "no expiry"
    span = format_duration(policy.honour_limit) if policy.honour_limit else "the notice period"
    text = (
        f"protection runs to {expiry}, beyond {span} after notice ends "
        f"({when(limit or notice_ends)}); the registration is {_words(chosen)} at notice end"
    )
    return _made(
        reg,
        chosen,
        notice_ends,
        reason(ReasonCode.EXIT_HONOUR_LIMIT, text, **facts),
        reason(_CODES[chosen], f"{_words(chosen)} at {when(notice_ends)}", **facts),
    )


def _words(disposition: Disposition) -> str:
    return {
        Disposition.HONOUR_UNTIL_EXPIRY: "honoured until expiry",
        Disposition.TRANSFER: "transferred to another partner",
        Disposition.RETURN_TO_DIRECT: "returned to direct sales",
    }[disposition]


def _made(
    reg: ExistingRegistration, chosen: Disposition, effective_at: datetime, *reasons: Reason
) -> RegistrationDisposition:
    return RegistrationDisposition(reg.registration_id, chosen, effective_at, tuple(reasons))


# --- who must agree before an exit takes effect ------------------------------------------------

# For cause always needs a second person: a rulebook that names no approval gets this one.
FOR_CAUSE_APPROVAL = ExitApproval()


def exit_approval(rulebook: Rulebook, exit_type: ExitType) -> ExitApproval | None:
    """The approval an exit of this type needs before it takes effect (None: none)."""
    exit_type = ExitType(exit_type)
    named = rulebook.exit.policy(exit_type).approval
    if named is None and exit_type is ExitType.FOR_CAUSE:
        return FOR_CAUSE_APPROVAL
    return named


def approval_path(rulebook: Rulebook, exit_type: ExitType) -> ApprovalPath | None:
    """The approval as a one-step path: its role decides within its SLA; past it the exit does
    not take effect (a partnership is never ended because nobody answered)."""
    approval = exit_approval(rulebook, exit_type)
    if approval is None:
        return None
    return ladder([(approval.role, approval.sla.total_seconds())], DefaultAction.REJECT)


# --- transfer: the next eligible partner that registered the account ---------------------------


@dataclass(frozen=True)
class TransferCandidate:
    """Another partner's registration of the account being transferred, and that partner."""

    registration_id: str
    submitted_at: datetime
    partner: PartnerFacts


@dataclass(frozen=True)
class TransferChoice:
    """The transferee (None: nobody eligible, a person chooses) and why each earlier candidate
    was passed over."""

    chosen: TransferCandidate | None
    reasons: tuple[Reason, ...]


def registered_the_same(deal: RegistrationRequest, other: RegistrationRequest) -> bool:
    """Whether ``other`` is another partner's registration of ``deal``'s account and product
    line, under the key its claim is held by: who may be a transfer's candidate."""
    return (
        other.partner_id != deal.partner_id
        and other.product_line == deal.product_line
        and claim_key(other.account_name, other.account_domain)
        == claim_key(deal.account_name, deal.account_domain)
    )


def transferee(
    rulebook: Rulebook,
    deal: RegistrationRequest,
    exiting_partner_id: str,
    candidates: Sequence[TransferCandidate],
) -> TransferChoice:
    """The first partner, in the order they registered the account, that may take the deal
    over under the rules in force: active and authorised for its territory, vertical and product
    line (``eligibility_reasons`` on the deal as it stands). The exiting partner never takes it."""
    passed: list[Reason] = []
    seen: set[str] = set()
    for candidate in sorted(candidates, key=lambda c: (c.submitted_at, c.registration_id)):
        partner_id = candidate.partner.partner_id
        if partner_id == exiting_partner_id or partner_id in seen:
            continue
        seen.add(partner_id)
        refused = transfer_refusals(rulebook, deal, candidate.partner)
        if not refused:
            text = f"transferred to the next partner that registered the account (partner {partner_id})"
            return TransferChoice(
                candidate,
                (*passed, reason(ReasonCode.EXIT_TRANSFER, text, partner=partner_id)),
            )
        passed.append(
            reason(
                ReasonCode.EXIT_TRANSFEREE_INELIGIBLE,
                f"partner {partner_id} registered the account but may not take it over: "
                + "; ".join(r.text for r in refused),
                partner=partner_id,
            )
        )
    text = "no other eligible partner registered the account: partner operations choose"
    return TransferChoice(None, (*passed, reason(ReasonCode.EXIT_NO_TRANSFEREE, text)))


def transfer_refusals(rulebook: Rulebook, deal: RegistrationRequest, partner: PartnerFacts) -> list[Reason]:
    """Why ``partner`` may not take the deal over (empty: it may); the same check for the
    automatic choice and for the partner operations pick."""
    return eligibility_reasons(rulebook, replace(deal, partner_id=partner.partner_id), partner)
