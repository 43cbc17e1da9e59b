"""Attribution: which registrations were decided differently, and which rule caused it.

Both rulebooks replay the same leads, so lead ``i`` of the baseline run and lead ``i`` of the
proposed run are the same registration. Comparing them row by row gives the changed decisions;
the reason codes that appear on one side only name the rule responsible. Changes with no new
reason code are knock-on effects (a queue that moved, a registration that expired earlier and
freed an account) and are labelled as such.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from simulation.ledger import DecidedBy, DiscountFate, Dispute, ExitFate, Fate, Final, First, Ledger

GENERIC_CODES = frozenset({"approval.required", "auto.approved", "auto.rejected"})
KNOCK_ON = "knock_on"  # no reason code differs: the change came from timing, queues or freed accounts
LIFECYCLE = "lifecycle"  # same decision, different protection/extension outcome
TIMING = "approval_path"  # same reasons, but the human approval went differently (SLA, queue)
DISPUTE = "dispute"  # same decision, but its dispute went differently (the escalation path)
EXIT = "exit"  # same decision, but its partner's exit disposed of it differently (the exit policy)


def decision_label(first: int, final: int, by: int) -> str:
    if first == First.AUTO_APPROVED:
        return "auto-approved"
    if first == First.AUTO_REJECTED:
        return "auto-rejected"
    if final == Final.PENDING:
        return "still waiting for a person"
    verb = "approved" if final == Final.APPROVED else "rejected"
    return f"{verb} by default action" if by == DecidedBy.DEFAULT else f"{verb} by a person"


FATE_LABELS = {
    Fate.NOT_PROTECTED: "not protected",
    Fate.OPEN: "still open",
    Fate.WON: "won",
    Fate.LOST: "lost",
    Fate.EXPIRED: "expired",
    Fate.RELEASED: "released by a dispute",
    Fate.RETURNED: "returned to direct by an exit",
}
DISCOUNT_LABELS = {
    DiscountFate.NONE: "no exception",
    DiscountFate.AUTOMATIC: "automatic",
    DiscountFate.APPROVED: "exception approved",
    DiscountFate.REFUSED: "exception refused",
    DiscountFate.PENDING: "exception pending",
    DiscountFate.EXPIRED: "quote lapsed",
}
DISPUTE_LABELS = {
    Dispute.NONE: "not disputed",
    Dispute.OPEN: "still being heard",
    Dispute.UPHOLD: "upheld",
    Dispute.AWARD_CLAIMANT: "awarded to the claimant",
    Dispute.CO_SELL: "co-sold",
    Dispute.RETURN_TO_DIRECT: "returned to direct sales",
}


EXIT_LABELS = {
    ExitFate.NONE: "not open when the partner left",
    ExitFate.HONOURED: "honoured until expiry",
    ExitFate.TRANSFERRED: "transferred",
    ExitFate.RETURNED: "returned to direct",
    ExitFate.UNCLAIMED: "returned to direct, nobody to transfer to",
}


def dispute_label(outcome: int, by_default: bool) -> str:
    label = DISPUTE_LABELS[Dispute(outcome)]
    return f"{label} by default" if by_default else label


@dataclass(frozen=True)
class ChangeKey:
    kind: str  # "decision", "escalation", "deal", "discount", "dispute", "disposition" (an exit's)
    before: str
    after: str
    cause: str  # a reason code, or KNOCK_ON / LIFECYCLE / TIMING / DISPUTE / EXIT / "extension" / "discount"
    cited: str = ""  # for a reason code: "added" (the proposal cites it) or "dropped"


def _cause(before: tuple[str, ...], after: tuple[str, ...]) -> tuple[str, str]:
    added = sorted(set(after) - set(before) - GENERIC_CODES)
    if added:
        return added[0], "added"
    removed = sorted(set(before) - set(after) - GENERIC_CODES)
    if removed:
        return removed[0], "dropped"
    return KNOCK_ON, ""


def compare(baseline: Ledger, proposed: Ledger) -> Counter[ChangeKey]:
    """Count every way a registration in the window was treated differently by the proposal."""
    lo, hi = baseline.window
    changes: Counter[ChangeKey] = Counter()
    b, p = baseline, proposed
    for i, arrival in enumerate(b.arrival):
        if not lo <= arrival < hi:
            continue
        was = decision_label(b.first[i], b.final[i], b.decided_by[i])
        now = decision_label(p.first[i], p.final[i], p.decided_by[i])
        cause, cited = _cause(b.codes[i], p.codes[i])
        if was != now:
            if cause == KNOCK_ON and b.first[i] == p.first[i] == First.NEEDS_APPROVAL:
                cause = TIMING
            changes[ChangeKey("decision", was, now, cause, cited)] += 1
        if b.breaches[i] != p.breaches[i]:
            changes[
                ChangeKey(
                    "escalation",
                    _levels(b.breaches[i]),
                    _levels(p.breaches[i]),
                    TIMING if cause == KNOCK_ON else cause,
                    cited,
                )
            ] += 1
        disputed = b.dispute[i] != p.dispute[i] or b.dispute_by_default[i] != p.dispute_by_default[i]
        if disputed:
            changes[
                ChangeKey(
                    "dispute",
                    dispute_label(b.dispute[i], b.dispute_by_default[i]),
                    dispute_label(p.dispute[i], p.dispute_by_default[i]),
                    # A refusal now on other grounds may no longer be contestable: its reasons.
                    DISPUTE if was == now and cause == KNOCK_ON else cause,
                    cited,
                )
            ] += 1
        exited = b.exit[i] != p.exit[i]
        if exited:
            changes[
                ChangeKey(
                    "disposition",
                    EXIT_LABELS[ExitFate(b.exit[i])],
                    EXIT_LABELS[ExitFate(p.exit[i])],
                    EXIT if was == now and cause == KNOCK_ON else cause,
                    cited,
                )
            ] += 1
        if b.fate[i] != p.fate[i]:
            deal_cause, deal_cited = (cause, cited) if was != now else (LIFECYCLE, "")
            if b.extensions[i] != p.extensions[i] and was == now:
                deal_cause = "extension"
            if was == now and (disputed or Fate.RELEASED in (b.fate[i], p.fate[i])):
                deal_cause = DISPUTE
            if was == now and (exited or b.exit[i] != ExitFate.NONE):
                deal_cause = EXIT
            before, after = FATE_LABELS[Fate(b.fate[i])], FATE_LABELS[Fate(p.fate[i])]
            changes[ChangeKey("deal", before, after, deal_cause, deal_cited)] += 1
        if b.discount_fate[i] != p.discount_fate[i]:
            changes[
                ChangeKey(
                    "discount",
                    DISCOUNT_LABELS[DiscountFate(b.discount_fate[i])],
                    DISCOUNT_LABELS[DiscountFate(p.discount_fate[i])],
                    cause if was != now else _discount_cause(b, p, i),
                    cited if was != now else "",
                )
            ] += 1
    return changes


def _discount_cause(b: Ledger, p: Ledger, i: int) -> str:
    """Same registration decision, different discount outcome: the discount rules, unless one
    side never reached its quote (the protection ended first), which is a lifecycle effect."""
    never = DiscountFate.NONE
    reached_both = b.discount_fate[i] != never and p.discount_fate[i] != never
    return "discount" if reached_both and b.fate[i] == p.fate[i] else LIFECYCLE


def _levels(breaches: int) -> str:
    if breaches == 0:
        return "answered within SLA"
    return f"escalated past {breaches} level{'s' if breaches != 1 else ''}"


# Which kinds of change move which KPI (prefix match on the KPI key).
KPI_KINDS: dict[str, tuple[str, ...]] = {
    "registrations": (),
    "conflict_rate": ("decision",),
    "duplicate_rate": ("decision",),
    "auto_decision_rate": ("decision",),
    "approved_rate": ("decision",),
    "fairness_gini": ("decision",),
    "time_to_decision": ("decision", "escalation"),
    "approval_latency": ("escalation", "decision"),
    "sla_breach_rate": ("escalation",),
    "default_action_rate": ("escalation", "decision"),
    "escalations.": ("escalation",),
    "utilisation.": ("decision", "escalation", "discount"),
    "expired": ("deal",),
    "extensions": ("deal",),
    "win_rate": ("deal", "discount"),
    "revenue": ("deal", "discount", "decision", "disposition"),
    "average_discount": ("discount", "deal"),
    "margin": ("discount", "deal"),
    "discount_latency": ("discount",),
    "approved_depth": ("discount", "deal"),
    "discount_win_rate": ("deal", "discount"),
    "discount_revisions": ("discount", "deal"),
    "revision_reapproval_rate": ("discount",),
    "quote_": ("discount", "deal"),
    "disputes_opened": ("decision",),  # a dispute is opened or not as the refusal goes
    "dispute_": ("dispute",),
    "exits": (),  # exits and their approvals: the same draws and path under both rulebooks
    "exit_": ("disposition", "deal"),
}


# KPIs that count one family of reason codes are explained by changes citing that family.
KPI_CAUSES: dict[str, str] = {"conflict_rate": "conflict.", "duplicate_rate": "duplicate."}


def relevant(kpi_key: str, kind: str, cause: str) -> bool:
    """Whether a change of this kind and cause can move this KPI."""
    if kind not in kinds_for(kpi_key):
        return False
    family = KPI_CAUSES.get(kpi_key)
    return family is None or cause.startswith(family)


def kinds_for(kpi_key: str) -> tuple[str, ...]:
    for prefix, kinds in KPI_KINDS.items():
        if kpi_key.startswith(prefix):
            return kinds
    return ()


def _rules_about(rule_changes: list[str], *words: str) -> str:
    found = [c for c in rule_changes if any(w in c for w in words)]
    return f" ({'; '.join(found)})" if found else ""


def describe_cause(cause: str, texts: dict[str, str], rule_changes: list[str], cited: str = "") -> str:
    """A cause in words: the reason code with an example text, or what a pseudo-cause means."""
    if cause == KNOCK_ON:
        return "no rule cited differently: a knock-on effect (queues, timing, accounts freed earlier)"
    if cause == TIMING:
        return "same reasons, different approval path" + (
            _rules_about(rule_changes, "approval_route", "default_action")
            or " (queues, SLA or default action)"
        )
    if cause in (LIFECYCLE, "extension"):
        relevant = [c for c in rule_changes if "protection" in c or "extension" in c]
        what = "; ".join(relevant) or "protection timing"
        return f"protection and extension rules ({what})"
    if cause == DISPUTE:
        return "the dispute escalation path" + (
            _rules_about(rule_changes, "escalation") or " (queues, response times)"
        )
    if cause == EXIT:
        return "the exit policy" + (
            _rules_about(rule_changes, "exit.") or " (timing: an exit's approval, expiries, accounts)"
        )
    if cause == "discount":
        relevant = [c for c in rule_changes if c.startswith("discount")]
        return "discount rules" + (f" ({'; '.join(relevant)})" if relevant else "")
    example = texts.get(cause)
    verb = {"added": "the proposal cites ", "dropped": "the proposal no longer cites "}.get(cited, "")
    return f"{verb}{cause}" + (f" — e.g. “{example}”" if example else "")


def sentence(kind: str, before: str, after: str, count: float, cause_words: str) -> str:
    noun = {"decision": "registrations", "escalation": "approvals", "deal": "deals",
            "discount": "discount requests", "dispute": "disputes",
            "disposition": "registrations"}[kind]  # fmt: skip
    return f"{count:,.1f} {noun} per run went from {before} to {after}: {cause_words}."
