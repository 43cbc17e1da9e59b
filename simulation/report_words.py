"""The words of a what-if: values with their currency and percent change, rules named as the
playbook names them, causes and headlines without reason codes, and the model's assumptions.

``simulation.results`` writes these words into ``results.json`` and ``simulation.report`` lays
them out; the codes themselves stay in the document's details (``decision_changes``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from rules.reasons import meaning
from simulation.attribution import DISPUTE, EXIT, KNOCK_ON, LIFECYCLE, TIMING
from simulation.kpis import Kpi, format_value
from simulation.scenario import Scenario

# The playbook's section for each top-level part of a rulebook (rules/explain.py).
SECTIONS = {
    "program": "The program",
    "registration": "Deal registration",
    "discount": "Discount exceptions",
    "escalation": "Disputes and escalation",
    "exit": "Leaving the program",
}
# Reason-code families (the part before the dot) by the playbook section that gives them.
CODE_SECTIONS = {"discount": "Discount exceptions", "exit": "Leaving the program"}
_ACRONYMS = {"sla": "SLA", "mdf": "MDF"}
_NOUNS = {
    "decision": "registrations",
    "escalation": "approvals",
    "deal": "deals",
    "discount": "discount requests",
    "dispute": "disputes",
    "disposition": "registrations of exiting partners",
}
# Which rules a pseudo-cause (no reason code differs) points at, and its words when none changed.
_PSEUDO: dict[str, tuple[tuple[str, ...], str]] = {
    LIFECYCLE: (
        ("registration.protection_period", "registration.reminder_lead_time", "registration.extensions"),
        "Protection timing (no protection or extension rule changed)",
    ),
    "extension": (
        ("registration.extensions", "registration.protection_period", "registration.reminder_lead_time"),
        "Extensions (no extension rule changed: timing)",
    ),
    TIMING: (
        ("registration.approval_route", "registration.default_action"),
        "Approval timing: queues and SLAs (no approval rule changed)",
    ),
    DISPUTE: (("escalation.",), "Dispute timing (no dispute rule changed)"),
    EXIT: (("exit.",), "Exit timing (no exit rule changed)"),
    "discount": (
        ("discount.",),
        "Discount outcomes that moved with the deals' timing (no discount rule changed)",
    ),
}


def _number(kpi: Kpi, value: float, signed: bool) -> str:
    text = format_value(kpi, value, signed)
    if not re.fullmatch(r"[-+]?0(\.0+)?( pp| h|%)?", text):
        return text
    if value == 0:
        return text.lstrip("+-")  # "0.0 h", never "-0.0 h"
    # Not zero but rounded to it: one significant digit shows which side of zero it lies.
    scaled = value * 100 if kpi.unit == "share" else value
    suffix = {"share": " pp" if signed else "%", "hours": " h"}.get(kpi.unit, "")
    places = 1 - math.floor(math.log10(abs(scaled)))  # "0.0004", never "4e-04"
    return f"{scaled:{'+' if signed else ''}.{places - 1}f}{suffix}"


def show(kpi: Kpi, value: float | None, currency: str = "", signed: bool = False) -> str:
    """A value as a manager reads it: money with its currency (a sign before it), no "-0.0"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    text = _number(kpi, value, signed)
    if kpi.unit != "money" or not currency:
        return text
    sign = text[0] if text[:1] in "+-" else ""  # "-USD 19,878,221", as money is written
    return f"{sign}{currency} {text[len(sign):]}"


def percent_change(difference: float | None, baseline: float | None) -> float | None:
    if difference is None or not baseline:
        return None
    return difference / abs(baseline)


def change(kpi: Kpi, difference: float | None, baseline: float | None, currency: str = "") -> str:
    """A difference; money and counts also as a percentage of the baseline: "USD 1,234 (+3.2%)"."""
    text = show(kpi, difference, currency, signed=True)
    ratio = percent_change(difference, baseline)
    if kpi.unit in ("money", "count") and ratio is not None and difference:
        # From next to nothing a percentage says little ("+226900.0%"): a multiple says it plainly.
        text += f" ({ratio + 1:,.0f} times the baseline)" if ratio >= 10 else f" ({ratio * 100:+.1f}%)"
    return text


def threshold_text(kpi: Kpi, currency: str = "") -> str:
    """The smallest change that earns a verdict: "0.5 pp", "0.5 h and 5% of baseline"."""
    absolute, relative = kpi.threshold
    unit = {"share": " pp", "hours": " h"}.get(kpi.unit, "")
    scale = 100.0 if kpi.unit == "share" else 1.0
    parts = []
    if absolute:
        amount = f"{absolute * scale:,.4g}{unit}"
        parts.append(f"{currency} {amount}" if kpi.unit == "money" and currency else amount)
    if relative:
        parts.append(f"{relative:.0%} of baseline")
    return " and ".join(parts) or "any change"


def rule_path(change_text: str) -> str:
    """``registration.protection_period`` from a rule change's text."""
    return change_text.split(": ", 1)[0]


def _segment(part: str) -> str:
    name, _, key = part.partition("[")
    words = " ".join(_ACRONYMS.get(w, w) for w in name.split("_"))
    key = key.rstrip("]")
    if key:
        words += f" #{int(key) + 1}" if key.isdigit() else f" {key}"
    return words


def rule_name(path: str) -> str:
    """A rulebook path as the playbook names it: "Deal registration — approval route #1 SLA"."""
    head, _, rest = path.partition(".")
    section = SECTIONS.get(head.split("[")[0], _segment(head))
    words = " ".join(_segment(p) for p in rest.split(".") if p)
    return f"{section} — {words}" if words else section


def rule_words(change_text: str) -> str:
    """A rule change in words: "Deal registration — protection period: 90 days → 60 days"."""
    path, sep, what = change_text.partition(": ")
    return f"{rule_name(path)}: {what}" if sep else rule_name(path)


def _rules_among(rule_changes: list[str], prefixes: tuple[str, ...], most: int = 2) -> str:
    """The changed rules under ``prefixes`` in words, each section named once."""
    found = [rule_words(c) for c in rule_changes if rule_path(c).startswith(prefixes)]
    shown, section = [], ""
    for text in found[:most]:
        head, sep, rest = text.partition(" — ")
        shown.append(rest if sep and head == section else text)
        section = head if sep else ""
    if len(found) > most:
        shown.append(f"and {len(found) - most} more")
    return "; ".join(shown)


def cause_words(cause: str, cited: str, rule_changes: list[str]) -> str:
    """What made registrations go differently, in plain words: the rule that changed, or the
    reason the proposal gives (or no longer gives) in the playbook's words, never its code."""
    if cause == KNOCK_ON:
        return "Knock-on effects: no reason given differently (queues, timing, accounts freed sooner)"
    if cause in _PSEUDO:
        prefixes, otherwise = _PSEUDO[cause]
        return _rules_among(rule_changes, prefixes) or otherwise
    section = CODE_SECTIONS.get(cause.split(".")[0], "Deal registration")
    given = {"added": "reason now given", "dropped": "reason no longer given"}.get(cited, "reason")
    return f"{section} — {given}: “{meaning(cause)}”"


def effect(kind: str, before: str, after: str, per_run: float) -> str:
    """A change of treatment in words: "956.6 deals per run went from lost to expired"."""
    before, after = (s.replace("still open", "still open at the end") for s in (before, after))
    return f"{per_run:,.1f} {_NOUNS.get(kind, kind)} per run went from {before} to {after}"


def headline(cause: str, rows: list[dict[str, Any]], most: int = 3) -> str:
    """One cause and its largest effects: "<rule>: <effect>; <effect>."."""
    effects = "; ".join(effect(r["kind"], r["from"], r["to"], r["per_replication"]) for r in rows[:most])
    return f"{cause}: {effects}."


def neutral_note(kpi: Kpi, blocking: list[str], rule_changes: list[str]) -> str:
    """Why a moved KPI is called higher or lower rather than better or worse."""
    if not blocking:
        return ""
    if kpi.neutral_when == ("",):
        return kpi.neutral_why
    named = [rule_name(p) for p in blocking]
    listed = "; ".join(dict.fromkeys(named[:3])) + (f" and {len(named) - 3} more" if len(named) > 3 else "")
    return f"{kpi.neutral_why} Changed here: {listed}."


def assumptions(scenario: Scenario) -> list[str]:
    """What the model takes as given, with the scenario's own figures: what a reader must accept
    for the figures to hold (docs/simulation.md, What the model leaves out, has the rest)."""
    deals, discounts = scenario.deals, scenario.deals.discounts
    days = scenario.horizon / 86_400
    items = [
        "Partners act the same under both rulebooks: the same leads at the same moments, with the "
        "same deal values, sales cycles and chances of winning. A rule change does not change how "
        "partners work (under shorter protection they do not close faster or register later).",
        "An expired registration earns nothing: when protection lapses before the deal's close "
        "date the deal counts as neither won nor lost and brings no revenue (in reality the "
        "partner may still close it or register it again). A rule that lets more registrations "
        "expire therefore shows as lost revenue.",
        "A refused registration brings no channel revenue and is not resubmitted; direct sales' "
        "own deals are not counted.",
        f"A protected deal that reaches its close date is won with a chance of "
        f"{deals.win_rate:.0%}, {discounts.refused_win_rate_factor:.0%} of that when its discount "
        f"exception is refused or its quote lapses unrenewed. Revenue is list value less every "
        f"discount; cost is {deals.cost_ratio:.0%} of list value.",
        f"Deals still open at the end of the {days:g} days count as neither won nor lost, so "
        "registrations late in the period add little revenue under either rulebook.",
        f"Reminded before expiry with the deal still open, {deals.extension_request_rate:.0%} of "
        "partners ask for an extension; partners do not withdraw registrations.",
        "Approvers work their office hours, take the scenario's handling times and approve at the "
        "scenario's rates whatever the rulebook; the work a rulebook sends them queues behind "
        "the rest.",
        "Partner records (tier, territories, verticals, certifications) do not change during a run.",
    ]
    if scenario.disputes.share > 0:
        items.append(
            f"{scenario.disputes.share:.0%} of refusals that may be contested are disputed at once; "
            "a co-sold account books each registration's own deal (the co-sell split is not modelled)."
        )
    if scenario.exits.happen():
        items.append(
            "Partners leave at the scenario's yearly rates, the same partners at the same moments "
            "under both rulebooks; when no other partner may take over an exiting partner's "
            "registration, the sandbox returns it to direct sales (the live system leaves that "
            "choice to partner operations)."
        )
    return items
