"""Disputes in the sandbox: the rules core's dispute functions, the one walker, and their KPIs.

Runs are the tiny channel with seed 3; every partner that may dispute does (``share: 1``) unless a
test says otherwise, so each run has a few dozen disputes to look at.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import yaml

from rules import Rulebook, parse_rulebook
from rules.approval import (
    ApprovalPath,
    Breached,
    Decided,
    PathEnd,
    PathEvent,
    Position,
    advance,
    ladder,
    start,
)
from rules.dispute import Contest, Resolution, own_refusals
from rules.escalation import dispute_path
from simulation import approvers as approvers_module
from simulation import disputes as disputes_module
from simulation.channel import generate_channel
from simulation.kpis import compute
from simulation.ledger import Dispute, Fate, Final, First, Ledger
from simulation.model import ProgramModel
from simulation.report import render_report
from simulation.runner import from_texts, run_local, summarise
from simulation.scenario import ScenarioInvalid, check_against, default_scenario, parse_scenario
from tests.simulation.conftest import DEFAULT_RULEBOOK, dump

H = 3600.0


def rulebook() -> Rulebook:
    return parse_rulebook(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))


def model(tiny_scenario: dict[str, Any], seed: int = 3, **disputes: Any) -> ProgramModel:
    tiny_scenario["disputes"] = {"share": 1.0, **disputes}
    scenario = parse_scenario(tiny_scenario)
    return ProgramModel(rulebook(), scenario, generate_channel(scenario, seed, 0))


def disputed(ledger: Ledger) -> list[int]:
    return [i for i, d in enumerate(ledger.dispute) if d != Dispute.NONE]


def resolved(ledger: Ledger) -> list[int]:
    return [i for i, d in enumerate(ledger.dispute) if d not in (Dispute.NONE, Dispute.OPEN)]


# --- the scenario's parameters ------------------------------------------------------------------


def paths(exc: pytest.ExceptionInfo[ScenarioInvalid]) -> dict[str, str]:
    return {p.path: p.message for p in exc.value.problems}


def test_the_default_scenario_disputes_a_share_of_contestable_refusals() -> None:
    disputes = default_scenario().disputes
    assert 0 < disputes.share < 1 and disputes.statement_mean == 24 * H
    assert len(disputes.levels) == 3
    assert all(0 < level.decide_rate <= 1 for level in disputes.levels)


def test_bad_dispute_parameters_are_named(tiny_scenario: dict[str, Any]) -> None:
    tiny_scenario["disputes"] = {
        "share": 1.5,
        "statement_mean": "soon",
        "levels": [
            {"decide_rate": -0.1, "resolutions": {"uphol": 1.0, "co_sell": -1.0}},
            {"resolutions": {"return_to_direct": 1.0}},
        ],
        "apeal": True,
    }
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    found = paths(exc)
    assert "less than or equal to 1" in found["disputes.share"]
    assert "not a duration" in found["disputes.statement_mean"]
    assert "greater than or equal to 0" in found["disputes.levels[0].decide_rate"]
    assert found["disputes.levels[0].resolutions.uphol"].startswith("unknown key")
    assert "greater than or equal to 0" in found["disputes.levels[0].resolutions.co_sell"]
    # Return to direct alone leaves a contest against direct sales nothing to decide.
    assert "must not all be zero" in found["disputes.levels[1].resolutions"]
    assert found["disputes.apeal"].startswith("unknown key")
    tiny_scenario["disputes"] = {"levels": []}
    with pytest.raises(ScenarioInvalid) as exc:
        parse_scenario(tiny_scenario)
    assert "at least 1" in paths(exc)["disputes.levels"]


def test_the_roles_of_the_dispute_path_must_be_staffed_when_partners_dispute(
    tiny_scenario: dict[str, Any], variant: Callable[..., str]
) -> None:
    levels = [{"role": "partner_ops", "response_sla": "2d", "channel": "email"}]
    ops = parse_rulebook(variant("ops-hears", (("escalation", "levels"), levels)))
    with pytest.raises(ScenarioInvalid) as exc:
        check_against(parse_scenario(tiny_scenario), ops, "proposed")
    assert "does not staff it" in paths(exc)["approvers.partner_ops"]
    tiny_scenario["disputes"] = {"share": 0.0}
    check_against(parse_scenario(tiny_scenario), ops, "proposed")


# --- the model ----------------------------------------------------------------------------------


def test_disputes_are_opened_at_contestable_refusals_and_are_deterministic(
    tiny_scenario: dict[str, Any],
) -> None:
    first = model(tiny_scenario)
    ledger = first.run()
    rows = disputed(ledger)
    assert len(rows) >= 20
    for i in rows:
        assert ledger.final[i] == Final.REJECTED
        assert ledger.dispute_opened_at[i] == ledger.decided_at[i]
        assert (
            ledger.dispute_resolved_at[i] > ledger.dispute_opened_at[i] or ledger.dispute[i] == Dispute.OPEN
        )
    # Refusals for the partner's own reasons are never disputed, even with a conflict found too.
    own = [i for i, c in enumerate(ledger.codes) if c and ledger.final[i] == Final.REJECTED and i not in rows]
    assert own and all(
        not {"conflict.first_to_register", "conflict.direct_engaged"} & set(ledger.codes[i])
        or own_refusals(ledger.codes[i])
        for i in own
    )
    again = model(tiny_scenario).run()
    columns = ("dispute", "dispute_opened_at", "dispute_resolved_at", "dispute_by_default", "fate", "net")
    for name in columns:
        np.testing.assert_array_equal(getattr(again, name), getattr(ledger, name), err_msg=name)


@dataclass
class Walk:
    at: float
    step: int
    events: list[PathEvent] = field(default_factory=list)
    last: Position | None = None


def test_the_sandbox_walks_the_dispute_path_as_rules_approval_does(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # Levels that often let their time pass, so paths escalate and some lapse.
    m = model(tiny_scenario, levels=[{"decide_rate": 0.4}])
    walks: list[Walk] = []
    owner: dict[int, Walk] = {}
    real_start, real_advance = approvers_module.start, approvers_module.advance

    def spy_start(
        path: ApprovalPath, at: float, carried: frozenset[str] = frozenset(), step: int = 0
    ) -> Position:
        position = real_start(path, at, carried, step)
        if path is m.disputes.path:
            walks.append(Walk(at, step, last=position))
            owner[id(position)] = walks[-1]
        return position

    def spy_advance(path: ApprovalPath, position: Position, event: PathEvent) -> Position:
        after = real_advance(path, position, event)
        walk = owner.pop(id(position), None)
        if walk is not None:
            walk.events.append(event)
            walk.last = after
            owner[id(after)] = walk
        return after

    monkeypatch.setattr(approvers_module, "start", spy_start)
    monkeypatch.setattr(approvers_module, "advance", spy_advance)
    ledger = m.run()

    path = dispute_path(rulebook())
    rows = resolved(ledger)
    outcomes = {(ledger.dispute_resolved_at[i], ledger.dispute_by_default[i]) for i in rows}
    starts = {(w.at, w.step) for w in walks}
    ends: set[tuple[float, bool]] = set()
    for walk in walks:
        # The same events on the same times, walked directly, end where the sandbox's walk ended.
        position = start(path, walk.at, step=walk.step)
        for event in walk.events:
            assert isinstance(event, Breached) or (isinstance(event, Decided) and event.approve)
            position = advance(path, position, event)
        assert position == walk.last
        if position.end is None:
            continue  # still being heard at the horizon
        end = (walk.events[-1].at, position.end is PathEnd.LAPSED)
        # A walk ends in the dispute's resolution, or in an award that could not be made, which
        # the same level hears again at once.
        if end in outcomes:
            ends.add(end)
        else:
            assert (end[0], position.step) in starts
    assert ends == outcomes  # (a level hearing a case again is tested on its own below)
    assert {lapsed for _, lapsed in ends} == {True, False}
    assert any(w.last is not None and w.last.breaches >= 1 and w.last.end is PathEnd.APPROVED for w in walks)
    # Every lapsed path took the rulebook's default resolution (uphold, in the default rulebook).
    assert {ledger.dispute[i] for i in rows if ledger.dispute_by_default[i]} == {Dispute.UPHOLD}


def test_the_sandbox_asks_the_rules_core_what_a_dispute_may_do(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # One level with a second to act: every path lapses, and the default the rules core names
    # (here replaced) is what stands; the effects asked for are the ones applied.
    monkeypatch.setattr(disputes_module, "dispute_path", lambda rb: ladder([("vp_channel", 1.0)], None))
    monkeypatch.setattr(disputes_module, "default_resolution", lambda rb, contest: Resolution.CO_SELL)
    asked: list[tuple[Resolution, Contest]] = []
    real_effects = disputes_module.effects

    def spy_effects(resolution: Resolution, contest: Contest) -> Any:
        asked.append((resolution, contest))
        return real_effects(resolution, contest)

    monkeypatch.setattr(disputes_module, "effects", spy_effects)
    m = model(tiny_scenario)
    ledger = m.run()
    rows = resolved(ledger)
    assert rows and all(ledger.dispute[i] == Dispute.CO_SELL and ledger.dispute_by_default[i] for i in rows)
    assert len(asked) == len(rows) and {r for r, _ in asked} == {Resolution.CO_SELL}
    # The level's one second came after the parties' statements (or their deadline).
    deadline = m.rulebook.escalation.party_response.total_seconds()
    for i in rows:
        statements = min(24 * H * float(m.channel.statement_e[i].max()), deadline)
        waited = ledger.dispute_resolved_at[i] - ledger.dispute_opened_at[i]
        assert waited == pytest.approx(statements + 1.0)
    # A refusal the rules core will not let anyone contest is never disputed.
    monkeypatch.setattr(disputes_module, "contest_refusal", lambda *a, **k: "no")
    assert not disputed(model(tiny_scenario).run())


def test_an_award_releases_the_holder_and_protects_the_claimant(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    m = model(tiny_scenario, levels=[{"decide_rate": 1.0, "resolutions": {"award_claimant": 1.0}}])
    walks: list[int] = []
    real_walk = m.approvers.walk

    def walk(path: ApprovalPath, *args: Any, **kwargs: Any) -> Any:
        if path is m.disputes.path:
            walks.append(kwargs.get("first_step", 0))
        return real_walk(path, *args, **kwargs)

    monkeypatch.setattr(m.approvers, "walk", walk)
    ledger = m.run()
    filed = {e.registration_id: e for e in m.index}
    protection = m.rulebook.registration.protection_period
    awarded = [i for i in resolved(ledger) if ledger.dispute[i] == Dispute.AWARD_CLAIMANT]
    assert awarded and len(awarded) == len(resolved(ledger))
    for i in awarded:
        assert ledger.fate[i] != Fate.NOT_PROTECTED
        request = m.channel.requests[i]
        if ledger.fate[i] != Fate.RELEASED:  # else a later dispute against it was awarded too
            entry = filed[request.request_key]
            assert entry.expires_at is not None
            assert entry.expires_at >= m.at(ledger.dispute_resolved_at[i]) + protection
        if set(ledger.codes[i]) & {"conflict.first_to_register"}:
            continue
        assert m.disputes._engaged_on(i, request) == []  # won over direct sales: engagement ended
    released = [i for i, f in enumerate(ledger.fate) if f == Fate.RELEASED]
    assert released
    assert all(filed[m.channel.requests[i].request_key].state == "withdrawn" for i in released)
    # Holders already won cannot be released: the level heard those cases again, and again.
    heard = len([i for i in disputed(ledger) if ledger.dispute[i] != Dispute.OPEN])
    assert len(walks) > heard


def test_co_selling_protects_the_claimant_beside_the_holder(tiny_scenario: dict[str, Any]) -> None:
    m = model(tiny_scenario, levels=[{"decide_rate": 1.0, "resolutions": {"co_sell": 1.0}}])
    ledger = m.run()
    filed = {e.registration_id: e for e in m.index}
    protection = m.rulebook.registration.protection_period
    rows = resolved(ledger)
    assert rows and all(ledger.dispute[i] == Dispute.CO_SELL for i in rows)
    assert Fate.RELEASED not in ledger.fate  # nobody gives the account up
    for i in rows:
        assert ledger.fate[i] != Fate.NOT_PROTECTED
        entry = filed[m.channel.requests[i].request_key]
        assert entry.expires_at is not None
        assert entry.expires_at >= m.at(ledger.dispute_resolved_at[i]) + protection


def test_returning_an_account_to_direct_files_a_direct_engagement(tiny_scenario: dict[str, Any]) -> None:
    weights = {"return_to_direct": 1.0, "uphold": 1e-9}  # against direct sales: upheld
    m = model(tiny_scenario, levels=[{"decide_rate": 1.0, "resolutions": weights}])
    ledger = m.run()
    returned = {
        m.at(ledger.dispute_resolved_at[i])
        for i in resolved(ledger)
        if ledger.dispute[i] == Dispute.RETURN_TO_DIRECT
    }
    # The channel's own engagements cover whole accounts; those a release filed, its product line.
    filed = [e for engaged in m.engaged.values() for e in engaged if e.product_line is not None]
    assert filed and {e.since for e in filed} <= returned
    assert Fate.RELEASED in ledger.fate and all(
        ledger.fate[i] == Fate.NOT_PROTECTED for i in resolved(ledger)
    )
    # Later registrations of a released account find direct sales engaged on it.
    released = [i for i, f in enumerate(ledger.fate) if f == Fate.RELEASED]
    assert all(any(e in m.direct_engagements(i) for e in filed) for i in released)


# --- the KPIs -----------------------------------------------------------------------------------


def test_dispute_kpis_from_first_principles() -> None:
    book = Ledger(partners=2, window=(100.0, 1e9), cost_ratio=0.5)
    rows = [
        # outcome, opened, resolved after (h), by default
        (Dispute.UPHOLD, 1000.0, 10.0, False),
        (Dispute.UPHOLD, 1000.0, 30.0, True),
        (Dispute.AWARD_CLAIMANT, 2000.0, 50.0, False),
        (Dispute.CO_SELL, 3000.0, 70.0, False),
        (Dispute.OPEN, 4000.0, math.nan, False),
        (Dispute.NONE, math.nan, math.nan, False),
    ]
    for outcome, opened, hours, by_default in rows:
        i = book.append_lead(500.0, 0, 1000.0)
        book.first[i], book.final[i] = First.AUTO_REJECTED, Final.REJECTED
        book.dispute[i], book.dispute_opened_at[i] = outcome, opened
        book.dispute_resolved_at[i], book.dispute_by_default[i] = opened + hours * H, by_default
    k = compute(book, levels=3)
    assert k["disputes_opened"] == 5
    assert k["dispute_resolution_p50"] == pytest.approx(40.0)  # 10, 30, 50 and 70 hours
    assert k["dispute_resolution_p95"] == pytest.approx(67.0)
    assert k["dispute_default_rate"] == pytest.approx(1 / 4)  # of the resolved ones
    outcomes = {r: k[f"dispute_outcome.{r.value}"] for r in Resolution}
    assert outcomes == {Resolution.UPHOLD: 2, Resolution.AWARD_CLAIMANT: 1, Resolution.CO_SELL: 1,
                        Resolution.RETURN_TO_DIRECT: 0}  # fmt: skip


def test_shorter_response_times_on_the_dispute_path_resolve_more_by_default_and_sooner(
    tiny_scenario: dict[str, Any], default_rulebook_text: str, variant: Callable[..., str]
) -> None:
    tiny_scenario["disputes"] = {"share": 1.0}
    hasty = [
        level | {"response_sla": "1h"}
        for level in yaml.safe_load(default_rulebook_text)["escalation"]["levels"]
    ]
    proposed = variant("hasty-disputes", (("escalation", "levels"), hasty))
    what_if = from_texts(default_rulebook_text, proposed, dump(tiny_scenario), replications=2, seed=3)
    results = summarise(what_if, run_local(what_if, workers=1))
    kpis = {k["key"]: k for k in results["kpis"]}
    assert len([c for c in results["rule_changes"] if c.startswith("escalation.levels")]) == 3
    assert kpis["disputes_opened"]["baseline"] >= 20
    default = kpis["dispute_default_rate"]
    assert default["proposed"] > default["baseline"] + 0.3
    for key in ("dispute_resolution_p50", "dispute_resolution_p95"):
        assert kpis[key]["proposed"] < kpis[key]["baseline"], key
    assert any(r["kind"] == "dispute" and r["cause"] == "dispute" for r in results["decision_changes"])
    assert "Disputes resolved by default" in render_report(results)


def test_a_lapsed_level_waits_its_whole_response_time(tiny_scenario: dict[str, Any]) -> None:
    # Nobody decides: each dispute waits for the statements, then every level's response time.
    m = model(tiny_scenario, levels=[{"decide_rate": 0.0}])
    ledger = m.run()
    levels = sum((level.response_sla for level in m.rulebook.escalation.levels), timedelta())
    deadline = m.rulebook.escalation.party_response.total_seconds()
    rows = resolved(ledger)
    assert rows
    for i in rows:
        statements = min(24 * H * float(m.channel.statement_e[i].max()), deadline)
        waited = ledger.dispute_resolved_at[i] - ledger.dispute_opened_at[i]
        assert waited == pytest.approx(statements + levels.total_seconds())
        assert ledger.dispute_by_default[i]
