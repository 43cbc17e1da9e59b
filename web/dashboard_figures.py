"""The dashboard's figures: ``simulation.kpis`` over the live ledger, by ISO week and by rulebook
version, and the version in force beside what its latest completed what-if predicted.

A week's figures are those of the registrations submitted in it (the ledger's window, as in the
sandbox), with everything that has happened to them since, so recent weeks still move. Counts and
money in the comparison are per week on both sides: the live ones over the weeks the version has
been in force, the predicted ones over the sandbox's measured window (horizon less warm-up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlmodel import Session, col, select

from simulation.kpis import Kpi, compute, definitions
from simulation.ledger import Ledger
from store.models import SimulationRun, SimulationStatus, as_utc
from web.live_ledger import is_unmeasured, live_ledger
from web.live_records import LiveRecords, read_live_records

WEEK = timedelta(days=7)
PER_WEEK_UNITS = ("count", "money")
RUNS_SEARCHED = 200  # the latest completed what-ifs looked through for the version in force


@dataclass(frozen=True)
class Week:
    label: str  # ISO week, e.g. 2026-W07
    start: datetime
    end: datetime


def iso_weeks(now: datetime, count: int) -> list[Week]:
    """The ``count`` ISO weeks up to and including the one ``now`` is in, oldest first."""
    now = as_utc(now)
    monday = (now - timedelta(days=now.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    weeks = []
    for back in range(count - 1, -1, -1):
        start = monday - back * WEEK
        year, week, _ = start.isocalendar()
        weeks.append(Week(f"{year}-W{week:02d}", start, start + WEEK))
    return weeks


@dataclass(frozen=True)
class Predicted:
    """One KPI as a what-if predicted it for a version: the run's figure and the range the middle
    95% of its replications fell in (per week for counts and money)."""

    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Prediction:
    run_id: int
    side: str  # "baseline" or "proposed": where the version stood in that run
    other: str  # the version or proposal it was compared with
    finished_at: datetime | None
    scenario: str
    replications: int
    window_days: float
    kpis: dict[str, Predicted]


@dataclass(frozen=True)
class Comparison:
    kpi: Kpi
    live: float
    predicted: Predicted | None
    per_week: bool

    @property
    def inside(self) -> bool | None:
        """Whether the live figure lies in the predicted range (None when either is undefined)."""
        p = self.predicted
        if p is None or math.isnan(self.live) or math.isnan(p.low) or math.isnan(p.high):
            return None
        return p.low <= self.live <= p.high


@dataclass
class Dashboard:
    now: datetime
    kpis: list[Kpi]  # the measured ones, in the sandbox's order
    unmeasured: list[Kpi]
    weeks: list[Week]
    by_week: list[dict[str, float]]
    versions: list[str]
    by_version: list[dict[str, float]]
    in_force: str | None
    in_force_since: datetime | None
    prediction: Prediction | None = None
    comparison: list[Comparison] = field(default_factory=list)


def _predicted(results: dict[str, Any], side: str, key: str, scale: float) -> Predicted | None:
    entry = next((k for k in results.get("kpis", []) if k.get("key") == key), None)
    reps = [r.get(side, {}).get(key) for r in results.get("per_replication", [])]
    values = np.array([v for v in reps if v is not None and not math.isnan(v)], dtype=float)
    value = entry.get(side) if entry is not None else None
    if value is None and values.size:
        value = float(values.mean())
    if value is None:
        return None
    low, high = (np.percentile(values, [2.5, 97.5]) / scale) if values.size >= 2 else (math.nan, math.nan)
    return Predicted(float(value) / scale, float(low), float(high))


def latest_prediction(session: Session, version: str, kpis: list[Kpi]) -> Prediction | None:
    """The latest completed what-if that simulated ``version`` (as its proposal, or as the
    baseline it was compared against), read for ``kpis``; None when there is none."""
    query = (
        select(SimulationRun)
        .where(SimulationRun.status == SimulationStatus.COMPLETED.value)
        .order_by(col(SimulationRun.finished_at).desc(), col(SimulationRun.id).desc())
        .limit(RUNS_SEARCHED)
    )
    for run in session.exec(query):
        results = run.results or {}
        about = results.get("run", {})
        sides = {s: about.get(s, {}).get("version") for s in ("baseline", "proposed")}
        side = next((s for s in ("proposed", "baseline") if sides[s] == version), None)
        if side is None or run.id is None:
            continue
        scenario = about.get("scenario", {})
        days = float(scenario.get("horizon_days", 0.0)) - float(scenario.get("warm_up_days", 0.0))
        weeks = days / 7 if days > 0 else math.nan
        found = {}
        for kpi in kpis:
            scale = weeks if kpi.unit in PER_WEEK_UNITS else 1.0
            predicted = _predicted(results, side, kpi.key, scale)
            if predicted is not None:
                found[kpi.key] = predicted
        other = sides["baseline" if side == "proposed" else "proposed"] or run.proposed_label
        return Prediction(run.id, side, str(other), run.finished_at, str(scenario.get("name", "")),
                          int(about.get("replications", run.replications)), days, found)  # fmt: skip
    return None


def measured_kpis(levels: int) -> tuple[list[Kpi], list[Kpi]]:
    """The sandbox's KPI definitions (no utilisation: no roles are measured live), split into
    those the live records give and those they cannot."""
    every = definitions(levels, [])
    return [k for k in every if not is_unmeasured(k.key)], [k for k in every if is_unmeasured(k.key)]


def figures(ledger: Ledger, window: tuple[float, float], levels: int) -> dict[str, float]:
    """``simulation.kpis.compute`` on ``ledger`` narrowed to ``window``."""
    return compute(replace(ledger, window=window), levels)


def build_dashboard(
    session: Session,
    now: datetime,
    weeks: int,
    route_levels: int,
    in_force: tuple[str, datetime] | None,
) -> Dashboard:
    """Every figure of the page (and the CSV) from one read of the live records."""
    records: LiveRecords = read_live_records(session)
    ledger = live_ledger(records)
    levels = max([route_levels, 1, *ledger.breaches])
    kpis, unmeasured = measured_kpis(levels)
    week_list = iso_weeks(now, weeks)
    by_week = [figures(ledger, (w.start.timestamp(), w.end.timestamp()), levels) for w in week_list]
    versions = sorted(
        {r.rulebook_version for r in records.registrations} | ({in_force[0]} if in_force else set())
    )
    every_time = (-math.inf, math.inf)
    by_version = [figures(live_ledger(records, v), every_time, levels) for v in versions]
    board = Dashboard(now, kpis, unmeasured, week_list, by_week, versions, by_version,
                      in_force[0] if in_force else None, in_force[1] if in_force else None)  # fmt: skip
    if in_force is None:
        return board
    version, since = in_force
    live = by_version[versions.index(version)]
    weeks_in_force = max((as_utc(now) - as_utc(since)) / WEEK, 1 / 7)
    board.prediction = latest_prediction(session, version, kpis)
    for kpi in kpis:
        per_week = kpi.unit in PER_WEEK_UNITS
        value = live[kpi.key] / weeks_in_force if per_week else live[kpi.key]
        predicted = board.prediction.kpis.get(kpi.key) if board.prediction else None
        board.comparison.append(Comparison(kpi, value, predicted, per_week))
    return board
