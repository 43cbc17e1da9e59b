"""Fixtures for the partner-operations pages: a rulebook folder and data dir of the test's own.

Scheduling writes into the rulebook folder and runs write reports into the data dir, so each test
gets copies under ``tmp_path`` (the shipped default rulebook, a version scheduled for later, and
the shipped proposals) and the app's settings point at them.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from parley.settings import get_settings
from tests.simulation.conftest import TINY_SCENARIO

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_RULEBOOK = ROOT / "rulebooks" / "default.yaml"


@dataclass(frozen=True)
class OpsDirs:
    rulebooks: Path
    data: Path


def rulebook_yaml(version: str, effective_from: str, **registration: Any) -> str:
    """The default rulebook under another version id and date, with registration changes."""
    document: dict[str, Any] = yaml.safe_load(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
    document["version"] = version
    document["effective_from"] = effective_from
    document["registration"].update(registration)
    return yaml.safe_dump(document, sort_keys=False)


def tiny_scenario_yaml() -> str:
    return yaml.safe_dump(TINY_SCENARIO, sort_keys=False)


def make_library(root: Path) -> OpsDirs:
    rulebooks, data = root / "rulebooks", root / "data"
    (rulebooks / "proposals").mkdir(parents=True)
    data.mkdir()
    shutil.copy(DEFAULT_RULEBOOK, rulebooks / "default.yaml")
    for proposal in (ROOT / "rulebooks" / "proposals").glob("*.yaml"):
        shutil.copy(proposal, rulebooks / "proposals" / proposal.name)
    (rulebooks / "later.yaml").write_text(
        rulebook_yaml("2099.1", "2099-01-01T00:00:00Z", protection_period="60d"), encoding="utf-8"
    )
    return OpsDirs(rulebooks, data)


@pytest.fixture
def ops_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OpsDirs]:
    dirs = make_library(tmp_path / "ops")
    monkeypatch.setenv("PARLEY_RULEBOOK_DIR", str(dirs.rulebooks))
    monkeypatch.setenv("PARLEY_DATA_DIR", str(dirs.data))
    get_settings.cache_clear()
    yield dirs
    get_settings.cache_clear()
