"""The scenario: the shape of a simulated partner program, validated like a rulebook.

A scenario says how many partners there are and what they look like, how often they find and
register leads, how deals behave, how approvers are staffed, how partners dispute conflict
decisions and how often they leave. It names the same vocabulary as the rulebook (territories,
verticals, tiers, product lines, roles); :func:`check_against` refuses a pairing where the
rulebook routes work to a role the scenario does not staff. Unknown keys are errors, and every
problem is reported at once with its path (``approvers.deal_desk.staff``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from parley.errors import FieldProblem, ValidationFailed
from rules import Rulebook
from rules.enums import ExitType
from rules.exit import exit_approval
from simulation.scenario_fields import (
    DurationLogNormal,
    LogNormal,
    Range,
    Seconds,
    Share,
    Strict,
    Weights,
    to_seconds,
)
from simulation.scenario_processes import Deals, Disputes, Exits


class ScenarioInvalid(ValidationFailed):
    """A scenario file was refused; ``problems`` names every bad field."""


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
        return to_seconds(value)

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
