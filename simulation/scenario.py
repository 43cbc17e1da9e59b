"""The scenario: the shape of a simulated partner program, validated like a rulebook.

A scenario says how many partners there are and what they look like, how often they find and
register leads, how deals behave, how approvers are staffed, how partners dispute conflict
decisions and how often they leave. It names the same vocabulary as the rulebook (territories,
verticals, tiers, product lines, roles); :func:`check_against` refuses a pairing where the
rulebook routes work to a role the scenario does not staff. Unknown keys are errors, and every
problem is reported at once with its path (``approvers.deal_desk.staff``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from parley.errors import FieldProblem, ValidationFailed
from rules import Rulebook, parse_duration
from rules.dispute import Contest, Resolution, Side, resolutions
from rules.enums import ExitType
from rules.exit import exit_approval


class ScenarioInvalid(ValidationFailed):
    """A scenario file was refused; ``problems`` names every bad field."""


def _seconds(value: object) -> float:
    """Durations are written like the rulebook's (``90d``, ``48h``, ISO-8601) or as seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        seconds = parse_duration(value).total_seconds()
    elif isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        raise ValueError("must be a duration such as '48h' or '90d'")
    if seconds <= 0:
        raise ValueError("must be longer than zero")
    return seconds


Seconds = Annotated[float, Field(description="a duration, stored in seconds")]
Share = Annotated[float, Field(ge=0.0, le=1.0)]
Weights = dict[str, Annotated[float, Field(gt=0.0)]]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LogNormal(Strict):
    """A positive quantity with a typical (median) value and a spread (sigma of its log)."""

    median: float = Field(gt=0)
    sigma: float = Field(ge=0, le=3)


class DurationLogNormal(Strict):
    median: Seconds
    sigma: float = Field(ge=0, le=3)

    @field_validator("median", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)


class Range(Strict):
    min: int = Field(ge=1)
    max: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.max < self.min:
            raise ValueError(f"max must be at least min ({self.min})")
        return self


class Channel(Strict):
    """Who the partners are and which accounts they chase."""

    partners: int = Field(ge=1, le=100_000)
    tiers: Weights
    territories: Weights
    verticals: Weights
    product_lines: Weights
    territories_per_partner: Range = Range(min=1, max=1)
    verticals_per_partner: Range = Range(min=1, max=2)
    certification_rate: Share = 0.7
    inactive_share: Share = 0.02
    accounts: int = Field(ge=1, le=10_000_000)
    direct_engaged_share: Share = 0.05


class Seasonality(Strict):
    amplitude: Share = 0.0
    peak_day: int = Field(default=300, ge=0, le=365)


class QuarterEnd(Strict):
    last_days: int = Field(default=14, ge=0, le=90)
    multiplier: float = Field(default=1.0, ge=1.0, le=10.0)


class Leads(Strict):
    """How often partners find and register leads, and how often they collide."""

    per_partner_per_year: LogNormal
    seasonality: Seasonality = Seasonality()
    quarter_end: QuarterEnd = QuarterEnd()
    same_account_probability: Share = 0.08
    same_account_lookback: int = Field(default=300, ge=1)
    outside_authorisation_rate: Share = 0.04
    uncertified_product_rate: Share = 0.04
    name_variant_probability: Share = 0.6


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
        return _seconds(value)

    def level(self, index: int) -> DisputeLevel:
        return self.levels[min(index, len(self.levels) - 1)]


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


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Role(Strict):
    """One approver role: how many people, when they work, how long a task takes them."""

    staff: int = Field(ge=1, le=10_000)
    working_hours: str = Field(default="09:00-17:00", pattern=r"^(always|\d\d:\d\d-\d\d:\d\d)$")
    weekdays: list[str] = Field(default_factory=lambda: list(WEEKDAYS[:5]), min_length=1)
    utc_offset_hours: float = Field(default=0, ge=-14, le=14)
    handling: DurationLogNormal
    approve_rate: Share = 0.85

    @field_validator("weekdays")
    @classmethod
    def _known_days(cls, days: list[str]) -> list[str]:
        unknown = [d for d in days if d not in WEEKDAYS]
        if unknown:
            raise ValueError(f"unknown weekday {unknown[0]!r}; use {', '.join(WEEKDAYS)}")
        return days

    @field_validator("working_hours")
    @classmethod
    def _hours_ordered(cls, hours: str) -> str:
        if hours != "always":
            start, end = (int(x[:2]) * 60 + int(x[3:]) for x in hours.split("-"))
            if not 0 <= start < end <= 24 * 60:
                raise ValueError("must be HH:MM-HH:MM with the start before the end, within a day")
        return hours


class Scenario(Strict):
    """A whole simulated program; see ``simulation/scenarios/default.yaml``."""

    name: str = Field(min_length=1)
    description: str = ""
    start: datetime
    horizon: Seconds
    warm_up: Seconds
    channel: Channel
    leads: Leads
    deals: Deals
    approvers: dict[str, Role] = Field(min_length=1)
    disputes: Disputes = Disputes()
    exits: Exits = Exits()

    @field_validator("horizon", "warm_up", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)

    @field_validator("start")
    @classmethod
    def _aware(cls, start: datetime) -> datetime:
        if start.tzinfo is None:
            raise ValueError("must carry a timezone, e.g. 2026-01-01T00:00:00Z")
        return start.astimezone(UTC)

    @model_validator(mode="after")
    def _warm_up_inside(self) -> Scenario:
        if self.warm_up >= self.horizon:
            raise ValueError("warm_up: must be shorter than the horizon")
        return self


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<document>"


def _message(error: Any) -> str:
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        return "unknown key (is it misspelt?)"
    return message


def _problem(error: Any) -> FieldProblem:
    message = _message(error)
    path = _path(tuple(error["loc"]))
    # Model-level checks name their own field in the message ("warm_up: ...").
    head, sep, rest = message.partition(": ")
    if sep and head.replace("_", "").isalnum() and path == "<document>":
        return FieldProblem(head, rest)
    return FieldProblem(path, message)


def parse_scenario(data: object) -> Scenario:
    """Validate already-parsed YAML; raise :class:`ScenarioInvalid` naming every bad field."""
    if not isinstance(data, dict):
        raise ScenarioInvalid([FieldProblem("<document>", "must be a mapping of fields")])
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioInvalid([_problem(e) for e in exc.errors()]) from None


def scenario_from_text(text: str) -> Scenario:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioInvalid([FieldProblem("<file>", f"not valid YAML: {exc}")]) from None
    return parse_scenario(data)


def load_scenario(path: Path | str) -> Scenario:
    return scenario_from_text(Path(path).read_text(encoding="utf-8"))


def default_scenario_text() -> str:
    """The shipped mid-size program (about 200 partners, one year)."""
    return resources.files("simulation").joinpath("scenarios/default.yaml").read_text("utf-8")


def default_scenario() -> Scenario:
    return scenario_from_text(default_scenario_text())


def check_against(scenario: Scenario, rulebook: Rulebook, label: str = "rulebook") -> None:
    """Refuse a scenario that speaks a different vocabulary from the rulebook it is run with.

    Every tier, territory, vertical and product line the scenario draws must exist in the
    program, and every role the rulebook can send work to must be staffed.
    """
    program = rulebook.program
    known = {
        "tiers": {t.name for t in program.tiers},
        "territories": set(program.territories),
        "verticals": set(program.verticals),
        "product_lines": {p.id for p in program.product_lines},
    }
    problems = [
        FieldProblem(f"channel.{part}.{name}", f"not in {label} rulebook {rulebook.version!r}")
        for part, names in known.items()
        for name in getattr(scenario.channel, part)
        if name not in names
    ]
    problems += [
        FieldProblem(f"exits.per_year.{name}", f"not a tier of {label} rulebook {rulebook.version!r}")
        for name in scenario.exits.per_year
        if name not in known["tiers"]
    ]
    needed = {level.role for level in rulebook.registration.approval_route}
    needed |= {role for band in rulebook.discount.matrix for s in band.steps for role in s.roles}
    needed.add(rulebook.discount.escalation.escalate_to)
    if scenario.disputes.share > 0:
        needed |= {level.role for level in rulebook.escalation.levels}
    if scenario.exits.happen():
        # Who must approve an exit before it takes effect (always someone for cause).
        for exit_type in ExitType:
            approval = exit_approval(rulebook, exit_type)
            if approval is not None and scenario.exits.types.weight(exit_type) > 0:
                needed.add(approval.role)
    problems += [
        FieldProblem(
            f"approvers.{role}",
            f"{label} rulebook {rulebook.version!r} sends work "
            "to this role but the scenario does not staff it",
        )
        for role in sorted(needed - set(scenario.approvers))
    ]
    if problems:
        raise ScenarioInvalid(problems)
