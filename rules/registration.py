"""The deal-registration decision: eligibility, conflicts, duplicates, and who must approve.

``decide_registration`` is a pure function of (rulebook, request, facts snapshot, now): the live
workflow and the sandbox call it alike, and it returns the outcome with every reason.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from rules.approval import ApprovalPath
from rules.enums import DefaultAction, DirectEngagementPolicy, Outcome, RegistrationStanding
from rules.facts import ExistingRegistration, RegistrationFacts, RegistrationRequest
from rules.matching import AccountKey, CandidateIndex, similar_entries
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_conflicts import direct_engagement, judge
from rules.registration_eligibility import eligibility
from rules.registration_tables import RegistrationTables, registration_tables
from rules.schema import Rulebook


@dataclass(frozen=True)
class Match:
    """An existing registration that looks like the same account, and how it was judged."""

    registration_id: str
    partner_id: str
    account_name: str
    account_domain: str
    product_line: str
    state: RegistrationStanding
    submitted_at: datetime
    similarity: float
    basis: str
    reason_code: str


@dataclass(frozen=True)
class RegistrationDecision:
    request_key: str
    outcome: Outcome
    reasons: tuple[Reason, ...]
    path: ApprovalPath | None  # who must decide, when the rules cannot settle it alone
    default_action: DefaultAction
    matches: tuple[Match, ...]
    rulebook_version: str
    decided_at: datetime

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(map(_CODE, self.reasons))


_CODE = attrgetter("code")


# Conflict codes that refuse (when ``auto_reject.conflict``) and codes that send a registration
# to people rather than settle it. Codes are StrEnums, so a reason's plain-string code is found
# in these sets as it is.
_HELD = frozenset({ReasonCode.FIRST_TO_REGISTER, ReasonCode.ALREADY_REGISTERED})
_ROUTING = frozenset({ReasonCode.FUZZY_MATCH, ReasonCode.FIRST_TO_REGISTER_WON, ReasonCode.APPROVAL_REQUIRED})


def decide_registration(
    rulebook: Rulebook,
    request: RegistrationRequest,
    facts: RegistrationFacts,
    now: datetime,
) -> RegistrationDecision:
    """Decide a deal registration under ``rulebook`` at time ``now``.

    Refused at once: ineligible partner (when ``auto_reject.ineligible``), an account + product
    line already held by an earlier registration (when ``auto_reject.conflict``), direct sales
    engaged first (``preclude``), resubmission limit, deal below the minimum. Sent to people:
    similar-but-not-identical accounts, direct engagement under ``route``, a later registration
    already on file for the same account, and anything outside the auto-approve conditions.
    Otherwise approved at once. Two overlapping registrations are never both auto-approved.
    """
    if request.partner_id != facts.partner.partner_id:
        raise ValueError(
            f"facts are for partner {facts.partner.partner_id!r}, the request is from {request.partner_id!r}"
        )
    reg = rulebook.registration
    refusals: list[Reason] = []
    routing: list[Reason] = []
    notes: list[Reason] = []

    tables = registration_tables(rulebook)
    ineligible = eligibility(rulebook, tables, request, facts.partner)
    (refusals if reg.auto_reject.ineligible else routing).extend(ineligible)
    if facts.prior_submissions > reg.resubmission_limit:
        refusals.append(
            reason(
                ReasonCode.RESUBMISSION_LIMIT,
                lambda: (
                    f"{facts.prior_submissions} earlier submissions for this account and product "
                    f"line; the limit is {reg.resubmission_limit} resubmission(s)"
                ),
                prior_submissions=facts.prior_submissions,
                limit=reg.resubmission_limit,
            )
        )
    if request.deal_value < reg.auto_reject.below_deal_value:
        refusals.append(
            reason(
                ReasonCode.AUTO_REJECTED,
                lambda: (
                    f"deal value {request.deal_value:,.0f} {rulebook.program.currency} is below the "
                    f"registrable minimum of {reg.auto_reject.below_deal_value:,.0f}"
                ),
                deal_value=request.deal_value,
                minimum=reg.auto_reject.below_deal_value,
            )
        )

    key = AccountKey.of(request.account_name, request.account_domain)
    direct = direct_engagement(rulebook, request, facts.direct_engagements, key)
    if direct is not None:
        precluded = reg.conflict.direct_engagement is DirectEngagementPolicy.PRECLUDE
        (refusals if precluded else routing).append(direct)

    matches, conflict_reasons = _conflicts(rulebook, tables, request, facts, key, now)
    for item in conflict_reasons:
        if item.code in _HELD:
            (refusals if reg.auto_reject.conflict else routing).append(item)
        elif item.code in _ROUTING:  # a person must look
            routing.append(item)
        else:
            notes.append(item)

    if refusals:
        outcome = Outcome.AUTO_REJECTED
        reasons = [*refusals, *routing, *notes]
    else:
        gaps = _auto_approve_gaps(rulebook, tables, request, facts)
        if routing or gaps:
            outcome = Outcome.NEEDS_APPROVAL
            reasons = [*routing, _approval_required(rulebook, tables, request, facts, gaps), *notes]
        else:
            outcome = Outcome.AUTO_APPROVED
            reasons = [
                reason(
                    ReasonCode.AUTO_APPROVED,
                    lambda: (
                        f"eligible, no conflicting registration or direct engagement for "
                        f"{request.account_name} / {request.product_line}, and within the "
                        "auto-approve conditions"
                    ),
                    deal_value=request.deal_value,
                    tier=facts.partner.tier,
                ),
                *notes,
            ]
    path = tables.path if outcome is Outcome.NEEDS_APPROVAL else None
    return RegistrationDecision(
        request_key=request.request_key,
        outcome=outcome,
        reasons=tuple(reasons),
        path=path,
        default_action=reg.default_action,
        matches=tuple(matches),
        rulebook_version=rulebook.version,
        decided_at=now,
    )


def _candidates(
    existing: CandidateIndex | Sequence[ExistingRegistration], key: AccountKey
) -> list[tuple[ExistingRegistration, AccountKey]]:
    if isinstance(existing, CandidateIndex):
        return existing.keyed_candidates(key)
    return [(e, AccountKey.of(e.account_name, e.account_domain)) for e in existing]


def _conflicts(
    rulebook: Rulebook,
    tables: RegistrationTables,
    request: RegistrationRequest,
    facts: RegistrationFacts,
    key: AccountKey,
    now: datetime,
) -> tuple[list[Match], list[Reason]]:
    conflict = rulebook.registration.conflict
    similar = similar_entries(
        key,
        _candidates(facts.existing, key),
        conflict.name_review_threshold,
        match_domains=conflict.match_domains,
    )
    # Submission order makes the reasons (and ties) the same however the facts were listed.
    similar.sort(key=lambda pair: pair[0].order_key)
    matches: list[Match] = []
    reasons: list[Reason] = []
    for existing, found in similar:
        judged = judge(rulebook, tables, request, existing, found, now)
        if judged is None:
            continue
        reasons.append(judged)
        matches.append(
            Match(
                registration_id=existing.registration_id,
                partner_id=existing.partner_id,
                account_name=existing.account_name,
                account_domain=existing.account_domain,
                product_line=existing.product_line,
                state=existing.state,
                submitted_at=existing.submitted_at,
                similarity=found.score,
                basis=found.basis,
                reason_code=judged.code,
            )
        )
    return matches, reasons


def _approval_required(
    rulebook: Rulebook,
    tables: RegistrationTables,
    request: RegistrationRequest,
    facts: RegistrationFacts,
    gaps: list[_Text],
) -> Reason:
    reg = rulebook.registration

    def text() -> str:
        why = "; ".join(gap() for gap in gaps) if gaps else "the rules above need a person to decide"
        return (
            f"{why}. Route: {tables.route_text}; if nobody decides, the registration is "
            f"{reg.default_action.past}"
        )

    return reason(
        ReasonCode.APPROVAL_REQUIRED,
        text,
        deal_value=request.deal_value,
        tier=facts.partner.tier,
        route=tables.route_roles,
        default_action=reg.default_action.value,
    )


def approval_path(rulebook: Rulebook) -> ApprovalPath:
    """The registration's approval route as a path: an escalation ladder, one role per level, a
    decision at any level settling it, and the rulebook's default action past the last level."""
    return registration_tables(rulebook).path


# A condition the request is outside of, as the function that words it (read only when the
# approval reason's text is).
_Text = Callable[[], str]


def _auto_approve_gaps(
    rulebook: Rulebook, tables: RegistrationTables, request: RegistrationRequest, facts: RegistrationFacts
) -> list[_Text]:
    rule = rulebook.registration.auto_approve
    gaps: list[_Text] = []
    if not rule.enabled:
        gaps.append(lambda: "automatic approval is switched off")
    if request.deal_value > rule.max_deal_value:
        gaps.append(
            lambda: (
                f"deal value {request.deal_value:,.0f} is above the auto-approve limit "
                f"{rule.max_deal_value:,.0f}"
            )
        )
    rank = tables.tier_ranks.get(facts.partner.tier)
    minimum = tables.min_tier_rank
    if rank is None or minimum is None or rank < minimum:
        gaps.append(lambda: f"tier {facts.partner.tier!r} is below {rule.min_tier!r}")
    return gaps
