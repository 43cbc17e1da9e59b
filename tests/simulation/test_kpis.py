"""KPI definitions on a hand-made ledger, so each figure is checked against arithmetic."""

from __future__ import annotations

import math

import pytest

from simulation.kpis import compute, definitions, format_value
from simulation.ledger import DecidedBy, DiscountFate, Fate, Final, First, Ledger, Revision

H = 3600.0


def ledger() -> Ledger:
    book = Ledger(partners=3, window=(100.0, 10_000_000.0), cost_ratio=0.5)
    rows = [
        # arrival, partner, first, codes, final, by, latency h, breaches, fate, value, net, disc
        (50.0, 0, First.AUTO_APPROVED, ("auto.approved",), Final.APPROVED, DecidedBy.RULE, 0, 0,
         Fate.WON, 1000.0, 900.0, 0.1),  # warm-up: not counted
        (200.0, 0, First.AUTO_APPROVED, ("auto.approved",), Final.APPROVED, DecidedBy.RULE, 0, 0,
         Fate.WON, 1000.0, 800.0, 0.2),
        (300.0, 1, First.AUTO_REJECTED, ("conflict.first_to_register",), Final.REJECTED,
         DecidedBy.RULE, 0, 0, Fate.NOT_PROTECTED, 500.0, 0.0, math.nan),
        (400.0, 1, First.NEEDS_APPROVAL, ("duplicate.fuzzy_match", "approval.required"),
         Final.APPROVED, DecidedBy.PERSON, 10, 0, Fate.LOST, 2000.0, 0.0, math.nan),
        (500.0, 0, First.NEEDS_APPROVAL, ("approval.required", "conflict.other_product_line"),
         Final.REJECTED, DecidedBy.DEFAULT, 30, 2, Fate.NOT_PROTECTED, 700.0, 0.0, math.nan),
    ]  # fmt: skip
    for arrival, partner, first, codes, final, by, hours, breaches, fate, value, net, disc in rows:
        i = book.append_lead(arrival, partner, value)
        book.first[i], book.codes[i], book.final[i], book.decided_by[i] = first, codes, final, by
        book.decided_at[i] = arrival + hours * H
        book.breaches[i], book.fate[i], book.net[i], book.discount[i] = breaches, fate, net, disc
    book.busy["channel_account_manager"], book.available["channel_account_manager"] = 30.0, 120.0
    return book


def test_every_kpi_from_first_principles() -> None:
    k = compute(ledger(), levels=3)
    assert k["registrations"] == 4
    assert k["conflict_rate"] == pytest.approx(1 / 4)  # other_product_line is only a note
    assert k["duplicate_rate"] == pytest.approx(1 / 4)
    assert k["auto_decision_rate"] == pytest.approx(2 / 4)
    assert k["approval_latency_p50"] == pytest.approx(20.0)
    assert k["sla_breach_rate"] == pytest.approx(1 / 2)
    assert k["default_action_rate"] == pytest.approx(1 / 2)
    assert k["time_to_decision"] == pytest.approx(40 / 4)
    assert k["approved_rate"] == pytest.approx(2 / 4)
    assert k["win_rate"] == pytest.approx(1 / 2)
    assert k["revenue"] == pytest.approx(800.0)
    assert k["average_discount"] == pytest.approx(0.2)
    assert k["margin"] == pytest.approx((800 - 500) / 800)
    assert (k["escalations.level_1"], k["escalations.level_2"], k["escalations.level_3"]) == (1, 1, 0)
    assert k["utilisation.channel_account_manager"] == pytest.approx(0.25)
    # Approved registrations by partner: 1, 1, 0 of three partners.
    assert k["fairness_gini"] == pytest.approx(1 / 3)


def test_definitions_cover_what_compute_returns() -> None:
    keys = {d.key for d in definitions(3, ["channel_account_manager"])}
    assert keys == set(compute(ledger(), levels=3))


def test_values_read_well() -> None:
    share, hours, money = (next(d for d in definitions(1, []) if d.key == key)
                           for key in ("conflict_rate", "approval_latency_p50", "revenue"))  # fmt: skip
    assert format_value(share, 0.0712) == "7.1%"
    assert format_value(share, 0.004, signed=True) == "+0.4 pp"
    assert format_value(hours, 12.34) == "12.3 h"
    assert format_value(money, -1234567.8, signed=True) == "-1,234,568"
    assert format_value(money, None) == "n/a"


def test_discount_kpis_from_first_principles() -> None:
    book = ledger()
    rows = [
        # fate, discount fate, total discount, asked at, decided after (h), reviewed, revision,
        # quote expiries, renewals
        (Fate.WON, DiscountFate.APPROVED, 0.30, 1000.0, 10.0, True, Revision.ASKED_AGAIN, 1, 1),
        (Fate.WON, DiscountFate.AUTOMATIC, 0.20, 1000.0, 0.0, False, Revision.COVERED, 0, 0),
        (Fate.WON, DiscountFate.EXPIRED, 0.10, 1000.0, 30.0, True, Revision.NONE, 1, 0),
        (Fate.LOST, DiscountFate.REFUSED, math.nan, 1000.0, 50.0, True, Revision.REFUSED, 0, 0),
        (Fate.LOST, DiscountFate.NONE, math.nan, math.nan, math.nan, False, Revision.NONE, 0, 0),
    ]  # fmt: skip
    for fate, fate_d, total, asked, hours, reviewed, revision, expiries, renewals in rows:
        i = book.append_lead(600.0, 2, 1000.0)
        book.first[i], book.final[i], book.fate[i] = First.AUTO_APPROVED, Final.APPROVED, fate
        book.discount_fate[i], book.discount[i], book.discount_asked_at[i] = fate_d, total, asked
        book.discount_decided_at[i] = asked + hours * H
        book.discount_reviewed[i], book.revision[i] = reviewed, revision
        book.quote_expiries[i], book.renewals[i] = expiries, renewals
    k = compute(book, levels=3)
    assert k["discount_latency_p50"] == pytest.approx(30.0)  # 10, 30 and 50 hours
    assert k["discount_latency_p95"] == pytest.approx(48.0)
    assert k["approved_depth"] == pytest.approx(0.25)  # the lapsed quote's deal is not counted
    assert k["discount_win_rate"] == pytest.approx(3 / 4)  # the last deal asked for nothing
    assert k["discount_revisions"] == 3
    assert k["revision_reapproval_rate"] == pytest.approx(1 / 3)
    assert (k["quote_expiries"], k["quote_renewals"]) == (2, 1)
    assert k["win_rate"] == pytest.approx(4 / 7)  # the existing KPIs count these deals too
