"""Disputes on the sandbox side: each dispute opened when the live one was, heard when the live
one was (both statements in, or the parties' deadline), and each level's task answered when its
live answer was taken, measured back from the task's deadline (as for registrations and
discounts); and each dispute's verdict.

Only the times are fed in. Whether the partner contests, against whom, and which holder are
``simulation.disputes``' (the rules core's ``contest_refusal``, ``respondent_of``,
``holder_registration``); the level walk is ``rules.approval``'s, a level decides with the lead's
draw against its decide rate, picks the resolution the scenario's weights give the lead's
uniform, and ``rules.dispute.effects`` moves the registrations. The hooks are the dispute desk's
statements and hearing dice (tagged with the lead), and the approvers' walk.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import TYPE_CHECKING, Any

import numpy as np

from rules import RegistrationDecision, RegistrationRequest
from rules.approval import Position
from rules.dispute import BY_DEFAULT, RESOLUTION_CODES, Contest, Resolution, contested_codes
from rules.reasons import ReasonCode, judgement_code
from simulation.approvers import ProcessGen, Task
from simulation.disputes import DisputeDesk
from simulation.fidelity.compare import DisputeVerdict
from simulation.ledger import DecidedBy, Dispute

if TYPE_CHECKING:
    from simulation.model import ProgramModel

AWARD_REFUSED = "dispute.award_refused"


@dataclass
class ObservedDisputes:
    """What the live run saw of the disputes, in simulated seconds since the start."""

    opened: dict[int, float] = field(default_factory=dict)  # lead -> when its dispute opened
    heard: dict[int, float] = field(default_factory=dict)  # lead -> when the first level got it
    # lead -> per level task in the order opened: how long before its deadline the workflow took
    # the answer (None: nobody answered; negative: too late).
    before_deadline: dict[int, list[float | None]] = field(default_factory=dict)


class HearingDice(np.ndarray):
    """A lead's hearing handling-time draws, tagged with the lead (the walk's key to its answers)."""

    lead: int


class ReplayDisputeDesk(DisputeDesk):
    """The dispute desk opening and hearing each case at the live moments, answering its levels'
    tasks when the live bots' answers were taken, and keeping what each verdict needs."""

    def __init__(self, model: ProgramModel, observed: ObservedDisputes) -> None:
        super().__init__(model)
        self.observed = observed
        self.codes: dict[int, tuple[str, ...]] = {}  # lead -> the refusal's codes as contested
        self.holders: dict[int, int | None] = {}
        self.walks: dict[int, int] = {}  # lead -> hearings (a refused award is heard again)
        self.ended: dict[int, Position] = {}  # lead -> where its last walk ended
        self._answers: dict[int, Iterator[float | None]] = {}

    def refused(
        self, row: int, request: RegistrationRequest, decision: RegistrationDecision, by: DecidedBy
    ) -> None:
        codes = decision.codes
        if by == DecidedBy.PERSON and ReasonCode.FUZZY_MATCH.value in codes:
            codes = (*codes, judgement_code(same_account=True))  # as DisputeDesk.refused reads them
        self.codes[row] = codes
        super().refused(row, request, decision, by)

    def _case(
        self, row: int, request: RegistrationRequest, holder: int | None, contest: Contest
    ) -> ProcessGen:
        env = self.model.env
        at = self.observed.opened.get(row)
        if at is not None and at > env.now:
            yield env.timeout(at - env.now)
        self.holders[row] = holder
        return (yield from super()._case(row, request, holder, contest))

    def _statements_in(self, row: int) -> float:
        heard = self.observed.heard.get(row)
        if heard is None:
            return super()._statements_in(row)
        return max(0.0, heard - self.model.env.now)

    def _hearing_dice(self, row: int) -> tuple[Any, Any]:
        z, u = super()._hearing_dice(row)
        tagged = np.asarray(z).view(HearingDice)
        tagged.lead = row
        return tagged, u

    def fed(self, lead: int, first_level: int) -> Task:
        """Each level's task from ``first_level``: it lapses unless the level decides (the lead's
        draw) and the live answer was taken in time, then it decides when that answer came."""
        env, levels = self.model.env, self.scenario
        answers = self._answers.setdefault(lead, iter(self.observed.before_deadline.get(lead, [])))
        level = count(first_level)
        self.walks[lead] = self.walks.get(lead, 0) + 1

        def task(role: str, sla: float, _z: float, u: float) -> ProcessGen:
            before = next(answers, None)
            if not levels.decides(next(level), u) or before is None or before < 0:
                yield env.timeout(sla)
                return None
            yield env.timeout(max(0.0, sla - before))
            return True

        return task


def sandbox_verdicts(model: ProgramModel, desk: ReplayDisputeDesk) -> dict[int, DisputeVerdict]:
    """Each dispute's verdict: its resolution, the level its last walk ended at, who decided, and
    how the two registrations stand after it."""
    ledger = model.ledger
    verdicts = {}
    for row, holder in desk.holders.items():
        state = Dispute(ledger.dispute[row])
        codes = list(dict.fromkeys(contested_codes(desk.codes[row])))
        codes += [AWARD_REFUSED] if desk.walks.get(row, 0) > 1 else []
        outcome, by = "pending", ""
        if state not in (Dispute.OPEN, Dispute.NONE):
            resolution = Resolution(state.name.lower())
            outcome = resolution.value
            by = "default" if ledger.dispute_by_default[row] else "person"
            codes += [RESOLUTION_CODES[resolution], *([BY_DEFAULT] if by == "default" else [])]
        ended = desk.ended.get(row)
        claimant = DisputeDesk._standing(ledger, row)
        since, expires = model.deals.since[row], model.deals.expires[row]
        protected = claimant.value == "approved" and not math.isnan(since)
        verdicts[row] = DisputeVerdict(
            outcome=outcome,
            codes=tuple(codes),
            level=None if ended is None else ended.step,
            decided_by=by,
            holder="-" if holder is None else DisputeDesk._standing(ledger, holder).value,
            claimant=claimant.value,
            protection=round(expires - since) if protected else None,
        )
    return verdicts
