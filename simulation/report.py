"""``report.html``: the what-if for a partner-ops manager, one self-contained offline page.

Rendered from the ``results.json`` document alone, so a stored result can be re-rendered later.
Headlines, rules and causes are in plain words (``simulation.report_words``); reason codes appear
only in the two details tables at the end.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from rules.reasons import meaning
from simulation import report_words as words
from simulation import svg
from simulation.results import NO_DIFFERENCE, as_kpi

_STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1100px;color:#111;line-height:1.4;padding:0 1rem}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;
border-bottom:1px solid #e5e7eb;padding-bottom:.3rem}h3{font-size:1rem;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{padding:.35rem .5rem;border-bottom:1px solid #e5e7eb;text-align:right;vertical-align:middle}
th:first-child,td:first-child,.t{text-align:left}
.nw{white-space:nowrap}
.meta{color:#4b5563}.better{color:#15803d;font-weight:600}.worse{color:#b91c1c;font-weight:600}
.muted{color:#6b7280}code{background:#f3f4f6;padding:0 .25rem;border-radius:3px}
li{margin:.2rem 0}.note{font-size:.85rem;color:#4b5563}
"""

WHY_PER_KPI = 3
HEADLINES = 5
CHANGE_ROWS = 20
JUDGED = ("better", "worse")
MOVED = ("better", "worse", "higher", "lower")
_VERDICT_COLOUR = {"better": svg.GOOD, "worse": svg.BAD}
_CITED = {"added": "now cited", "dropped": "no longer cited"}


def _list(items: list[str], empty: str, testid: str = "") -> str:
    attr = f' data-testid="{testid}"' if testid else ""
    if not items:
        return f'<p class="muted"{attr}>{escape(empty)}</p>'
    return f"<ul{attr}>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>"


def _moved(entry: dict[str, Any], currency: str, expiries_moved: bool = False) -> str:
    """ "Revenue: worse — USD 70,425,882 → USD 51,113,098, -USD 19,312,784 (-27.4%)"."""
    kpi = as_kpi(entry)
    line = (
        f"{entry['label']}: {entry['verdict']} — {words.show(kpi, entry['baseline'], currency)} → "
        f"{words.show(kpi, entry['proposed'], currency)}, "
        f"{words.change(kpi, entry['difference'], entry['baseline'], currency)}"
    )
    if kpi.unit == "money" and expiries_moved:
        line += " (counting an expired registration as earning nothing: see the assumptions)"
    because = entry.get("neutral_because")
    if not because:
        return line
    return f"{line}. Not called better or worse: {because[0].lower()}{because[1:]}"


def _counting(run: dict[str, Any], kpis: list[dict[str, Any]]) -> str:
    """The warm-up and the counting rule, once, with the numbers the KPI table shows."""
    sc = run["scenario"]
    registrations = next((e for e in kpis if e["key"] == "registrations"), None)
    counted = run.get("counted_per_replication")
    if counted is None and registrations is not None:
        counted = registrations["baseline"]
    leads, warm, days = run["leads_per_replication"], sc["warm_up_days"], sc["horizon_days"]
    if counted is None or registrations is None:
        return f"Registrations of the first {warm:g} days are a warm-up and are not counted."
    kpi = as_kpi(registrations)
    return (
        f"Each run simulates {days:g} days from {sc['start'][:10]}, on average "
        f"{leads:,.1f} registrations. The first {warm:g} days are a warm-up: their registrations "
        "are decided and held, so later ones meet them, but they are not counted. Every figure "
        f"below counts the {words.show(kpi, counted)} registrations per run submitted from day "
        f"{warm:g} to day {days:g} (the table's “{registrations['label']}”) and what became of "
        f"them by day {days:g}; the other {leads - counted:,.1f} per run are the warm-up's."
    )


def _nw(text: str) -> str:
    """Kept on one line: a value, or each part of "value (percent)"."""
    value, sep, percent = text.partition(" (")
    parts = [value, f"({percent}"] if sep else [value]
    return " ".join(f'<span class="nw">{escape(p)}</span>' for p in parts)


def _kpi_rows(kpis: list[dict[str, Any]], currency: str) -> str:
    rows = []
    for entry in kpis:
        kpi = as_kpi(entry)
        low, high = entry["ci95"]
        verdict = entry["verdict"]
        interval = (
            f"{_nw(words.show(kpi, low, currency, True))} … {_nw(words.show(kpi, high, currency, True))}"
            if low is not None and high is not None
            else "n/a"
        )
        chart = svg.interval(entry["difference"], low, high, _VERDICT_COLOUR.get(verdict, svg.NEUTRAL), 120)
        why = entry.get("neutral_because", "")
        title = f' title="{escape(why)}"' if why else ""
        shown = f"{escape(verdict)}{' †' if why else ''}"
        rows.append(
            f'<tr data-kpi="{escape(kpi.key)}"><td title="{escape(kpi.description)}">{escape(kpi.label)}</td>'
            f"<td>{_nw(words.show(kpi, entry['baseline'], currency))}</td>"
            f"<td>{_nw(words.show(kpi, entry['proposed'], currency))}</td>"
            f"<td>{_nw(words.change(kpi, entry['difference'], entry['baseline'], currency))}</td>"
            f"<td>{interval}</td><td>{chart}</td>"
            f"<td>{escape(entry.get('threshold_text', ''))}</td>"
            f'<td class="{verdict if verdict in JUDGED else "muted"}"{title}>{shown}</td></tr>'
        )
    return "".join(rows)


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
        (e["label"].removeprefix("Utilisation: "), e["baseline"] or 0.0, e["proposed"] or 0.0)
        for e in kpis
        if e["key"].startswith("utilisation.")
    ]
    return svg.horizontal_bars(rows, "Approver utilisation (share of working hours busy)")


def _changes_table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return '<p class="muted">No registration was treated differently.</p>'
    body = "".join(
        f"<tr><td>{escape(r['kind'])}</td><td class=t>{escape(r['from'])}</td>"
        f"<td class=t>{escape(r['to'])}</td><td class=t>{escape(r.get('rule', ''))}</td>"
        f"<td class=t><code>{escape(r['cause'])}</code> {_CITED.get(r['cited'], '')}</td>"
        f"<td>{r['per_replication']:,.1f}</td><td>{r['total']:,}</td></tr>"
        for r in rows[:CHANGE_ROWS]
    )
    return (
        '<table data-testid="changes"><tr><th>what</th><th class=t>baseline</th>'
        "<th class=t>proposed</th><th class=t>why</th><th class=t>code</th>"
        f"<th>per run</th><th>all runs</th></tr>{body}</table>"
    )


def _codes_table(rows: list[dict[str, Any]], texts: dict[str, str]) -> str:
    codes = sorted({r["cause"] for r in rows[:CHANGE_ROWS] if "." in r["cause"]})
    if not codes:
        return ""
    body = "".join(
        f"<tr><td><code>{escape(c)}</code></td><td class=t>{escape(meaning(c))}</td>"
        f"<td class=t>{escape(texts.get(c, ''))}</td></tr>"
        for c in codes
    )
    return (
        '<table data-testid="codes"><tr><th>reason code</th><th class=t>meaning (as in the '
        f"playbook)</th><th class=t>an example from this what-if</th></tr>{body}</table>"
    )


def render_report(results: dict[str, Any]) -> str:
    run = results["run"]
    sc, base, prop = run["scenario"], run["baseline"], run["proposed"]
    currency = run.get("currency", "")
    kpis = results["kpis"]
    expiries = any(e["key"] == "expired" and e["verdict"] in MOVED for e in kpis)
    judged = [_moved(e, currency, expiries) for e in kpis if e["verdict"] in JUDGED]
    neutral = [_moved(e, currency, expiries) for e in kpis if e["verdict"] in ("higher", "lower")]
    small = sum(1 for e in kpis if e["verdict"] == "no material change")
    with_verdict = {e["key"] for e in kpis if e["verdict"] in MOVED}
    attribution = "".join(
        f"<li><strong>{escape(a['change'])}</strong>"
        f"{_list(a['because'][:WHY_PER_KPI], 'no single cause')}</li>"
        for a in results["attribution"]
        if a["kpi"] in with_verdict
    )
    money = f" Money is in {escape(currency)}." if currency else ""
    if currency and prop.get("currency", currency) != currency:
        money += f" The proposal states its money in {escape(prop['currency'])}: compare with care."
    rules = [f"{words.rule_words(c)} ({words.rule_path(c)})" for c in results["rule_changes"]]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>What-if: {escape(prop["version"])} vs {escape(base["version"])}</title>
<style>{_STYLE}</style></head><body>
<h1>What-if: rulebook {escape(prop["version"])} against {escape(base["version"])}</h1>
<p class="meta">Scenario <strong>{escape(sc["name"])}</strong>: {sc["partners"]} partners;
{run["replications"]} paired runs with seed {run["seed"]}. Both rulebooks saw the same partners,
leads and approver handling times in every run.</p>
<p class="meta" data-testid="counting">{escape(_counting(run, kpis))}</p>

<h2>In short</h2>
{_list(judged, "No KPI got better or worse clearly and materially.", "judged")}
<h3>Moved, without a judgement of better or worse</h3>
{_list(neutral, "Nothing else moved clearly and materially.", "neutral")}
<p class="note">A KPI gets a verdict only when its 95% interval excludes zero <em>and</em> the
change reaches its threshold (the table's “material from”); {small} more moved clearly but by
less. Better or worse is said where the direction is a judgement; higher or lower where the KPI
has no better direction, or the proposal changes a rule that moves it without the program doing
better or worse (marked †).{money}</p>

<h2>What the proposal changes</h2>
{_list(rules, "The two rulebooks have the same rules.")}

<h2>Headlines</h2>
{_list(results["headlines"][:HEADLINES], NO_DIFFERENCE, "headlines")}

<h2>KPIs</h2>
<p class="note">Difference = proposed &minus; baseline, the mean over runs, with its 95% paired
confidence interval; money and counts also as a share of the baseline.{money}</p>
<table class="k" data-testid="kpis"><tr><th>KPI</th><th>baseline</th><th>proposed</th><th>difference</th>
<th>95% interval</th><th>difference and interval</th><th>material from</th><th>verdict</th></tr>
{_kpi_rows(kpis, currency)}</table>

<h2>Why the KPIs moved</h2>
<p class="note">For each KPI with a verdict, the registrations treated differently that explain
it (all of them are in results.json).</p>
{f"<ul>{attribution}</ul>" if attribution else '<p class="muted">Nothing moved clearly and materially.</p>'}

<h2>What the model assumes</h2>
{_list(results.get("assumptions", []), "See docs/simulation.md.", "assumptions")}

<h2>Approval latency</h2>
{_latency_chart(results["latency_hours"])}

<h2>Approver utilisation</h2>
<div data-testid="utilisation">{_utilisation_chart(kpis)}</div>

<h2>Details: registrations treated differently</h2>
{_changes_table(results["decision_changes"])}
{_codes_table(results["decision_changes"], results.get("reason_texts", {}))}

<p class="note">Baseline: {escape(base["source"])} ({escape(base["title"])}). Proposed:
{escape(prop["source"])} ({escape(prop["title"])}). Scenario: {escape(sc["source"])}.
Generated by <code>parley simulate</code>; the figures are in results.json beside this page.</p>
</body></html>
"""


def write_report(results: dict[str, Any], path: Path) -> None:
    path.write_text(render_report(results), encoding="utf-8")
