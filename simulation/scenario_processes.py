"""The scenario's sections for the processes beside registration: how deals and their discount
exceptions behave, how partners dispute conflict decisions and how the levels decide, and how
often partners leave the program."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from rules.dispute import Contest, Resolution, Side, resolutions
from rules.enums import ExitType
from simulation.scenario_fields import DurationLogNormal, LogNormal, Seconds, Share, Strict, to_seconds


class Discounts(Strict):
    exception_rate: Share = 0.25
    depth: LogNormal = LogNormal(median=0.18, sigma=0.35)
    max_depth: float = Field(default=0.6, gt=0, lt=1)
    quote_after_share_of_cycle: Share = 0.4
    refused_win_rate_factor: float = Field(default=0.7, ge=0, le=1)
    justification_rate: Share = 0.8  # deep asks that come with a written justification
    # Revisions: a share of exceptions is revised once, this long after the request (while still
    # pending, or after its decision), the requested discount multiplied by ``revision_factor``.
    revision_rate: Share = 0.2
    revision_after: DurationLogNormal = DurationLogNormal(median=3 * 86_400.0, sigma=1.0)
    revision_factor: LogNormal = LogNormal(median=1.1, sigma=0.3)
    renewal_rate: Share = 0.7  # partners who renew a lapsed quote rather than close at standard


class Deals(Strict):
    value: LogNormal
    win_rate: Share = 0.3
    cycle_time: DurationLogNormal
    extension_request_rate: Share = 0.6
    cost_ratio: Share = 0.55
    discounts: Discounts = Discounts()


# Every pairing of sides a contest can have: a level's weights must leave it something to decide.
_CONTESTS = (
    Contest(Side.PARTNER, Side.PARTNER),
    Contest(Side.PARTNER, Side.DIRECT),
    Contest(Side.DIRECT, Side.PARTNER),
)


class ResolutionWeights(Strict):
    """How a level that decides a case decides it: relative weights of the four resolutions.
    A contest that cannot take one (``rules.dispute.resolutions``: no return to direct against
    direct sales) shares its weight among the others."""

    uphold: float = Field(default=0.0, ge=0)
    award_claimant: float = Field(default=0.0, ge=0)
    co_sell: float = Field(default=0.0, ge=0)
    return_to_direct: float = Field(default=0.0, ge=0)

    def weight(self, resolution: Resolution) -> float:
        value: float = getattr(self, resolution.value)
        return value

    @model_validator(mode="after")
    def _open_to_every_contest(self) -> ResolutionWeights:
        for contest in _CONTESTS:
            if sum(self.weight(r) for r in resolutions(contest)) <= 0:
                open_to = ", ".join(r.value for r in resolutions(contest))
                raise ValueError(f"{open_to} must not all be zero: every contest can take only those")
        return self


class DisputeLevel(Strict):
    """How the people of one level of the rulebook's escalation path treat a case."""

    # Decides before its response time passes (when its approvers' queue and calendar allow);
    # otherwise the level lets the time pass and the case goes up.
    decide_rate: Share = 0.9
    resolutions: ResolutionWeights = ResolutionWeights(uphold=0.55, award_claimant=0.2, co_sell=0.2,
                                                       return_to_direct=0.05)  # fmt: skip


def _dispute_levels() -> list[DisputeLevel]:
    return [
        DisputeLevel(decide_rate=0.85),
        DisputeLevel(decide_rate=0.9, resolutions=ResolutionWeights(
            uphold=0.5, award_claimant=0.2, co_sell=0.25, return_to_direct=0.05)),
        DisputeLevel(decide_rate=0.95, resolutions=ResolutionWeights(
            uphold=0.5, award_claimant=0.25, co_sell=0.2, return_to_direct=0.05)),
    ]  # fmt: skip


class Disputes(Strict):
    """Partners contesting the conflict decisions that refused their registrations."""

    share: Share = 0.3  # of contestable refusals, the share the partner disputes (at once)
    # Each party's statement takes an exponential time of this mean; the first level hears the
    # case once both are in, or at the rulebook's party deadline.
    statement_mean: Seconds = 86_400.0
    # Level k of the rulebook's path is worked as ``levels[k]``; deeper levels as the last one.
    levels: list[DisputeLevel] = Field(default_factory=_dispute_levels, min_length=1)

    @field_validator("statement_mean", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return to_seconds(value)

    def level(self, index: int) -> DisputeLevel:
        return self.levels[min(index, len(self.levels) - 1)]

    def decides(self, index: int, u: float) -> bool:
        """Whether level ``index`` decides the case (its uniform ``u`` under ``decide_rate``)
        rather than letting its response time pass."""
        return u < self.level(index).decide_rate


class ExitMix(Strict):
    """Relative weights of the exit types (``rules.enums.ExitType``) among partner exits."""

    voluntary: float = Field(default=0.6, ge=0)
    for_cause: float = Field(default=0.15, ge=0)
    program_change: float = Field(default=0.25, ge=0)

    def weight(self, exit_type: ExitType) -> float:
        value: float = getattr(self, exit_type.value)
        return value

    @model_validator(mode="after")
    def _some(self) -> ExitMix:
        if sum(self.weight(t) for t in ExitType) <= 0:
            raise ValueError("voluntary, for_cause and program_change must not all be zero")
        return self


class Exits(Strict):
    """Partners leaving the program. Absent, nobody leaves (as before exits were modelled)."""

    # Exits per partner-year, by tier (a tier left out never exits): each partner's exit, if any
    # falls inside the horizon, starts at an exponential time of this rate.
    per_year: dict[str, Annotated[float, Field(ge=0.0, le=10.0)]] = Field(default_factory=dict)
    types: ExitMix = ExitMix()

    def rate(self, tier: str) -> float:
        return self.per_year.get(tier, 0.0)

    def happen(self) -> bool:
        return any(rate > 0 for rate in self.per_year.values())
