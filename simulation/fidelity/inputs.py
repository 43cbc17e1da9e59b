"""What both engines are given: a small scenario (registrations and discount exceptions), a
rulebook whose durations are divided by the clock's scale, and the clock that maps live time to
simulated time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml

from rules.loader import parse_rulebook
from simulation.scenario import Scenario

# Deals close long after the run: the harness plays no partner closing or extending a deal.
NEVER = 10 * 365 * 86_400.0
# Median simulated seconds from a registration's approval to its discount request (the quote).
# The scenario's own (a share of a deal cycle of months) would fall after the run.
QUOTE_AFTER = 12 * 3600.0


@dataclass(frozen=True)
class Clock:
    """Live time ``live_zero`` is simulated time ``epoch``; a live second is ``scale`` simulated."""

    epoch: datetime
    live_zero: datetime
    scale: float

    def simulated(self, live: datetime) -> float:
        """Simulated seconds since the epoch at live moment ``live``."""
        return (live - self.live_zero).total_seconds() * self.scale

    def live(self, simulated: float) -> datetime:
        return self.live_zero + timedelta(seconds=simulated / self.scale)


def fidelity_scenario(
    base: Scenario, *, partners: int, days: float, dispute_share: float | None = None
) -> Scenario:
    """``base`` cut down to ``partners`` partners over ``days`` days: registrations, discount
    exceptions and disputes of refusals.

    The scenario's discount exceptions (which deals ask, how deep, with a justification or not)
    come ``QUOTE_AFTER`` (median, the scenario's spread of deal cycles) after approval; nobody
    revises or renews one. Partners dispute the scenario's share of contestable refusals
    (``dispute_share`` instead when given: a small run has few refusals to contest), with the
    scenario's statements and hearing levels. No exits, no deal closing or extension within the run, and
    approvers numerous enough never to queue (the live bots do not queue either); their working
    calendars, handling times and choices are the scenario's own.
    """
    data: dict[str, Any] = base.model_dump(mode="json")
    data["name"] = f"{base.name}-fidelity"
    data["horizon"] = days * 86_400.0
    data["warm_up"] = 1.0  # every lead counts; the harness reads no KPI
    data["channel"]["partners"] = partners
    deals = data["deals"]
    # The deal cycle keeps the scenario's spread and is stretched past the run; the quote comes
    # at the same share of it, QUOTE_AFTER after approval in the median (simulation.deals).
    deals["cycle_time"] = {"median": NEVER, "sigma": base.deals.cycle_time.sigma}
    deals["extension_request_rate"] = 0.0
    discounts = deals["discounts"]
    discounts["quote_after_share_of_cycle"] = QUOTE_AFTER / NEVER
    discounts["revision_rate"] = 0.0
    discounts["renewal_rate"] = 0.0
    if dispute_share is not None:
        data["disputes"]["share"] = dispute_share
    data["exits"]["per_year"] = {}
    for role in data["approvers"].values():
        role["staff"] = 10_000
    return Scenario.model_validate(data)


def scaled_rulebook(text: str, scale: float, version_suffix: str = "fidelity") -> str:
    """The rulebook YAML ``text`` with every duration divided by ``scale`` (written in seconds)
    and its version renamed, so one live second stands for ``scale`` simulated ones. Which
    values are durations is the rulebook schema's word, not a list kept here."""
    document = yaml.safe_load(text)
    parsed = parse_rulebook(text).model_dump(mode="python", by_alias=True)
    document = _scale(document, parsed, scale)
    document["version"] = f"{document['version']}-{version_suffix}"
    return yaml.safe_dump(document, sort_keys=False)


def _scale(raw: Any, parsed: Any, scale: float) -> Any:
    """``raw`` (as written) with the values ``parsed`` (as validated) reads as durations scaled."""
    if isinstance(parsed, timedelta):
        return f"{parsed.total_seconds() / scale:.6f}s"
    if isinstance(raw, dict) and isinstance(parsed, dict):
        return {k: _scale(v, parsed[k], scale) if k in parsed else v for k, v in raw.items()}
    if isinstance(raw, list) and isinstance(parsed, list | tuple) and len(raw) == len(parsed):
        return [_scale(r, p, scale) for r, p in zip(raw, parsed, strict=True)]
    return raw
