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
from simulation import report_words as words
from simulation.attribution import describe_cause, relevant
from simulation.kpis import Kpi, definitions
from simulation.replication import (
    LATENCY_EDGES,
    Change,
    ReplicationResult,
    merge_details,
    route_levels,
)
from simulation.rulediff import rule_changes
from simulation.scenario import Scenario
from simulation.stats import Paired, paired

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


def _kpi_entry(
    kpi: Kpi, reps: list[ReplicationResult], rule_changes: list[str], currency: str
) -> dict[str, Any]:
    base = _nan([r.baseline.get(kpi.key) for r in reps])
    prop = _nan([r.proposed.get(kpi.key) for r in reps])
    return kpi_entry(kpi, paired(base, prop), rule_changes, currency)


def kpi_entry(kpi: Kpi, summary: Paired, rule_changes: list[str], currency: str) -> dict[str, Any]:
    """A KPI's entry in the document: its definition, the paired figures and their verdict."""
    verdict, neutral = verdict_on(kpi, summary, rule_changes)
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
        "percent_change": words.percent_change(summary.difference, summary.baseline),
        "threshold": list(kpi.threshold),
        "threshold_text": words.threshold_text(kpi, currency),
        "material": summary.difference is not None and kpi.material(summary.difference, summary.baseline),
        "verdict": verdict,
        "neutral_because": neutral,
    }


def verdict_on(kpi: Kpi, summary: Paired, rule_changes: list[str]) -> tuple[str, str]:
    """The verdict on one KPI and, for "higher"/"lower" on a KPI with a better direction, why.

    A verdict needs the 95% interval to exclude zero and the change to be material (the KPI's
    threshold). It says better or worse unless the KPI has no better direction, or the proposal
    changes a rule that moves it without the program doing better or worse (``neutral_when``).
    """
    difference = summary.difference
    if difference is None:
        return "not measured", ""
    if difference == 0:
        return "unchanged", ""
    if not summary.significant:
        return "no clear change", ""
    if not kpi.material(difference, summary.baseline):
        return "no material change", ""
    direction = "higher" if difference > 0 else "lower"
    if kpi.better == "neither":
        return direction, ""
    blocking = kpi.neutral_for([words.rule_path(c) for c in rule_changes])
    if blocking:
        return direction, words.neutral_note(kpi, blocking, rule_changes)
    good = (difference < 0) == (kpi.better == "lower")
    return ("better" if good else "worse"), ""


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
    currency = baseline.program.currency
    kpis = [
        _kpi_entry(k, reps, changed_rules, currency)
        for k in definitions(route_levels(baseline, proposed), sorted(scenario.approvers))
    ]
    rows = change_rows(changes, n, texts, changed_rules)
    attribution = []
    for entry in kpis:
        if not entry["difference"]:
            continue
        moved_by = [r for r in rows if relevant(entry["key"], r["kind"], r["cause"])]
        attribution.append(
            {
                "kpi": entry["key"],
                "change": _change_words(entry, currency),
                "because": [
                    f"{words.effect(r['kind'], r['from'], r['to'], r['per_replication'])} ({r['rule']})."
                    for r in moved_by[:TOP_CHANGES]
                ],
            }
        )
    counted = next((e["baseline"] for e in kpis if e["key"] == "registrations"), None)
    return {
        "schema": SCHEMA,
        "run": {
            "seed": info.seed,
            "replications": len(reps),
            "leads_per_replication": sum(r.leads for r in reps) / n,
            "counted_per_replication": counted,
            "currency": currency,
            "scenario": {
                "name": scenario.name,
                "source": info.scenario_source,
                "partners": scenario.channel.partners,
                "start": scenario.start.isoformat(),
                "horizon_days": scenario.horizon / 86_400,
                "warm_up_days": scenario.warm_up / 86_400,
            },
            "baseline": {"version": baseline.version, "title": baseline.title,
                         "source": info.baseline_source, "currency": currency},
            "proposed": {"version": proposed.version, "title": proposed.title,
                         "source": info.proposed_source, "currency": proposed.program.currency},
        },
        "rule_changes": changed_rules,
        "kpis": kpis,
        "attribution": attribution,
        "headlines": headlines(rows),
        "decision_changes": rows,
        "assumptions": words.assumptions(scenario),
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
    }  # fmt: skip


def as_kpi(entry: dict[str, Any]) -> Kpi:
    """The definition part of a ``results.json`` KPI entry, for formatting it."""
    absolute, relative = entry.get("threshold") or (None, None)
    return Kpi(entry["key"], entry["label"], entry["unit"], entry["better"], entry["description"],
               min_change=absolute, min_relative=relative)  # fmt: skip


def _change_words(entry: dict[str, Any], currency: str) -> str:
    """A KPI's move in one line: "Revenue: USD 70,425,882 → USD 51,113,098, -USD 19,312,784
    (-27.4%) (95% CI …); worse"."""
    kpi = as_kpi(entry)
    low, high = entry["ci95"]
    interval = (
        f" (95% CI {words.show(kpi, low, currency, True)} to {words.show(kpi, high, currency, True)})"
        if low is not None and high is not None
        else ""
    )
    return (
        f"{entry['label']}: {words.show(kpi, entry['baseline'], currency)} → "
        f"{words.show(kpi, entry['proposed'], currency)}, "
        f"{words.change(kpi, entry['difference'], entry['baseline'], currency)}"
        f"{interval}; {entry['verdict']}"
    )


def change_rows(
    changes: list[Change], n: int, texts: dict[str, str], rule_changes: list[str]
) -> list[dict[str, Any]]:
    """The document's ``decision_changes``: every way a registration was treated differently,
    summed over ``n`` replications, most frequent first, each with its cause in words."""
    totals: Counter[tuple[str, str, str, str, str]] = Counter()
    for kind, before, after, cause, cited, count in changes:
        totals[(kind, before, after, cause, cited)] += int(count)
    return [
        {
            "kind": kind,
            "from": before,
            "to": after,
            "cause": cause,
            "cited": cited,
            "cause_text": describe_cause(cause, texts, rule_changes, cited),
            "rule": words.cause_words(cause, cited, rule_changes),
            "total": count,
            "per_replication": count / n,
        }
        for (kind, before, after, cause, cited), count in sorted(
            totals.items(), key=lambda item: (-item[1], item[0])
        )
    ]


def headlines(rows: list[dict[str, Any]]) -> list[str]:
    """One line per cause in plain words, listing what it changed most, largest first."""
    by_cause: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_cause.setdefault(row["rule"], []).append(row)
    ranked = sorted(by_cause.items(), key=lambda item: -sum(r["total"] for r in item[1]))
    return [words.headline(cause, items) for cause, items in ranked[:8]]


NO_DIFFERENCE = "No registration was decided differently."


def lead_headline(results: dict[str, Any] | None) -> str:
    """A what-if's first headline (what a roll-out shows of it), or that nothing differed."""
    headlines = (results or {}).get("headlines", [])
    return str(headlines[0]) if headlines else NO_DIFFERENCE


def results_document(results: dict[str, Any]) -> str:
    """The document with a stable layout: keys sorted (as they come back from Temporal too),
    undefined values null (never NaN)."""
    return json.dumps(results, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def write_results(results: dict[str, Any], path: Path) -> None:
    path.write_text(results_document(results), encoding="utf-8")
