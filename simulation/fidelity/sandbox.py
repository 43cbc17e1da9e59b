"""The sandbox side: the same channel run in ``simulation.model`` at the moments the live run
observed (each submission, and how long each approval task stayed open and how it ended).

Only the times are fed in. Every decision is the sandbox's own: the rules core decides each
registration on the facts the model keeps, ``rules.approval`` walks each route, the SLA is judged
against the fed delay, and the approver's choice is the channel's draw (the bots drew the same).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass, field

from rules import Rulebook
from simulation.approvers import ProcessGen, Task
from simulation.channel import Channel
from simulation.fidelity.compare import DiscountVerdict, DisputeVerdict, Verdict
from simulation.fidelity.discount_replay import (
    ObservedDiscounts,
    ReplayApprovers,
    ReplayDiscountDesk,
    sandbox_verdicts,
)
from simulation.fidelity.dispute_replay import ObservedDisputes, ReplayDisputeDesk
from simulation.fidelity.dispute_replay import sandbox_verdicts as dispute_verdicts
from simulation.ledger import DecidedBy, Final, First
from simulation.model import ProgramModel
from simulation.scenario import Scenario

_FINAL = {Final.APPROVED: "approved", Final.REJECTED: "rejected", Final.PENDING: "pending"}
_BY = {DecidedBy.RULE: "rule", DecidedBy.PERSON: "person", DecidedBy.DEFAULT: "default", DecidedBy.NOBODY: ""}


@dataclass
class Observed:
    """What the live run saw of one lead, in simulated seconds since the channel's start."""

    submitted: float
    # Per approval level reached, in order: seconds the task was open before its approver
    # answered, or None when nobody answered within the SLA.
    answered_after: list[float | None] = field(default_factory=list)


class ReplayModel(ProgramModel):
    """The program model with approvers who answer when the live bots did, and partners who
    ask for their discount exceptions, and contest their refusals, when the live partners did."""

    def __init__(
        self,
        rulebook: Rulebook,
        scenario: Scenario,
        channel: Channel,
        observed: dict[int, Observed],
        discounts: ObservedDiscounts | None = None,
        disputes: ObservedDisputes | None = None,
    ) -> None:
        super().__init__(rulebook, scenario, channel)
        self.observed = observed
        discounts = discounts or ObservedDiscounts()
        self.approvers = self.replay_approvers = ReplayApprovers(self, discounts)
        self.deals.discounts = self.discount_desk = ReplayDiscountDesk(
            self, self.deals.discount_decision, discounts
        )
        self.disputes = self.dispute_desk = ReplayDisputeDesk(self, disputes or ObservedDisputes())
        self.replay_approvers.hearings = self.dispute_desk

    def task_for(self, row: int) -> Task:
        delays = iter(self.observed[row].answered_after if row in self.observed else [])
        rate = {name: role.approve_rate for name, role in self.scenario.approvers.items()}
        env = self.env

        def task(role: str, sla: float, _z: float, u: float) -> ProcessGen:
            after = next(delays, None)
            if after is None or after > sla:
                yield env.timeout(sla)
                return None
            yield env.timeout(after)
            return u < rate[role]

        return task


def replay(
    rulebook: Rulebook,
    scenario: Scenario,
    channel: Channel,
    observed: dict[int, Observed],
    horizon: float,
    discounts: ObservedDiscounts | None = None,
    disputes: ObservedDisputes | None = None,
) -> tuple[dict[int, Verdict], dict[int, DiscountVerdict], dict[int, DisputeVerdict]]:
    """Run the leads of ``observed`` (lead row -> what the live run saw) through the sandbox,
    submitted when the live run submitted them, their discount exceptions asked and answered
    and their disputes opened, heard and answered when the live run's were; each lead's verdict,
    each discount request's and each dispute's, up to ``horizon``."""
    rows = sorted(observed)
    if rows != list(range(len(rows))):
        raise ValueError("observed leads must be the channel's first leads, every one")
    arrival = [observed[r].submitted for r in rows]
    if any(b < a for a, b in itertools.pairwise(arrival)):
        raise ValueError("the live run submitted the leads out of order")
    channel = first_leads(channel, len(rows), arrival)
    scenario = scenario.model_copy(update={"horizon": horizon})
    model = ReplayModel(rulebook, scenario, channel, observed, discounts, disputes)
    ledger = model.run()
    path_length = len(rulebook.registration.approval_route)
    verdicts = {}
    for row in rows:
        reviewed = ledger.first[row] == First.NEEDS_APPROVAL
        since, expires = model.deals.since[row], model.deals.expires[row]
        outcome = _FINAL[Final(ledger.final[row])]
        verdicts[row] = Verdict(
            outcome=outcome,
            codes=tuple(ledger.codes[row]),
            decided_by=_BY[DecidedBy(ledger.decided_by[row])],
            level=min(int(ledger.breaches[row]), path_length - 1) if reviewed else None,
            # The registration's own approval: a dispute's award is the dispute's verdict.
            protection=None if outcome != "approved" or math.isnan(since) else round(expires - since),
        )
    discounts_decided = sandbox_verdicts(model.discount_desk, model.replay_approvers)
    return verdicts, discounts_decided, dispute_verdicts(model, model.dispute_desk)


def first_leads(channel: Channel, leads: int, arrival: list[float]) -> Channel:
    """The channel's first ``leads`` leads, arriving at ``arrival``."""
    cut = {
        f.name: getattr(channel, f.name)[:leads]
        for f in dataclasses.fields(channel)
        if f.name not in ("partners", "accounts", "start", "exits")
    }
    cut["arrival"] = list(arrival)
    # A new channel: its requests are dated by these arrivals (``Channel.requests``).
    return dataclasses.replace(channel, **cut)
