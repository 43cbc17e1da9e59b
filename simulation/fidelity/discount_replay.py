"""Discount exceptions on the sandbox side: each lead's request made at the moment the live run
made it, each discount task answered when its live answer came (measured back from the task's
deadline, as for registrations), and each request's verdict.

Only the times are fed in. The request is decided by ``rules.decide_discount`` (through
``simulation.deals``), its chain walked by ``rules.approval`` with the SLA judged against the fed
moment, and the approver's choice is the channel's draw for the task's slot (the bots drew the
same). The hooks are the discount desk's dice and the approvers' walk: the desk hands the walk
the lead's dice tagged with the lead, and the walk answers that lead's tasks as observed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from rules import DiscountDecision, PathEnd, approved
from rules.approval import ApprovalPath, Position
from simulation.approvers import Approvers, ProcessGen, Task
from simulation.discounts import Decide, Dice, DiscountDesk, Pricing
from simulation.fidelity.compare import DiscountVerdict
from simulation.fidelity.discount_live import REFUSAL_CODE
from simulation.fidelity.dispute_replay import HearingDice, ReplayDisputeDesk

if TYPE_CHECKING:
    from simulation.model import ProgramModel

_REFUSING = frozenset(REFUSAL_CODE.values())


@dataclass
class ObservedDiscounts:
    """What the live run saw of the discount requests, in simulated seconds since the start."""

    asked: dict[int, float] = field(default_factory=dict)  # lead -> when its request was taken
    # lead -> role -> per task of that role, in the order of the path's steps: how long before
    # its deadline the workflow took the answer (None: nobody answered; negative: too late).
    before_deadline: dict[int, dict[str, list[float | None]]] = field(default_factory=dict)


class _LeadDice(np.ndarray):
    """A lead's handling-time draws, tagged with the lead (the walk's key to its observations)."""

    lead: int


def _tagged(values: np.ndarray, lead: int) -> np.ndarray:
    tagged = values.view(_LeadDice)
    tagged.lead = lead
    return tagged


class ReplayDiscountDesk(DiscountDesk):
    """The discount desk asking at the live moments, keeping each request's first decision."""

    def __init__(self, model: ProgramModel, decide: Decide, observed: ObservedDiscounts) -> None:
        self.decisions: dict[int, DiscountDecision] = {}

        def kept(row: int, requested: float) -> DiscountDecision:
            decision = decide(row, requested)
            self.decisions.setdefault(row, decision)
            return decision

        super().__init__(model, kept)
        self.observed = observed

    def request(self, row: int, end: float, finish: Callable[[Pricing], None]) -> None:
        """At the moment the live partner asked (at once if that has passed; at the sandbox's own
        quote when the live partner never asked, so the comparison shows it)."""
        env = self.model.env
        at = self.observed.asked.get(row)
        if at is None or at <= env.now:
            super().request(row, end, finish)
            return
        env.timeout(at - env.now).callbacks.append(
            lambda _e: super(ReplayDiscountDesk, self).request(row, end, finish)
        )

    def _first_dice(self, row: int) -> Dice:
        z, u, slots = super()._first_dice(row)
        return _tagged(z, row), u, slots

    def _revision_dice(self, row: int) -> Dice:
        z, u, slots = super()._revision_dice(row)
        return _tagged(z, row), u, slots


class ReplayApprovers(Approvers):
    """Approvers whose discount tasks (and, with ``hearings``, dispute levels' tasks) are answered
    when the live bots' answers were taken."""

    def __init__(self, model: ProgramModel, observed: ObservedDiscounts) -> None:
        super().__init__(model.env, model.scenario, model.ledger)
        self.observed = observed
        self.ended: dict[int, Position] = {}  # lead -> where its discount's last walk ended
        self.hearings: ReplayDisputeDesk | None = None  # answers the disputes' levels when set

    def walk(
        self,
        path: ApprovalPath,
        z: np.ndarray,
        u: np.ndarray,
        slots: Iterator[int],
        carried: frozenset[str] = frozenset(),
        approved_by: list[str] | None = None,
        stop: Any = None,
        task: Task | None = None,
        first_step: int = 0,
    ) -> ProcessGen:
        if isinstance(z, HearingDice) and self.hearings is not None:  # a dispute's levels
            ended = yield from super().walk(
                path,
                z,
                u,
                slots,
                carried,
                approved_by,
                stop,
                self.hearings.fed(z.lead, first_step),
                first_step,
            )
            self.hearings.ended[z.lead] = ended
            return ended
        if task is not None or not isinstance(z, _LeadDice):  # a registration's route
            return (yield from super().walk(path, z, u, slots, carried, approved_by, stop, task, first_step))
        lead = z.lead
        ended = yield from super().walk(
            path, z, u, slots, carried, approved_by, stop, self._answers(lead), first_step
        )
        self.ended[lead] = ended
        return ended

    def _answers(self, lead: int) -> Task:
        answers = {role: iter(v) for role, v in self.observed.before_deadline.get(lead, {}).items()}
        env, rate = self.env, self.approve_rate

        def task(role: str, sla: float, _z: float, u: float) -> ProcessGen:
            before = next(answers[role], None) if role in answers else None
            if before is None or before < 0:
                yield env.timeout(sla)
                return None
            yield env.timeout(max(0.0, sla - before))
            return u < rate[role]

        return task


def sandbox_verdicts(desk: ReplayDiscountDesk, approvers: ReplayApprovers) -> dict[int, DiscountVerdict]:
    """Each request's verdict: the rules' first decision, and where its walk ended."""
    verdicts = {}
    for lead, decision in desk.decisions.items():
        codes = tuple(r.code for r in decision.reasons)
        if decision.refused:
            verdicts[lead] = DiscountVerdict(
                "refused", tuple(sorted(c for c in codes if c in _REFUSING)), "rule", None
            )
        elif decision.path is None:
            verdicts[lead] = DiscountVerdict("approved", codes, "rule", None)
        elif lead not in approvers.ended:
            verdicts[lead] = DiscountVerdict("pending", codes, "", None)
        else:
            ended = approvers.ended[lead]
            outcome = "approved" if approved(decision.path, ended) else "rejected"
            by = "default" if ended.end is PathEnd.LAPSED else "person"
            verdicts[lead] = DiscountVerdict(outcome, codes, by, ended.step)
    return verdicts
