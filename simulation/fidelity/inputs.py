"""What both engines are given: a small registrations-only scenario, a rulebook whose durations
are divided by the clock's scale, and the clock that maps live time to simulated time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import yaml

from rules.durations import parse_duration
from simulation.scenario import Scenario

# Rulebook fields that hold a duration (the rest are numbers, codes and dates).
DURATION_KEYS = frozenset({
    "sla", "protection_period", "reminder_lead_time", "length", "request_window", "quote_validity",
    "appeal_window", "party_response", "response_sla", "notice", "honour_limit",
    "commission_wind_down", "mdf_wind_down",
})  # fmt: skip
# Deals close long after the run: the harness plays no partner closing or extending a deal.
NEVER = 10 * 365 * 86_400.0


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


def fidelity_scenario(base: Scenario, *, partners: int, days: float) -> Scenario:
    """``base`` cut down to ``partners`` partners over ``days`` days, registrations only.

    No discount exceptions, disputes or exits, no deal closing or extension within the run, and
    approvers numerous enough never to queue (the live bots do not queue either); their working
    calendars, handling times and choices are the scenario's own.
    """
    data: dict[str, Any] = base.model_dump(mode="json")
    data["name"] = f"{base.name}-fidelity"
    data["horizon"] = days * 86_400.0
    data["warm_up"] = 1.0  # every lead counts; the harness reads no KPI
    data["channel"]["partners"] = partners
    deals = data["deals"]
    deals["cycle_time"] = {"median": NEVER, "sigma": 0.0}
    deals["extension_request_rate"] = 0.0
    deals["discounts"]["exception_rate"] = 0.0
    data["disputes"]["share"] = 0.0
    data["exits"]["per_year"] = {}
    for role in data["approvers"].values():
        role["staff"] = 10_000
    return Scenario.model_validate(data)


def scaled_rulebook(text: str, scale: float, version_suffix: str = "fidelity") -> str:
    """The rulebook YAML ``text`` with every duration divided by ``scale`` (written in seconds)
    and its version renamed, so one live second stands for ``scale`` simulated ones."""
    document = yaml.safe_load(text)
    _scale(document, scale)
    document["version"] = f"{document['version']}-{version_suffix}"
    return yaml.safe_dump(document, sort_keys=False)


def _scale(node: Any, scale: float) -> None:
    if isinstance(node, list):
        for item in node:
            _scale(item, scale)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key in DURATION_KEYS and isinstance(value, str | int | float):
                seconds = parse_duration(value).total_seconds() / scale
                node[key] = f"{seconds:.6f}s"
            else:
                _scale(value, scale)
