"""Small, fast scenarios and rulebook variants for the sandbox tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULEBOOK = ROOT / "rulebooks" / "default.yaml"

TINY_SCENARIO: dict[str, Any] = {
    "name": "tiny",
    "start": "2026-01-05T00:00:00Z",
    "horizon": "150d",
    "warm_up": "10d",
    "channel": {
        "partners": 30,
        "tiers": {"registered": 0.5, "silver": 0.3, "gold": 0.2},
        "territories": {"us-west": 0.6, "us-east": 0.4},
        "verticals": {"retail": 0.5, "healthcare": 0.5},
        "product_lines": {"core-platform": 0.6, "services": 0.4},
        "verticals_per_partner": {"min": 1, "max": 2},
        "accounts": 1500,
    },
    "leads": {"per_partner_per_year": {"median": 30, "sigma": 0.5}},
    "deals": {
        "value": {"median": 40000, "sigma": 0.8},
        "cycle_time": {"median": "60d", "sigma": 0.5},
        "discounts": {"exception_rate": 0.4},
    },
    "approvers": {
        "channel_account_manager": {"staff": 1, "handling": {"median": "2h", "sigma": 0.5}},
        "regional_channel_director": {"staff": 1, "handling": {"median": "1h", "sigma": 0.5}},
        "vp_channel": {"staff": 1, "handling": {"median": "1h", "sigma": 0.5}},
        "deal_desk": {"staff": 1, "handling": {"median": "1h", "sigma": 0.5}},
        "finance": {"staff": 1, "handling": {"median": "1h", "sigma": 0.5}},
    },
}


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


@pytest.fixture
def tiny_scenario() -> dict[str, Any]:
    """A fresh copy (tests may change it): ~30 partners, 150 days, a one-person channel team."""
    return yaml.safe_load(dump(TINY_SCENARIO))


@pytest.fixture
def default_rulebook_text() -> str:
    return DEFAULT_RULEBOOK.read_text(encoding="utf-8")


@pytest.fixture
def variant() -> Callable[..., str]:
    """Rulebook YAML derived from the default: ``variant("v2", ("registration", "x"), value)``."""

    def make(version: str, *changes: tuple[tuple[Any, ...], Any]) -> str:
        data = yaml.safe_load(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
        data["version"] = version
        for path, value in changes:
            target = data
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value
        return dump(data)

    return make
