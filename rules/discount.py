"""Discount exceptions: which approvers a requested discount needs, in what order, for how long.

``requested_discount`` is the exception on top of the partner's standard pricing (tier discount
plus the volume band for the deal size), which is always automatic. The matrix band of the
exception gives the chain of steps; a large deal moves it up ``levels`` bands. Both only ever
add approvers, so a larger discount or a larger deal never needs fewer approvals. The chain is
an approval path (``rules.approval.chain``): a step whose SLA passes escalates once to the
rulebook's escalation role, then the default action decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from rules.approval import ApprovalPath, chain
from rules.enums import DefaultAction
from rules.prepared import prepared
from rules.reasons import Reason, ReasonCode, reason
from rules.schema import DealSizeBump, DiscountBand, Rulebook


@dataclass(frozen=True)
class DiscountRequest:
    partner_tier: str
    deal_value: float
    requested_discount: float  # 0..1, on top of standard pricing
    justification: str = ""


@dataclass(frozen=True)
class DiscountDecision:
    automatic: bool
    refused: bool
    path: ApprovalPath | None  # the chain of approvers; None when no person is needed
    band: int | None  # the matrix band that applies (deal-size bumps included); None above them all
    valid_until: datetime | None  # set when automatic; approvals use quote_valid_until
    reasons: tuple[Reason, ...]
    standard_discount: float
    total_discount: float
    rulebook_version: str

    @property
    def approvals(self) -> int:
        """How many approvals the chain needs in all (none when automatic)."""
        return self.path.approvals if self.path is not None else 0


@dataclass(frozen=True, slots=True)
class _Tables:
    """What every discount decision looks up in the rulebook, prepared once per rulebook."""

    tiers: dict[str, float]  # standard discount by tier name (Program.tiers_by_name)
    volume: tuple[tuple[float, float], ...]  # (min_deal_value, discount) per volume band
    ceilings: tuple[float, ...]  # each matrix band's max_discount
    chains: tuple[ApprovalPath | None, ...]  # each matrix band's approval chain
    bumps: tuple[DealSizeBump, ...]


def _tables(rulebook: Rulebook) -> _Tables:
    return prepared(rulebook, _build)


def _build(rulebook: Rulebook) -> _Tables:
    program, rules = rulebook.program, rulebook.discount
    return _Tables(
        tiers={name: tier.standard_discount for name, tier in program.tiers_by_name().items()},
        volume=tuple((b.min_deal_value, b.discount) for b in program.volume_discounts),
        ceilings=tuple(b.max_discount for b in rules.matrix),
        chains=tuple(_chain(rulebook, band) for band in rules.matrix),
        bumps=tuple(rules.deal_size_bumps),
    )


def standard_discount(rulebook: Rulebook, tier: str, deal_value: float) -> float:
    """Tier discount plus the volume band reached by ``deal_value``."""
    return _standard(_tables(rulebook), tier, deal_value)


def _standard(tables: _Tables, tier: str, deal_value: float) -> float:
    found = tables.tiers.get(tier)
    if found is None:
        raise ValueError(f"unknown partner tier {tier!r}")
    volume = max((discount for least, discount in tables.volume if deal_value >= least), default=0.0)
    return found + volume


def quote_valid_until(rulebook: Rulebook, approved_at: datetime) -> datetime:
    """Approved pricing may be quoted until this time."""
    return approved_at + rulebook.discount.quote_validity


def decide_discount(rulebook: Rulebook, request: DiscountRequest, now: datetime) -> DiscountDecision:
    """Who must approve a discount exception, in order, before the partner may quote it."""
    if not 0.0 <= request.requested_discount <= 1.0:
        raise ValueError(f"requested_discount must be between 0 and 1, not {request.requested_discount}")
    rules, tables = rulebook.discount, _tables(rulebook)
    standard = _standard(tables, request.partner_tier, request.deal_value)
    requested = request.requested_discount
    pct = f"{requested:.1%}"
    facts = {"requested": requested, "standard": standard, "deal_value": request.deal_value}
    # Texts are functions, written only when read (``rules.reasons.reason``).
    reasons: list[Reason] = []
    refused = False
    index = next((i for i, ceiling in enumerate(tables.ceilings) if requested <= ceiling), None)
    if index is None:
        ceiling = tables.ceilings[-1]
        reasons.append(
            reason(
                ReasonCode.DISCOUNT_ABOVE_MAXIMUM,
                lambda: f"{pct} is above the largest exception any approver may grant ({ceiling:.0%})",
                maximum=ceiling,
                **facts,
            )
        )
        return _decision(rulebook, None, None, True, reasons, standard, requested, None)
    if tables.chains[index] is not None:
        bump = max(
            (b for b in tables.bumps if request.deal_value >= b.min_deal_value),
            key=lambda b: b.min_deal_value,
            default=None,
        )
        if bump is not None:
            bumped = min(index + bump.levels, len(tables.ceilings) - 1)
            if bumped != index:
                reasons.append(_bumped(bump, tables.ceilings[bumped], facts))
                index = bumped
    path, top = tables.chains[index], tables.ceilings[index]
    missing_justification: list[Reason] = []
    if requested > rules.justification_required_above and not request.justification.strip():
        refused = True
        missing_justification.append(
            reason(
                ReasonCode.DISCOUNT_JUSTIFICATION_MISSING,
                lambda: (
                    f"{pct} is above {rules.justification_required_above:.0%}: a justification "
                    "(e.g. meet-competitor) is required"
                ),
                threshold=rules.justification_required_above,
                **facts,
            )
        )
    if path is None:
        reasons.insert(
            0,
            reason(
                ReasonCode.DISCOUNT_STANDARD if requested == 0 else ReasonCode.DISCOUNT_AUTOMATIC,
                lambda: (
                    f"standard pricing ({standard:.0%}) plus {pct} is within the automatic band "
                    f"(up to {top:.0%} on top of standard)"
                ),
                band=top,
                **facts,
            ),
        )
    else:
        chain = path.roles_text()
        reasons.insert(
            0,
            reason(
                ReasonCode.DISCOUNT_APPROVAL,
                lambda: (
                    f"{pct} on top of standard pricing ({standard:.0%}) needs {chain} (band up to {top:.0%})"
                ),
                band=top,
                chain=chain,
                **facts,
            ),
        )
    reasons = missing_justification + reasons
    valid_until = now + rules.quote_validity if path is None and not refused else None
    return _decision(rulebook, path, index, refused, reasons, standard, requested, valid_until)


def _bumped(bump: DealSizeBump, ceiling: float, facts: dict[str, float]) -> Reason:
    return reason(
        ReasonCode.DISCOUNT_DEAL_SIZE,
        lambda: (
            f"deals of {bump.min_deal_value:,.0f} or more go {bump.levels} band(s) "
            f"higher: treated as up to {ceiling:.0%}"
        ),
        bump_levels=bump.levels,
        **facts,
    )


def _chain(rulebook: Rulebook, band: DiscountBand) -> ApprovalPath | None:
    if not band.steps:
        return None
    escalation = rulebook.discount.escalation
    steps = tuple((tuple(s.roles), s.sla.total_seconds()) for s in band.steps)
    return _built_chain(steps, escalation.escalate_to, escalation.default_action)


# Bands are few and rulebooks immutable: each chain is built (and checked) once.
@lru_cache(maxsize=256)
def _built_chain(
    steps: tuple[tuple[tuple[str, ...], float], ...], escalate_to: str, default_action: DefaultAction
) -> ApprovalPath:
    return chain(steps, escalate_to, default_action)


def _decision(
    rulebook: Rulebook,
    path: ApprovalPath | None,
    band: int | None,
    refused: bool,
    reasons: list[Reason],
    standard: float,
    requested: float,
    valid_until: datetime | None,
) -> DiscountDecision:
    return DiscountDecision(
        automatic=path is None and not refused,
        refused=refused,
        path=path,
        band=band,
        valid_until=valid_until,
        reasons=tuple(reasons),
        standard_discount=standard,
        total_discount=min(1.0, standard + requested),
        rulebook_version=rulebook.version,
    )


@dataclass(frozen=True)
class StandingApproval:
    """A role's approval of a discount request at ``discount`` (on top of standard pricing) in
    matrix band ``band``: it still stands for any revision no deeper and in no higher band."""

    role: str
    discount: float
    band: int


def standing_roles(
    approvals: Sequence[StandingApproval], decision: DiscountDecision, requested: float
) -> frozenset[str]:
    """The roles whose earlier approval covers ``requested`` under ``decision``: they are not
    asked again (``rules.approval.start(..., carried=...)``); everyone else the chain needs is."""
    if decision.band is None:
        return frozenset()
    return frozenset(
        a.role for a in approvals if a.discount >= requested - _EPSILON and a.band >= decision.band
    )


def revision_reasons(
    approvals: Sequence[StandingApproval], decision: DiscountDecision, requested: float
) -> tuple[Reason, ...]:
    """Why a revision asks again or not: which approvals stand, and who must approve again."""
    if decision.path is None:
        return ()
    standing = standing_roles(approvals, decision, requested)
    needed = [role for step in decision.path.chain for role in step.roles]
    again = [role for role in dict.fromkeys(needed) if role not in standing]
    pct = f"{requested:.1%}"
    if not again:
        return (
            reason(
                ReasonCode.DISCOUNT_REVISION_COVERED,
                f"{pct} is within what {', '.join(sorted(standing))} already approved: no new approval",
                requested=requested,
                standing=",".join(sorted(standing)),
            ),
        )
    given = {a.role: a for a in approvals}
    parts = []
    for role in again:
        earlier = given.get(role)
        parts.append(
            f"{role} (approved up to {earlier.discount:.1%} in band {earlier.band})"
            if earlier is not None
            else f"{role} (not asked before)"
        )
    return (
        reason(
            ReasonCode.DISCOUNT_REVISION_REAPPROVAL,
            f"{pct} needs {', '.join(parts)} to approve again"
            + (f"; {', '.join(sorted(standing))} still stand" if standing else ""),
            requested=requested,
            again=",".join(again),
            standing=",".join(sorted(standing)),
        ),
    )


# Discounts are fractions written with a few decimals; a revision to the same figure must count
# as the same depth however it was computed.
_EPSILON = 1e-9
