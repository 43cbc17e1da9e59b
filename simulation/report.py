"""``report.html``: the what-if for a partner-ops manager, one self-contained offline page.

Rendered from the ``results.json`` document alone, so a stored result can be re-rendered later.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from simulation import svg
from simulation.kpis import Kpi, format_value

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#111;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;text-align:right;vertical-align:middle}
th:first-child,td:first-child,.t{text-align:left}
.meta{color:#4b5563}.better{color:#15803d;font-weight:600}.worse{color:#b91c1c;font-weight:600}
.muted{color:#6b7280}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
li{margin:.2rem 0}.note{font-size:.85rem;color:#4b5563}
"""

WHY_PER_KPI = 3
HEADLINES = 5
MATERIAL = 0.01  # "In short" lists clear changes of at least 1% of the baseline
CHANGE_ROWS = 20
_VERDICT_CLASS = {"better": "better", "worse": "worse"}
_VERDICT_COLOUR = {"better": svg.GOOD, "worse": svg.BAD}


def _kpi(entry: dict[str, Any]) -> Kpi:
    return Kpi(entry["key"], entry["label"], entry["unit"], entry["better"], entry["description"])


def _kpi_rows(kpis: list[dict[str, Any]]) -> str:
    rows = []
    for entry in kpis:
        kpi = _kpi(entry)
        low, high = entry["ci95"]
        verdict = entry["verdict"]
        interval = (
            f"{format_value(kpi, low, True)} … {format_value(kpi, high, True)}"
            if low is not None and high is not None
            else "n/a"
        )
        chart = svg.interval(
            entry["difference"], low, high, _VERDICT_COLOUR.get(verdict, svg.NEUTRAL)
        )
        rows.append(
            f'<tr><td title="{escape(kpi.description)}">{escape(kpi.label)}</td>'
            f"<td>{format_value(kpi, entry['baseline'])}</td>"
            f"<td>{format_value(kpi, entry['proposed'])}</td>"
            f"<td>{format_value(kpi, entry['difference'], True)}</td><td>{interval}</td>"
            f"<td>{chart}</td>"
            f'<td class="{_VERDICT_CLASS.get(verdict, "muted")}">{escape(verdict)}</td></tr>'
        )
    return "".join(rows)


def _material(entry: dict[str, Any]) -> bool:
    """Worth a manager's attention: at least 1% of the baseline value (any change from zero)."""
    base, diff = entry["baseline"], entry["difference"] or 0.0
    return abs(diff) >= MATERIAL * abs(base) if base else diff != 0


def _list(items: list[str], empty: str) -> str:
    if not items:
        return f'<p class="muted">{escape(empty)}</p>'
    return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _latency_chart(latency: dict[str, Any]) -> str:
    edges = latency["edges"]
    labels = [f"{edges[i]:g}-{edges[i + 1]:g}h" for i in range(len(edges) - 1)]
    labels.append(f"≥{edges[-1]:g}h")
    base, prop = latency["baseline"], latency["proposed"]
    total_b, total_p = max(sum(base), 1), max(sum(prop), 1)
    return svg.grouped_bars(
        labels,
        [100 * v / total_b for v in base],
        [100 * v / total_p for v in prop],
        "Approval latency: share of human-approved registrations per bucket",
        "%",
    )


def _utilisation_chart(kpis: list[dict[str, Any]]) -> str:
    rows = [
        (e["key"].removeprefix("utilisation."), e["baseline"] or 0.0, e["proposed"] or 0.0)
        for e in kpis
        if e["key"].startswith("utilisation.")
    ]
    return svg.horizontal_bars(rows, "Approver utilisation (share of working hours busy)")


def _changes_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="muted">No registration was treated differently.</p>'
    body = "".join(
        f"<tr><td>{escape(r['kind'])}</td><td class=t>{escape(r['from'])}</td>"
        f"<td class=t>{escape(r['to'])}</td><td class=t>{escape(r['cause_text'])}</td>"
        f"<td>{r['per_replication']:,.1f}</td>"
        f"<td>{r['total']:,}</td></tr>"
        for r in rows[:CHANGE_ROWS]
    )
    return (
        "<table><tr><th>what</th><th class=t>baseline</th><th class=t>proposed</th><th class=t>why</th>"
        f"<th>per run</th><th>all runs</th></tr>{body}</table>"
    )


def render_report(results: dict[str, Any]) -> str:
    run = results["run"]
    sc, base, prop = run["scenario"], run["baseline"], run["proposed"]
    kpis = results["kpis"]
    significant = {e["key"] for e in kpis if e["significant"]}
    attribution = "".join(
        f"<li><strong>{escape(a['change'])}</strong>"
        f"{_list(a['because'][:WHY_PER_KPI], 'no single cause')}</li>"
        for a in results["attribution"]
        if a["kpi"] in significant
    )
    verdicts = [
        f"{e['label']}: {e['verdict']}, {format_value(_kpi(e), e['baseline'])} → "
        f"{format_value(_kpi(e), e['proposed'])} ({format_value(_kpi(e), e['difference'], True)})"
        for e in kpis
        if e["verdict"] in ("better", "worse") and _material(e)
    ]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>What-if: {escape(prop['version'])} vs {escape(base['version'])}</title>
<style>{_STYLE}</style></head><body>
<h1>What-if: rulebook {escape(prop['version'])} against {escape(base['version'])}</h1>
<p class="meta">Scenario <strong>{escape(sc['name'])}</strong>: {sc['partners']} partners over
{sc['horizon_days']:g} days (first {sc['warm_up_days']:g} days are warm-up and not counted);
{run['replications']} paired replications with seed {run['seed']}, about
{run['leads_per_replication']:,.0f} registrations each. Both rulebooks saw the same partners,
leads and approver handling times in every replication.</p>

<h2>In short</h2>
{_list(verdicts, 'No KPI moved clearly and materially (by 1% or more).')}
<p class="note">Clear changes (95% interval excluding zero) of at least 1% of the baseline; the
full table is below.</p>

<h2>What the proposal changes</h2>
{_list(results['rule_changes'], 'The two rulebooks have the same rules.')}

<h2>Headlines</h2>
{_list(results['headlines'][:HEADLINES], 'No registration was decided differently.')}

<h2>KPIs</h2>
<p class="note">Difference = proposed &minus; baseline, averaged over replications; the interval is a
95% paired confidence interval. “better”/“worse” only when the interval excludes zero.</p>
<table><tr><th>KPI</th><th>baseline</th><th>proposed</th><th>difference</th><th>95% CI</th>
<th>difference and interval</th><th>verdict</th></tr>{_kpi_rows(kpis)}</table>

<h2>Why the KPIs moved</h2>
<p class="note">For each KPI that moved clearly, the registrations treated differently that
explain it (all of them are in results.json).</p>
{f'<ul>{attribution}</ul>' if attribution else '<p class="muted">Nothing moved clearly.</p>'}

<h2>Approval latency</h2>
{_latency_chart(results['latency_hours'])}

<h2>Approver utilisation</h2>
{_utilisation_chart(kpis)}

<h2>Registrations treated differently</h2>
{_changes_table(results['decision_changes'])}

<p class="note">Baseline: {escape(base['source'])} ({escape(base['title'])}). Proposed:
{escape(prop['source'])} ({escape(prop['title'])}). Scenario: {escape(sc['source'])}.
Generated by <code>parley simulate</code>; the figures are in results.json beside this page.</p>
</body></html>
"""


def write_report(results: dict[str, Any], path: Path) -> None:
    path.write_text(render_report(results), encoding="utf-8")
