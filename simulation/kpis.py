"""The program KPIs, defined once: what each measures, its unit, which way is better, how computed.

Every figure is computed from a :class:`~simulation.ledger.Ledger` over the registrations that
arrived inside its window (after the warm-up), so the sandbox and a future live dashboard agree.
Rates are fractions (0..1); latencies are hours; money is in the rulebook's currency.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from rules import ReasonCode
from rules.dispute import Resolution
from simulation.ledger import DecidedBy, DiscountFate, Dispute, ExitFate, Fate, Final, First, Ledger, Revision
from simulation.stats import gini

Better = Literal["lower", "higher", "neither"]
Unit = Literal["share", "hours", "count", "money", "index"]
HOUR = 3600.0

# The smallest change a what-if calls material, by unit, unless a KPI sets its own: an absolute
# change in the KPI's unit and a share of the baseline, both to be reached. Shares move in
# percentage points, hours and counts by both (a few hours of a long wait, a few of many), money
# by its share of the baseline alone (the rulebook's currency may be any), an index by its units.
MATERIAL_BY_UNIT: dict[str, tuple[float, float]] = {
    "share": (0.005, 0.0),  # half a percentage point
    "hours": (0.5, 0.05),  # half an hour and 5% of the baseline
    "count": (1.0, 0.05),  # one a run and 5% of the baseline
    "money": (0.0, 0.01),  # 1% of the baseline
    "index": (0.01, 0.0),
}

# Groups of rulebook paths (prefixes of ``rules.diff_rulebooks`` paths) for ``Kpi.neutral_when``.
ANY_RULE = ("",)  # every rule change: the KPI is never called better or worse in a what-if
WHO_IS_APPROVED = (
    "program.",
    "registration.eligibility",
    "registration.conflict",
    "registration.auto_approve",
    "registration.auto_reject",
    "registration.approval_route",
    "registration.default_action",
    "registration.resubmission_limit",
)
HOW_LONG_HELD = (
    "registration.protection_period",
    "registration.reminder_lead_time",
    "registration.extensions",
)
HOW_HOLDS_END = ("escalation.", "exit.")  # dispute releases, exits' returns and transfers


@dataclass(frozen=True)
class Kpi:
    """One KPI: what it measures and in what unit, which way is better, and how a what-if judges
    a change of it (``min_change``/``min_relative``, ``neutral_when``; docs/simulation.md)."""

    key: str
    label: str
    unit: Unit
    better: Better
    description: str
    # A what-if gives a verdict only on a material change: at least ``min_change`` in the KPI's
    # unit and at least ``min_relative`` of the baseline (None: the unit's MATERIAL_BY_UNIT).
    min_change: float | None = None
    min_relative: float | None = None
    # Rules whose change can move the KPI without the program doing better or worse (a lower
    # conflict rate because accounts lapse sooner): a what-if whose proposal changes one of them
    # says "higher"/"lower", not "better"/"worse", and gives ``neutral_why``.
    neutral_when: tuple[str, ...] = ()
    neutral_why: str = ""

    @property
    def threshold(self) -> tuple[float, float]:
        """(absolute, relative) minimum of a material change."""
        absolute, relative = MATERIAL_BY_UNIT[self.unit]
        return (
            absolute if self.min_change is None else self.min_change,
            relative if self.min_relative is None else self.min_relative,
        )

    def material(self, difference: float, baseline: float | None) -> bool:
        """Whether ``difference`` reaches both minimums (from a zero baseline, the absolute one)."""
        absolute, relative = self.threshold
        size = abs(difference)
        return size > 0 and size >= absolute and size >= relative * abs(baseline or 0.0)

    def neutral_for(self, changed_rules: list[str]) -> list[str]:
        """The changed rule paths that keep this KPI's change from being better or worse."""
        return [p for p in changed_rules if any(p.startswith(w) for w in self.neutral_when)]


def _share(mask: np.ndarray, of: np.ndarray | None = None) -> float:
    base = mask if of is None else mask[of]
    return float(base.mean()) if base.size else float("nan")


# Conflicts that decided or routed a registration; the informational notes (another product
# line, a prior registration that expired or was released) are not conflicts.
CONFLICT_CODES = frozenset(
    {
        ReasonCode.FIRST_TO_REGISTER.value,
        ReasonCode.FIRST_TO_REGISTER_WON.value,
        ReasonCode.DIRECT_ENGAGED.value,
    }
)
DUPLICATE_CODES = frozenset({ReasonCode.ALREADY_REGISTERED.value, ReasonCode.FUZZY_MATCH.value})

_SAME_COLLISIONS = (
    "Both rulebooks see the same partners chasing the same accounts, so a rulebook moves this "
    "rate only by how long it holds accounts and how it matches them, not by fewer collisions."
)
_OTHER_DEALS = (
    "These rules change which deals stay protected until they close, so the rate is taken over "
    "other deals; in the model a deal's chance of winning changes only with its pricing."
)


def _cites(codes: list[tuple[str, ...]], wanted: frozenset[str]) -> np.ndarray:
    return np.array([not wanted.isdisjoint(cs) for cs in codes], dtype=bool)


BASE_KPIS: tuple[Kpi, ...] = (
    Kpi("registrations", "Registrations submitted", "count", "neither",
        "Registrations submitted after the warm-up."),
    Kpi("conflict_rate", "Conflict rate", "share", "lower",
        "Share of registrations refused or routed for a conflict: another registration "
        "first, or direct sales engaged.", neutral_when=ANY_RULE, neutral_why=_SAME_COLLISIONS),
    Kpi("duplicate_rate", "Duplicate rate", "share", "lower",
        "Share of registrations the rules found to duplicate another (exactly or fuzzily).",
        neutral_when=ANY_RULE, neutral_why=_SAME_COLLISIONS),
    Kpi("auto_decision_rate", "Auto-decision rate", "share", "higher",
        "Share of registrations settled by the rules alone, without a person."),
    Kpi("approval_latency_p50", "Approval latency p50", "hours", "lower",
        "Median hours from submission to decision, for registrations that needed a person."),
    Kpi("approval_latency_p95", "Approval latency p95", "hours", "lower",
        "95th percentile of the same."),
    Kpi("sla_breach_rate", "SLA breach rate", "share", "lower",
        "Share of human approvals where at least one level's SLA passed without an answer."),
    Kpi("default_action_rate", "Decided by default action", "share", "lower",
        "Share of human approvals settled by the default action at the end of the path."),
    Kpi("time_to_decision", "Partner-facing time to decision", "hours", "lower",
        "Mean hours a partner waits for an answer, automatic answers counting as zero."),
    Kpi("approved_rate", "Approval rate", "share", "neither",
        "Share of registrations approved, by rule, person or default."),
    Kpi("expired", "Registrations expired", "count", "lower",
        "Approved registrations whose protection lapsed before the deal closed.",
        neutral_when=WHO_IS_APPROVED + HOW_HOLDS_END,
        neutral_why="These rules change how many registrations are approved, or end otherwise "
        "(a dispute, an exit), so the count moves with how many are held, not only how long."),
    Kpi("extensions", "Extensions granted", "count", "neither",
        "Protection extensions granted."),
    Kpi("win_rate", "Win rate", "share", "higher",
        "Deals won among protected deals that closed (won or lost).",
        neutral_when=WHO_IS_APPROVED + HOW_LONG_HELD + HOW_HOLDS_END, neutral_why=_OTHER_DEALS),
    Kpi("revenue", "Revenue", "money", "higher",
        "Revenue of won deals after every discount."),
    Kpi("average_discount", "Average discount", "share", "neither",
        "Mean total discount on won deals (standard, volume and approved exceptions).",
        min_change=0.0025),
    Kpi("margin", "Gross margin", "share", "higher",
        "(revenue - cost) / revenue over won deals, cost being a fixed share of list value.",
        min_change=0.0025),
    Kpi("fairness_gini", "Partner fairness (Gini)", "index", "lower",
        "Gini coefficient of approved registrations across partners: 0 is perfectly even."),
)  # fmt: skip


DISCOUNT_KPIS: tuple[Kpi, ...] = (
    Kpi("discount_latency_p50", "Discount approval latency p50", "hours", "lower",
        "Median hours from a discount exception's request to its decision, for requests that "
        "went to people (a revision while pending is part of the wait)."),
    Kpi("discount_latency_p95", "Discount approval latency p95", "hours", "lower",
        "95th percentile of the same."),
    Kpi("approved_depth", "Approved discount depth", "share", "neither",
        "Mean total discount (standard pricing plus the exception) of won deals whose exception "
        "was granted, by rule or by people.", min_change=0.0025),
    Kpi("discount_win_rate", "Win rate with an exception", "share", "higher",
        "Deals won among closed deals that asked for a discount exception.",
        neutral_when=WHO_IS_APPROVED + HOW_LONG_HELD + HOW_HOLDS_END, neutral_why=_OTHER_DEALS),
    Kpi("discount_revisions", "Discount revisions", "count", "neither",
        "Revisions partners made to pending or approved exceptions, those the rules refused "
        "included."),
    Kpi("revision_reapproval_rate", "Revisions asked again", "share", "lower",
        "Share of revisions that had to be approved again by at least one person; the others "
        "were covered by approvals that still stand, by the rules, or refused by the rules.",
        min_change=0.01),
    Kpi("quote_expiries", "Quote expiries", "count", "lower",
        "Approved discount quotes that lapsed with the deal still open.",
        neutral_when=WHO_IS_APPROVED + HOW_LONG_HELD + HOW_HOLDS_END,
        neutral_why="A quote lapses only while its deal is still protected and open, and these "
        "rules change how many deals are protected, and for how long."),
    Kpi("quote_renewals", "Quote renewals", "count", "neither",
        "Lapsed quotes the partner asked to renew: a new approval pass from scratch."),
)  # fmt: skip


_RESOLVED_AS = {
    Resolution.UPHOLD: "upheld",
    Resolution.AWARD_CLAIMANT: "awarded to the claimant",
    Resolution.CO_SELL: "co-sold",
    Resolution.RETURN_TO_DIRECT: "returned to direct sales",
}


def dispute_outcome_kpi(resolution: Resolution) -> Kpi:
    words = _RESOLVED_AS[resolution]
    return Kpi(f"dispute_outcome.{resolution.value}", f"Disputes {words}", "count", "neither",
               f"Disputes {words}, by a level of the path or by the default resolution.")  # fmt: skip


DISPUTE_KPIS: tuple[Kpi, ...] = (
    Kpi("disputes_opened", "Disputes opened", "count", "neither",
        "Conflict refusals (registered first elsewhere, direct sales engaged, judged the holder's "
        "account) that the refused partner disputed."),
    Kpi("dispute_resolution_p50", "Dispute resolution time p50", "hours", "lower",
        "Median hours from a dispute's opening to its resolution, by a level or by default, for "
        "disputes resolved before the horizon (the parties' statements are part of the wait)."),
    Kpi("dispute_resolution_p95", "Dispute resolution time p95", "hours", "lower",
        "95th percentile of the same."),
    Kpi("dispute_default_rate", "Disputes resolved by default", "share", "lower",
        "Share of resolved disputes where every level let its response time pass, so the "
        "rulebook's default resolution stands.", min_change=0.01),
    *(dispute_outcome_kpi(r) for r in Resolution),
)  # fmt: skip


EXIT_KPIS: tuple[Kpi, ...] = (
    Kpi("exits", "Partner exits", "count", "neither",
        "Partner exits that took effect (notice given), approved where the rulebook asks for it."),
    Kpi("exits_refused", "Exits not approved", "count", "neither",
        "Exits (for cause, or any the rulebook puts before an approver) rejected or left past "
        "the approval's SLA, so they did not happen."),
    Kpi("exit_honoured", "Exit: registrations honoured", "count", "neither",
        "Registrations open at an exiting partner's notice end that the exit policy honours "
        "until their expiry."),
    Kpi("exit_transferred", "Exit: registrations transferred", "count", "neither",
        "Registrations open at notice end transferred to the next eligible partner that "
        "registered the account."),
    Kpi("exit_returned", "Exit: registrations returned to direct", "count", "neither",
        "Registrations open at notice end returned to direct sales, by the policy or because no "
        "other eligible partner registered the account."),
    Kpi("exit_revenue_kept", "Exit: channel revenue kept", "money", "higher",
        "Revenue of exiting partners' registrations honoured or transferred that still closed "
        "won, with the exiting partner or the transferee."),
    Kpi("exit_value_to_direct", "Exit: deal value returned to direct", "money", "neither",
        "List value of the registrations returned to direct sales: deals the channel no longer "
        "sells (direct sales may still win them)."),
)  # fmt: skip


def escalation_kpi(level: int) -> Kpi:
    return Kpi(f"escalations.level_{level}", f"Escalations past level {level}", "count", "lower",
               f"Registrations whose SLA at approval level {level} passed without an answer.")  # fmt: skip


def utilisation_kpi(role: str) -> Kpi:
    words = role.replace("_", " ")  # "channel account manager", as the playbook says it
    return Kpi(f"utilisation.{role}", f"Utilisation: {words}", "share", "neither",
               f"Share of {words} working hours spent handling tasks.", min_change=0.01)  # fmt: skip


def definitions(levels: int, roles: list[str]) -> list[Kpi]:
    """Every KPI of a comparison: the base set, the discount, dispute and exit sets, escalations
    per level, utilisation per role."""
    return [
        *BASE_KPIS,
        *DISCOUNT_KPIS,
        *DISPUTE_KPIS,
        *EXIT_KPIS,
        *(escalation_kpi(k) for k in range(1, levels + 1)),
        *(utilisation_kpi(r) for r in roles),
    ]


def percentile(x: np.ndarray, q: float) -> float:
    """The ``q``th percentile of ``x`` (NaN when empty), as every KPI reads it."""
    return float(np.percentile(x, q)) if x.size else float("nan")


def compute(ledger: Ledger, levels: int) -> dict[str, float]:
    """Every KPI of one run; undefined ones (nothing to measure) are NaN."""
    a = ledger.arrays()
    codes = ledger.windowed_codes()
    first, final, by = a["first"], a["final"], a["decided_by"]
    human = first == First.NEEDS_APPROVAL
    decided_human = human & (final != Final.PENDING)
    latency = (a["decided_at"] - a["arrival"]) / HOUR
    decided = final != Final.PENDING
    fate = a["fate"]
    won, closed = fate == Fate.WON, (fate == Fate.WON) | (fate == Fate.LOST)
    approved = final == Final.APPROVED
    revenue = float(a["net"][won].sum())
    cost = float(a["value"][won].sum()) * ledger.cost_ratio
    per_partner = np.bincount(a["partner"][approved].astype(int), minlength=max(ledger.partners, 1))
    values: dict[str, float] = {
        "registrations": float(first.size),
        "conflict_rate": _share(_cites(codes, CONFLICT_CODES)),
        "duplicate_rate": _share(_cites(codes, DUPLICATE_CODES)),
        "auto_decision_rate": _share(~human),
        "approval_latency_p50": percentile(latency[decided_human], 50),
        "approval_latency_p95": percentile(latency[decided_human], 95),
        "sla_breach_rate": _share(a["breaches"] > 0, decided_human),
        "default_action_rate": _share(by == DecidedBy.DEFAULT, decided_human),
        "time_to_decision": float(latency[decided].mean()) if decided.any() else float("nan"),
        "approved_rate": _share(approved),
        "expired": float((fate == Fate.EXPIRED).sum()),
        "extensions": float(a["extensions"].sum()),
        "win_rate": _share(won, closed),
        "revenue": revenue,
        "average_discount": float(a["discount"][won].mean()) if won.any() else float("nan"),
        "margin": (revenue - cost) / revenue if revenue > 0 else float("nan"),
        "fairness_gini": gini(per_partner),
    }
    values.update(_discount_values(a))
    values.update(_dispute_values(a))
    values.update(_exit_values(a, ledger))
    for k in range(1, levels + 1):
        values[f"escalations.level_{k}"] = float((a["breaches"] >= k).sum())
    for role, busy in ledger.busy.items():
        available = ledger.available.get(role, 0.0)
        values[f"utilisation.{role}"] = busy / available if available > 0 else float("nan")
    return values


def _discount_values(a: dict[str, np.ndarray]) -> dict[str, float]:
    fate, asked = a["fate"], a["discount_fate"]
    won = fate == Fate.WON
    closed = won | (fate == Fate.LOST)
    exception = asked != DiscountFate.NONE
    granted = won & ((asked == DiscountFate.AUTOMATIC) | (asked == DiscountFate.APPROVED))
    decided = (a["discount_reviewed"] > 0) & ~np.isnan(a["discount_decided_at"])
    latency = (a["discount_decided_at"][decided] - a["discount_asked_at"][decided]) / HOUR
    revision = a["revision"]
    revised = revision != Revision.NONE
    return {
        "discount_latency_p50": percentile(latency, 50),
        "discount_latency_p95": percentile(latency, 95),
        "approved_depth": float(a["discount"][granted].mean()) if granted.any() else float("nan"),
        "discount_win_rate": _share(won, closed & exception),
        "discount_revisions": float(revised.sum()),
        "revision_reapproval_rate": _share(revision == Revision.ASKED_AGAIN, revised),
        "quote_expiries": float(a["quote_expiries"].sum()),
        "quote_renewals": float(a["renewals"].sum()),
    }


def _dispute_values(a: dict[str, np.ndarray]) -> dict[str, float]:
    dispute = a["dispute"]
    opened = dispute != Dispute.NONE
    resolved = opened & (dispute != Dispute.OPEN)
    hours = (a["dispute_resolved_at"][resolved] - a["dispute_opened_at"][resolved]) / HOUR
    values = {
        "disputes_opened": float(opened.sum()),
        "dispute_resolution_p50": percentile(hours, 50),
        "dispute_resolution_p95": percentile(hours, 95),
        "dispute_default_rate": _share(a["dispute_by_default"] > 0, resolved),
    }
    for r in Resolution:
        values[f"dispute_outcome.{r.value}"] = float((dispute == Dispute[r.name]).sum())
    return values


def _exit_values(a: dict[str, np.ndarray], ledger: Ledger) -> dict[str, float]:
    disposed = a["exit"]
    kept = ((disposed == ExitFate.HONOURED) | (disposed == ExitFate.TRANSFERRED)) & (a["fate"] == Fate.WON)
    returned = (disposed == ExitFate.RETURNED) | (disposed == ExitFate.UNCLAIMED)
    return {
        "exits": float(ledger.in_window(ledger.exits_given)),
        "exits_refused": float(ledger.in_window(ledger.exits_refused)),
        "exit_honoured": float((disposed == ExitFate.HONOURED).sum()),
        "exit_transferred": float((disposed == ExitFate.TRANSFERRED).sum()),
        "exit_returned": float(returned.sum()),
        "exit_revenue_kept": float(a["net"][kept].sum()),
        "exit_value_to_direct": float(a["value"][returned].sum()),
    }


Formatter = Callable[[float], str]


def format_value(kpi: Kpi, value: float | None, signed: bool = False) -> str:
    """A KPI value for people: shares as percentages, hours with one decimal, money rounded."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    sign = "+" if signed and value > 0 else ""
    if kpi.unit == "share":
        return f"{sign}{value * 100:.1f}{' pp' if signed else '%'}"
    if kpi.unit == "hours":
        return f"{sign}{value:.1f} h"
    if kpi.unit == "money":
        return f"{sign}{value:,.0f}"
    if kpi.unit == "index":
        return f"{sign}{value:.3f}"
    return f"{sign}{value:,.1f}"
