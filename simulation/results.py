"""Summarise replications into ``results.json`` (schema in docs/simulation.md).

The document depends only on the inputs (rulebooks, scenario, seed, replication count): no clock
times, no host names, keys in a fixed order, so the same inputs give byte-identical files.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rules import Rulebook
from simulation.attribution import describe_cause, relevant, sentence
from simulation.kpis import Kpi, definitions, format_value
from simulation.replication import (
    LATENCY_EDGES,
    Change,
    ReplicationResult,
    merge_details,
    route_levels,
)
from simulation.rulediff import rule_changes
from simulation.scenario import Scenario
from simulation.stats import paired

SCHEMA = "parley.simulation.results/1"
TOP_CHANGES = 5


@dataclass(frozen=True)
class RunInfo:
    seed: int
    replications: int
    baseline_source: str
    proposed_source: str
    scenario_source: str


def _nan(values: list[float | None]) -> list[float]:
    return [math.nan if v is None else v for v in values]


def _kpi_entry(kpi: Kpi, reps: list[ReplicationResult]) -> dict[str, Any]:
    base = _nan([r.baseline.get(kpi.key) for r in reps])
    prop = _nan([r.proposed.get(kpi.key) for r in reps])
    summary = paired(base, prop)
    return {
        "key": kpi.key,
        "label": kpi.label,
        "unit": kpi.unit,
        "better": kpi.better,
        "description": kpi.description,
        "baseline": summary.baseline,
        "proposed": summary.proposed,
        "difference": summary.difference,
        "ci95": [summary.ci_low, summary.ci_high],
        "replications": summary.replications,
        "significant": summary.significant,
        "verdict": _verdict(kpi, summary.difference, summary.significant),
    }


def _verdict(kpi: Kpi, difference: float | None, significant: bool) -> str:
    if difference is None or difference == 0:
        return "unchanged"
    if not significant:
        return "no clear change"
    if kpi.better == "neither":
        return "higher" if difference > 0 else "lower"
    good = (difference < 0) == (kpi.better == "lower")
    return "better" if good else "worse"


def build_results(
    info: RunInfo,
    baseline: Rulebook,
    proposed: Rulebook,
    scenario: Scenario,
    reps: list[ReplicationResult],
    details: tuple[list[Change], dict[str, str]] | None = None,
) -> dict[str, Any]:
    """Everything a reader (or the report) needs, from replications ordered by index.

    ``details`` are the replications' changed decisions and reason texts already merged
    (:func:`~simulation.replication.merge_details`); by default they are merged from ``reps``.
    """
    reps = sorted(reps, key=lambda r: r.replication)
    n = max(len(reps), 1)
    changed_rules = rule_changes(baseline, proposed)
    changes, texts = details if details is not None else merge_details(reps)
    totals: Counter[tuple[str, str, str, str, str]] = Counter()
    for kind, before, after, cause, cited, count in changes:
        totals[(kind, before, after, cause, cited)] += int(count)
    kpis = [
        _kpi_entry(k, reps)
        for k in definitions(route_levels(baseline, proposed), sorted(scenario.approvers))
    ]
    change_rows: list[dict[str, Any]] = [
        {
            "kind": kind,
            "from": before,
            "to": after,
            "cause": cause,
            "cited": cited,
            "cause_text": describe_cause(cause, texts, changed_rules, cited),
            "total": count,
            "per_replication": count / n,
        }
        for (kind, before, after, cause, cited), count in sorted(
            totals.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    attribution = []
    for entry in kpis:
        if not entry["difference"]:
            continue
        rows = [r for r in change_rows if relevant(entry["key"], r["kind"], r["cause"])]
        rows = rows[:TOP_CHANGES]
        attribution.append(
            {
                "kpi": entry["key"],
                "change": _change_words(entry),
                "because": [
                    sentence(r["kind"], r["from"], r["to"], r["per_replication"], r["cause_text"])
                    for r in rows
                ],
            }
        )
    return {
        "schema": SCHEMA,
        "run": {
            "seed": info.seed,
            "replications": len(reps),
            "leads_per_replication": sum(r.leads for r in reps) / n,
            "scenario": {
                "name": scenario.name,
                "source": info.scenario_source,
                "partners": scenario.channel.partners,
                "start": scenario.start.isoformat(),
                "horizon_days": scenario.horizon / 86_400,
                "warm_up_days": scenario.warm_up / 86_400,
            },
            "baseline": {"version": baseline.version, "title": baseline.title,
                         "source": info.baseline_source},
            "proposed": {"version": proposed.version, "title": proposed.title,
                         "source": info.proposed_source},
        },
        "rule_changes": changed_rules,
        "kpis": kpis,
        "attribution": attribution,
        "headlines": _headlines(change_rows, texts),
        "decision_changes": change_rows,
        "latency_hours": {
            "edges": list(LATENCY_EDGES),
            "baseline": [sum(r.latency_baseline[i] for r in reps) for i in range(len(LATENCY_EDGES))],
            "proposed": [sum(r.latency_proposed[i] for r in reps) for i in range(len(LATENCY_EDGES))],
        },
        "reason_texts": texts,
        "per_replication": [
            {"replication": r.replication, "leads": r.leads, "baseline": r.baseline,
             "proposed": r.proposed}
            for r in reps
        ],
    }


def _change_words(entry: dict[str, Any]) -> str:
    kpi = Kpi(entry["key"], entry["label"], entry["unit"], entry["better"], entry["description"])
    low, high = entry["ci95"]
    interval = (
        f" (95% CI {format_value(kpi, low, True)} to {format_value(kpi, high, True)})"
        if low is not None and high is not None
        else ""
    )
    return (
        f"{entry['label']}: {format_value(kpi, entry['baseline'])} → "
        f"{format_value(kpi, entry['proposed'])}, {format_value(kpi, entry['difference'], True)}"
        f"{interval}; {entry['verdict']}"
    )


def _headlines(rows: list[dict[str, Any]], texts: dict[str, str]) -> list[str]:
    """One line per cause, listing what it changed most: "cause: 41 x, 12 y"."""
    by_cause: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_cause.setdefault(row["cause_text"], []).append(row)
    ranked = sorted(by_cause.items(), key=lambda item: -sum(r["total"] for r in item[1]))
    lines = []
    for cause_text, items in ranked[:8]:
        parts = [
            f"{r['per_replication']:,.1f} {r['kind']}s per run {r['from']} → {r['to']}"
            for r in items[:3]
        ]
        lines.append(f"{cause_text}: {'; '.join(parts)}")
    return lines


def write_results(results: dict[str, Any], path: Path) -> None:
    """Write the document with a stable layout: keys sorted (as they come back from Temporal too),
    undefined values null (never NaN)."""
    path.write_text(json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n",
                    encoding="utf-8")  # fmt: skip
