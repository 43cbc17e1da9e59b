"""The what-if report's words, checked on fixed results documents (hand-written figures).

Each document is built from hand-written paired figures through the same functions
``build_results`` uses for its parts (``kpi_entry``, ``change_rows``, ``headlines``), then
rendered, so the verdict rules and the page's words are checked without running a simulation.
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import pytest

from rules import ReasonCode
from simulation.kpis import definitions
from simulation.replication import Change
from simulation.report import render_report
from simulation.report_words import assumptions, rule_words
from simulation.results import SCHEMA, change_rows, headlines, kpi_entry
from simulation.scenario import default_scenario
from simulation.stats import Paired

KPIS = {k.key: k for k in definitions(3, ["channel_account_manager"])}
PROTECTION = "registration.protection_period: 90 days → 60 days"
ROUTE = "registration.approval_route[0].sla: 48 hours → 24 hours"
QUOTES = "discount.quote_validity: 30 days → 90 days"
TEXTS = {
    "conflict.prior_expired": "P00132's protection of BOJOX FREIGHT lapsed; the account is open again",
    "duplicate.fuzzy_match": "Church Credit may be the same account as CHURCHCREDIT.COM; a person decides",
}
CHANGES: list[Change] = [
    ("deal", "lost", "expired", "lifecycle", "", 9566),
    ("deal", "won", "expired", "lifecycle", "", 3750),
    ("decision", "approved by a person", "auto-approved", "duplicate.fuzzy_match", "dropped", 383),
    ("decision", "auto-rejected", "auto-approved", "conflict.prior_expired", "added", 207),
]


def entry(key: str, base: float, prop: float, low: float, high: float,
          rules: tuple[str, ...] = (PROTECTION,)) -> dict[str, Any]:  # fmt: skip
    return kpi_entry(KPIS[key], Paired(base, prop, prop - base, low, high, 10), list(rules), "USD")


def document(*kpis: dict[str, Any], rules: tuple[str, ...] = (PROTECTION,)) -> dict[str, Any]:
    rows = change_rows(CHANGES, 10, TEXTS, list(rules))
    registrations = entry("registrations", 11_065.2, 11_065.2, 0.0, 0.0, rules)
    return {
        "schema": SCHEMA,
        "run": {
            "seed": 7, "replications": 10, "leads_per_replication": 12_039.1,
            "counted_per_replication": 11_065.2, "currency": "USD",
            "scenario": {"name": "mid-size-program", "source": "default (built in)", "partners": 200,
                         "start": "2026-01-05T00:00:00+00:00", "horizon_days": 365.0,
                         "warm_up_days": 30.0},
            "baseline": {"version": "2026.1", "title": "In force", "source": "default.yaml",
                         "currency": "USD"},
            "proposed": {"version": "2026.2", "title": "Shorter", "source": "shorter.yaml",
                         "currency": "USD"},
        },
        "rule_changes": list(rules),
        "kpis": [registrations, *kpis],
        "attribution": [],
        "headlines": headlines(rows),
        "decision_changes": rows,
        "assumptions": assumptions(default_scenario()),
        "latency_hours": {"edges": [0, 1, 2], "baseline": [5, 3, 1], "proposed": [5, 3, 1]},
        "reason_texts": TEXTS,
        "per_replication": [],
    }  # fmt: skip


def section(html: str, testid: str) -> str:
    """The text inside the element with this test id, unescaped, on one line."""
    found = re.search(rf'<(ul|p|table|div)[^>]* data-testid="{testid}"[^>]*>(.*?)</\1>', html, re.S)
    assert found, testid
    return " ".join(unescape(found.group(2)).split())


def row(html: str, key: str) -> str:
    """A KPI's row of the table as its text, one space between cells."""
    found = re.search(rf'<tr data-kpi="{re.escape(key)}">(.*?)</tr>', html, re.S)
    assert found, key
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


def test_a_nil_change_gets_no_verdict() -> None:
    p50 = entry("approval_latency_p50", 12.5, 12.46, -0.06, -0.02)  # "-0.0 h", clear but nil
    gini = entry("fairness_gini", 0.453, 0.4534, 0.0001, 0.0007)  # "+0.000", clear but nil
    same = entry("sla_breach_rate", 0.112, 0.112, 0.0, 0.0)
    assert (p50["verdict"], gini["verdict"], same["verdict"]) == (
        "no material change", "no material change", "unchanged")  # fmt: skip
    html = render_report(document(p50, gini, same))
    for key in ("approval_latency_p50", "fairness_gini", "sla_breach_rate"):
        assert not re.search(r"better|worse|higher|lower", row(html, key)), key
    assert "-0.04 h" in row(html, "approval_latency_p50")  # which side of zero, not "-0.0 h"
    assert "-0.0 " not in html and "+0.000<" not in html
    assert "No KPI got better or worse" in section(html, "judged")


def test_a_clear_but_immaterial_change_gets_no_verdict_and_the_threshold_is_stated() -> None:
    conflict = entry("conflict_rate", 0.074, 0.071, -0.004, -0.002)  # 0.3 pp < 0.5 pp
    revenue = entry("revenue", 70_000_000.0, 69_650_000.0, -500_000.0, -200_000.0)  # -0.5% < 1%
    margin = entry("margin", 0.368, 0.366, -0.003, -0.001)  # 0.2 pp < its own 0.25 pp
    assert [e["verdict"] for e in (conflict, revenue, margin)] == ["no material change"] * 3
    assert all(e["significant"] and not e["material"] for e in (conflict, revenue, margin))
    bigger = entry("revenue", 70_000_000.0, 66_500_000.0, -4_000_000.0, -3_000_000.0)  # -5%
    assert bigger["verdict"] == "worse" and bigger["material"]
    html = render_report(document(conflict, margin, revenue))
    assert "0.5 pp" in row(html, "conflict_rate")
    assert "0.25 pp" in row(html, "margin")
    assert "1% of baseline" in row(html, "revenue")
    text = " ".join(html.split())
    assert "reaches its threshold" in text and "3 more moved clearly but by less" in text


def test_a_conflict_rate_fall_under_shorter_protection_reads_lower_not_better() -> None:
    conflict = entry("conflict_rate", 0.074, 0.062, -0.014, -0.010)
    assert conflict["verdict"] == "lower" and "how long it holds accounts" in conflict["neutral_because"]
    html = render_report(document(conflict))
    assert "Conflict rate: lower" in section(html, "neutral")
    assert "Conflict rate" not in section(html, "judged")
    assert "better" not in row(html, "conflict_rate")


@pytest.mark.parametrize(
    ("key", "base", "prop", "rules", "verdict"),
    [
        # More expiries because protection is shorter: worse for the partners holding them.
        ("expired", 1309.8, 2951.7, (PROTECTION,), "worse"),
        # ...but when the proposal also changes who is approved, the count moves with that too.
        ("expired", 1309.8, 2951.7, (PROTECTION, ROUTE), "higher"),
        # Fewer quotes lapse because deals end sooner: not an improvement.
        ("quote_expiries", 1307.3, 890.7, (PROTECTION,), "lower"),
        # Fewer quotes lapse because quotes last longer: better.
        ("quote_expiries", 1307.3, 890.7, (QUOTES,), "better"),
        # A win rate taken over other deals (the long ones now expire) is not better selling.
        ("win_rate", 0.288, 0.301, (PROTECTION,), "higher"),
        ("duplicate_rate", 0.072, 0.062, (QUOTES,), "lower"),  # never better: same collisions
        ("auto_decision_rate", 0.652, 0.700, (PROTECTION,), "better"),
    ],
)
def test_direction_words_follow_the_rules_changed(
    key: str, base: float, prop: float, rules: tuple[str, ...], verdict: str
) -> None:
    diff = prop - base
    low, high = sorted((diff * 0.9, diff * 1.1))
    moved = entry(key, base, prop, low, high, rules)
    assert moved["verdict"] == verdict
    assert bool(moved["neutral_because"]) == (verdict in ("higher", "lower"))
    if verdict == "higher" and key == "expired":
        assert "Deal registration — approval route" in moved["neutral_because"]


def test_money_shows_its_currency_and_percent_change() -> None:
    revenue = entry("revenue", 70_425_882.0, 51_113_098.0, -20_837_729.0, -17_787_838.0)
    expired = entry("expired", 1309.8, 2951.7, 1562.7, 1721.1)
    html = render_report(document(revenue, expired))
    cells = row(html, "revenue")
    assert "USD 70,425,882" in cells and "USD 51,113,098" in cells
    assert "-USD 19,312,784 (-27.4%)" in cells
    judged = section(html, "judged")
    assert "Revenue: worse — USD 70,425,882 → USD 51,113,098, -USD 19,312,784 (-27.4%)" in judged
    assert "expired registration as earning nothing" in judged
    assert "+1,641.9 (+125.4%)" in row(html, "expired")
    from_nothing = entry("escalations.level_2", 0.3, 681.0, 600.0, 760.0)
    assert "+680.7 (2,270 times the baseline)" in row(
        render_report(document(from_nothing)), "escalations.level_2"
    )


def test_headlines_name_rules_in_plain_words_and_codes_stay_in_the_details() -> None:
    html = render_report(document())
    top = section(html, "headlines")
    assert "Deal registration — protection period: 90 days → 60 days: 956.6 deals per run went " \
           "from lost to expired" in top  # fmt: skip
    assert "an earlier registration of the account lapsed" in top
    for code in ReasonCode:
        assert code.value not in top, code
    assert "lifecycle" not in top and "BOJOX" not in top  # no pseudo-causes, no example texts
    details = section(html, "changes")
    assert "<code>conflict.prior_expired</code> now cited" in details
    assert "<code>duplicate.fuzzy_match</code> no longer cited" in details
    assert "BOJOX FREIGHT" in section(html, "codes")
    assert rule_words(ROUTE) == "Deal registration — approval route #1 SLA: 48 hours → 24 hours"


def test_the_intro_count_is_the_tables_and_the_warm_up_is_said_once() -> None:
    html = render_report(document())
    counting = section(html, "counting")
    counted = re.search(r"counts the ([\d,.]+) registrations per run", counting)
    assert counted, counting
    assert row(html, "registrations").startswith(f"Registrations submitted {counted.group(1)} 11,065.2 ")
    assert counted.group(1) == "11,065.2"
    # The simulated total differs by exactly the warm-up's registrations, and says so.
    assert "on average 12,039.1 registrations" in counting
    assert "the other 973.9 per run are the warm-up's" in counting
    assert "first 30 days are a warm-up" in counting
    shown = re.sub(r'title="[^"]*"', "", html)  # a KPI's tooltip may repeat its definition
    assert shown.count("warm-up") == 2  # the counting sentence alone (its two mentions)


def test_the_models_assumptions_are_listed() -> None:
    listed = section(render_report(document()), "assumptions")
    assert "An expired registration earns nothing" in listed
    assert "Partners act the same under both rulebooks" in listed
    assert "won with a chance of 30%" in listed  # the scenario's own figure
    assert "returns it to direct sales" in listed  # the shipped scenario has exits


def test_a_role_is_named_in_words() -> None:
    busy = entry("utilisation.channel_account_manager", 0.377, 0.373, -0.005, -0.003)
    html = render_report(document(busy))
    assert "Utilisation: channel account manager" in row(html, busy["key"])
    assert "channel_account_manager" not in section(html, "utilisation")
