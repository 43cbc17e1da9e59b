"""A discount exception's life in the sandbox: revisions, quote expiry and renewal.

One lead of the tiny channel asks, its draws set by hand (every task takes its role's median,
one hour, and approves), so each figure follows from the default rulebook and the approvers'
calendars (09:00-17:00 UTC on weekdays; the scenario starts on a Monday at midnight).
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import pytest
import simpy

from rules import parse_rulebook, standard_discount
from simulation.channel import generate_channel
from simulation.discounts import Pricing
from simulation.ledger import DiscountFate, Ledger, Revision
from simulation.model import ProgramModel
from simulation.scenario import parse_scenario
from tests.simulation.conftest import DEFAULT_RULEBOOK

HOUR = 3600.0
DAY = 24 * HOUR
ROW = 0


@dataclass
class Life:
    model: ProgramModel
    pricing: list[Pricing]
    tasks: list[tuple[float, str]]  # (when, role) of every approver task opened
    standard: float

    @property
    def ledger(self) -> Ledger:
        return self.model.ledger

    def asked_after(self, t: float) -> list[str]:
        return [role for at, role in self.tasks if at >= t]


def life(
    monkeypatch: pytest.MonkeyPatch,
    tiny_scenario: dict[str, Any],
    *,
    discount: float,
    end: float,
    revise_after: float | None = None,
    revised: float | None = None,
    renews: bool = False,
) -> Life:
    """Lead ``ROW`` asks for ``discount`` at simulated second 0; its deal ends at ``end``."""
    scenario = parse_scenario(tiny_scenario)
    rulebook = parse_rulebook(DEFAULT_RULEBOOK.read_text(encoding="utf-8"))
    channel = generate_channel(scenario, 3, 0)
    channel.value[ROW] = 40_000.0  # no volume band, no deal-size bump
    channel.discount[ROW] = discount
    channel.justify_u[ROW] = 0.0  # justified
    channel.revise_u[ROW] = 0.0 if revise_after is not None else 1.0
    channel.revise_after[ROW] = revise_after or 0.0
    channel.revised_discount[ROW] = discount if revised is None else revised
    channel.renew_u[ROW] = 0.0 if renews else 1.0
    for grid in (channel.handling_z, channel.approve_u, channel.revision_z, channel.revision_u):
        grid[ROW] = 0.0
    model = ProgramModel(rulebook, scenario, channel)
    tasks: list[tuple[float, str]] = []
    task = model.approvers.task

    def counted(role: str, sla: float, z: float, u: float) -> Generator[simpy.Event, Any, Any]:
        tasks.append((model.env.now, role))
        return task(role, sla, z, u)

    monkeypatch.setattr(model.approvers, "task", counted)
    pricing: list[Pricing] = []
    model.deals.discounts.request(ROW, end, pricing.append)
    model.env.run(until=end + 30 * DAY)
    tier = model.partner_facts[channel.partner[ROW]].tier
    return Life(model, pricing, tasks, standard_discount(rulebook, tier, 40_000.0))


def test_a_revision_that_lowers_an_approved_discount_needs_nobody(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # 25% needs deal desk and finance (approved at 10:00 on day one); 15% needs deal desk alone,
    # who approved more than that in a higher band.
    run = life(monkeypatch, tiny_scenario, discount=0.25, end=20 * DAY, revise_after=10 * DAY, revised=0.15)
    assert [role for _, role in run.tasks] == ["deal_desk", "finance"]
    assert run.ledger.revision[ROW] == Revision.COVERED
    assert run.pricing == [(pytest.approx(run.standard + 0.15), True)]
    assert run.ledger.discount_fate[ROW] == DiscountFate.APPROVED
    assert run.ledger.discount_decided_at[ROW] == 10 * HOUR  # the request's own decision


def test_a_covered_revision_keeps_the_quotes_date(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # Approved at 10:00 on day one, quotable for 30 days from then, not from the revision.
    run = life(monkeypatch, tiny_scenario, discount=0.25, end=35 * DAY, revise_after=10 * DAY, revised=0.15)
    assert run.ledger.revision[ROW] == Revision.COVERED
    assert run.ledger.quote_expiries[ROW] == 1
    assert run.pricing == [(pytest.approx(run.standard), False)]


@pytest.mark.parametrize(
    ("revised", "asked_again"),
    [(0.40, ["vp_channel"]), (0.48, ["deal_desk", "finance", "vp_channel"])],
)
def test_a_revision_while_pending_asks_only_those_whose_approval_it_goes_beyond(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any], revised: float, asked_again: list[str]
) -> None:
    # 45%: deal desk and finance approve at 10:00, the VP is at work on it when the partner
    # revises at 10:30. At 40% their approvals (of 45%, same band) stand; at 48% none does.
    run = life(monkeypatch, tiny_scenario, discount=0.45, end=20 * DAY, revise_after=10.5 * HOUR,
               revised=revised)  # fmt: skip
    assert [role for _, role in run.tasks][:3] == ["deal_desk", "finance", "vp_channel"]
    assert run.asked_after(10.5 * HOUR) == asked_again
    assert run.ledger.revision[ROW] == Revision.ASKED_AGAIN
    assert run.pricing == [(pytest.approx(run.standard + revised), True)]
    assert run.ledger.discount_decided_at[ROW] > 10.5 * HOUR


def test_a_revision_the_rules_would_refuse_leaves_the_request_as_it_was(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    run = life(monkeypatch, tiny_scenario, discount=0.25, end=20 * DAY, revise_after=DAY, revised=0.55)
    assert run.ledger.revision[ROW] == Revision.REFUSED
    assert len(run.tasks) == 2
    assert run.pricing == [(pytest.approx(run.standard + 0.25), True)]


def test_a_lapsed_quote_without_renewal_closes_at_standard_pricing(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    run = life(monkeypatch, tiny_scenario, discount=0.05, end=45 * DAY)  # automatic, valid 30 days
    assert run.tasks == []
    assert (run.ledger.quote_expiries[ROW], run.ledger.renewals[ROW]) == (1, 0)
    assert run.ledger.discount_fate[ROW] == DiscountFate.EXPIRED
    assert run.pricing == [(pytest.approx(run.standard), False)]


def test_a_quote_still_valid_at_the_close_does_not_lapse(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    run = life(monkeypatch, tiny_scenario, discount=0.05, end=30 * DAY)  # closes on its last day
    assert run.ledger.quote_expiries[ROW] == 0
    assert run.pricing == [(pytest.approx(run.standard + 0.05), True)]


def test_a_renewal_asks_again_from_scratch_at_the_validity_date(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # 15% needs deal desk: approved at 10:00 on day one, lapsing 30 days later, when the partner
    # renews and deal desk is asked again (its earlier approval does not carry).
    run = life(monkeypatch, tiny_scenario, discount=0.15, end=45 * DAY, renews=True)
    assert run.tasks == [(0.0, "deal_desk"), (30 * DAY + 10 * HOUR, "deal_desk")]
    assert (run.ledger.quote_expiries[ROW], run.ledger.renewals[ROW]) == (1, 1)
    assert run.ledger.discount_fate[ROW] == DiscountFate.APPROVED
    assert run.pricing == [(pytest.approx(run.standard + 0.15), True)]


def test_a_renewal_carries_nothing_from_before_the_lapse(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # The revision to 15% was covered by deal desk's and finance's approvals of 25%; the renewal
    # of the lapsed quote still asks deal desk, whom 15% needs.
    run = life(monkeypatch, tiny_scenario, discount=0.25, end=45 * DAY, revise_after=10 * DAY,
               revised=0.15, renews=True)  # fmt: skip
    assert run.ledger.revision[ROW] == Revision.COVERED
    assert run.tasks == [(0.0, "deal_desk"), (0.0, "finance"), (30 * DAY + 10 * HOUR, "deal_desk")]


def test_a_revision_during_a_renewal_stands_only_on_the_renewals_approvals(
    monkeypatch: pytest.MonkeyPatch, tiny_scenario: dict[str, Any]
) -> None:
    # Deal desk approved 25% before the lapse; the renewal's tasks (10:00-11:00 on day 31) are
    # still open when the partner revises to 20%, so deal desk is asked once more.
    renewal = 30 * DAY + 10 * HOUR
    run = life(monkeypatch, tiny_scenario, discount=0.25, end=45 * DAY, revise_after=renewal + 0.5 * HOUR,
               revised=0.20, renews=True)  # fmt: skip
    assert run.asked_after(renewal) == ["deal_desk", "finance", "deal_desk"]
    assert run.ledger.revision[ROW] == Revision.ASKED_AGAIN
    assert run.pricing == [(pytest.approx(run.standard + 0.20), True)]
