"""Disputes: which decisions may be contested and until when, and what each resolution does.

The live dispute workflow and the sandbox both ask these functions, so a contest the API refuses
is one the sandbox never opens, and an outcome moves the same registrations in both engines.
The level walk itself is ``rules.escalation.dispute_path`` on ``rules.approval``.

Sides: a partner contests the conflict decision on its own registration (against the partner
that holds the account, or against direct sales), or direct sales contests a partner's
registration. What a resolution does depends on the sides (``effects``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rules.enums import DisputeResolution, DisputeSide, RegistrationStanding
from rules.reasons import Reason, ReasonCode
from rules.schema import Rulebook

Resolution = DisputeResolution
Side = DisputeSide

# The rulebook's conflict decisions: the ones another party's claim decided. A registration
# refused for its own reasons (eligibility, deal size, resubmissions) has nobody to dispute with.
CONTESTABLE_CODES = frozenset(
    {
        ReasonCode.FIRST_TO_REGISTER.value,
        ReasonCode.DIRECT_ENGAGED.value,
        ReasonCode.JUDGED_SAME_ACCOUNT.value,
    }
)

# Refusals for the partner's own reasons: no dispute makes a registration eligible, so a refusal
# that carries one of these is not contested even when a conflict was found too.
OWN_REFUSAL_CODES = frozenset(
    {ReasonCode.RESUBMISSION_LIMIT.value, ReasonCode.AUTO_REJECTED.value}
    | {code.value for code in ReasonCode if code.value.startswith("eligibility.")}
)
# The reasons whose facts name the registration that held the account.
HOLDER_CODES = (ReasonCode.FIRST_TO_REGISTER.value, ReasonCode.FUZZY_MATCH.value)
# A holder standing so cannot be released by an award: its deal is won, or its own approvers
# have not decided yet.
UNRELEASABLE = frozenset({RegistrationStanding.CLOSED_WON, RegistrationStanding.PENDING})

# Codes of what a dispute does (stable, like the rules' own in ``rules.reasons``).
OPENED = "dispute.opened"
UPHELD = "dispute.upheld"
AWARDED = "dispute.awarded_to_claimant"
CO_SOLD = "dispute.co_sell"
RETURNED = "dispute.returned_to_direct"
BY_DEFAULT = "dispute.default_resolution"
WITHDRAWN = "dispute.withdrawn"
AWARD_REFUSED = "dispute.award_refused"
PARTY_SILENT = "dispute.party_deadline_passed"

RESOLUTION_CODES: dict[Resolution, str] = {
    Resolution.UPHOLD: UPHELD,
    Resolution.AWARD_CLAIMANT: AWARDED,
    Resolution.CO_SELL: CO_SOLD,
    Resolution.RETURN_TO_DIRECT: RETURNED,
}


@dataclass(frozen=True)
class Contest:
    """What a dispute is about: who contests whom."""

    claimant: Side
    respondent: Side


def contested_codes(reason_codes: Iterable[str]) -> list[str]:
    """The conflict decisions among a registration's reason codes (empty: nothing to contest)."""
    return [code for code in reason_codes if code in CONTESTABLE_CODES]


def own_refusals(reason_codes: Iterable[str]) -> list[str]:
    return [code for code in reason_codes if code in OWN_REFUSAL_CODES]


def holder_registration(reasons: Iterable[Reason]) -> str | None:
    """The registration a partner's refusal stood on: the first reason that cites a holder
    (registered first, or possibly the same account); None when none is on record."""
    for reason in reasons:
        if reason.code in HOLDER_CODES and "registration_id" in reason.facts:
            return reason.facts["registration_id"]
    return None


def holder_releasable(standing: RegistrationStanding) -> bool:
    """Whether an award can release a holder standing so (one that ended meanwhile has nothing
    left to release, which is no obstacle either)."""
    return standing not in UNRELEASABLE


def appeal_closes_at(rulebook: Rulebook, decided_at: datetime) -> datetime:
    return decided_at + rulebook.escalation.appeal_window


def party_deadline(rulebook: Rulebook, opened_at: datetime) -> datetime:
    """When the parties' statements are due; the first level hears the case then at the latest."""
    return opened_at + rulebook.escalation.party_response


def contest_refusal(
    rulebook: Rulebook, *, reason_codes: Iterable[str], decided_at: datetime | None, now: datetime
) -> str | None:
    """Why a partner may not contest this registration's decision now, or None when it may."""
    codes = list(reason_codes)
    if not contested_codes(codes):
        return "its decision was not a conflict with another partner or direct sales"
    own = own_refusals(codes)
    if own:
        return f"it was also refused for its own reasons ({', '.join(own)}), which no dispute changes"
    if decided_at is None:
        return "it has not been decided yet"
    closes = appeal_closes_at(rulebook, decided_at)
    if now > closes:
        return f"the appeal window closed at {closes.isoformat()}"
    return None


def direct_contest_refusal(
    rulebook: Rulebook, *, standing: RegistrationStanding, decided_at: datetime | None, now: datetime
) -> str | None:
    """Why direct sales may not contest a partner's registration now, or None when it may: only a
    protected one, within the appeal window of its approval (the window a partner has against a
    conflict decision)."""
    if standing is not RegistrationStanding.APPROVED:
        return f"only a protected registration can be contested by direct sales (it is {standing.value})"
    if decided_at is None:
        return "it has not been decided yet"
    closes = appeal_closes_at(rulebook, decided_at)
    return f"the appeal window closed at {closes.isoformat()}" if now > closes else None


def respondent_of(reason_codes: Iterable[str]) -> Side:
    """Whom a partner's contest of its conflict decision is against."""
    codes = set(reason_codes)
    if ReasonCode.DIRECT_ENGAGED.value in codes and not codes & {
        ReasonCode.FIRST_TO_REGISTER.value,
        ReasonCode.JUDGED_SAME_ACCOUNT.value,
    }:
        return Side.DIRECT
    return Side.PARTNER


def resolutions(contest: Contest) -> tuple[Resolution, ...]:
    """What a level may decide. Against direct sales "return to direct" is what upholding means,
    and direct sales' own contest is won by returning the account to direct."""
    if contest.claimant is Side.PARTNER and contest.respondent is Side.PARTNER:
        return tuple(Resolution)
    return (Resolution.UPHOLD, Resolution.AWARD_CLAIMANT, Resolution.CO_SELL)


def default_resolution(rulebook: Rulebook, contest: Contest) -> Resolution:
    """What stands when every level let its response time pass."""
    chosen = Resolution(rulebook.escalation.default_resolution)
    return chosen if chosen in resolutions(contest) else Resolution.UPHOLD


@dataclass(frozen=True)
class Effects:
    """What a resolution does. ``release_holder``: the respondent partner's registration ends;
    ``approve_claimant``: the claimant partner's registration is approved and protected (holding
    the account unless ``co_sell``); ``record_direct``: the account is recorded as a direct
    engagement; ``end_direct``: direct sales' engagement ends."""

    release_holder: bool = False
    approve_claimant: bool = False
    co_sell: bool = False
    record_direct: bool = False
    end_direct: bool = False

    @property
    def moves(self) -> bool:
        return self.release_holder or self.approve_claimant or self.record_direct or self.end_direct


def effects(resolution: Resolution, contest: Contest) -> Effects:
    if resolution is Resolution.UPHOLD:
        return Effects()
    partner_claims = contest.claimant is Side.PARTNER
    partner_holds = contest.respondent is Side.PARTNER
    if resolution is Resolution.AWARD_CLAIMANT:
        if not partner_claims:  # direct sales wins: the account goes back to direct
            return Effects(release_holder=True, record_direct=True)
        return Effects(release_holder=partner_holds, approve_claimant=True, end_direct=not partner_holds)
    if resolution is Resolution.CO_SELL:
        # Both keep selling: the holder's registration stands, the claimant's is protected beside it.
        return Effects(approve_claimant=partner_claims, co_sell=True)
    # Return to direct: no partner keeps the account.
    return Effects(release_holder=partner_holds, record_direct=True)


def outcome_reason(
    rulebook: Rulebook, resolution: Resolution, contest: Contest, *, by_default: bool, comment: str = ""
) -> Reason:
    """The reason both parties read. It names sides ("the other partner", "direct sales"), never
    a partner, a key or another partner's spelling of the account."""
    other = "the other partner" if contest.respondent is Side.PARTNER else "direct sales"
    claimant = "the contesting partner" if contest.claimant is Side.PARTNER else "direct sales"
    split = rulebook.escalation.co_sell_split
    texts = {
        Resolution.UPHOLD: f"the original decision stands: {other} keeps the account",
        Resolution.AWARD_CLAIMANT: f"the account is awarded to {claimant}",
        Resolution.CO_SELL: (
            f"the account is co-sold: {claimant} {split:.0%}, {other} {1 - split:.0%}, both protected"
        ),
        Resolution.RETURN_TO_DIRECT: "the account returns to direct sales; no partner holds it",
    }
    text = texts[resolution]
    if by_default:
        text += " (nobody on the escalation path decided in time; this is the rulebook's default)"
    elif comment.strip():
        text += f". {comment.strip()}"
    facts: dict[str, str] = {"resolution": resolution.value, "by_default": str(by_default).lower()}
    if resolution is Resolution.CO_SELL:
        facts["claimant_share"] = f"{split:.4g}"
    return Reason(RESOLUTION_CODES[resolution], text, facts)
