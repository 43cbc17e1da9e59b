"""Disputes: a partner contests the conflict decision that refused its registration.

Every rule is the rulebook core's. At the refusal, a share of partners (``disputes.share``)
contest it, when ``rules.dispute.contest_refusal`` (the API's own check: a conflict decision,
within ``appeal_closes_at``) lets them, against the side ``respondent_of`` names. Both parties
give a statement; the first level of ``rules.escalation.dispute_path`` hears the case once both
are in or at ``party_deadline``, whichever is first. The path is walked like every other, by
``Approvers.walk`` with ``rules.approval``: a level's task is an approver task of its role (its
queue, calendar and handling time), and any answer within the response SLA decides the case
with one of ``resolutions(contest)``, unless the level lets the time pass (``decide_rate``); a
passed SLA sends the case up, and past the last level ``default_resolution`` stands. What the
outcome moves is ``effects``:

- a released holder reads as withdrawn to later registrations (as the live store reads a
  released registration) and its deal ends unsold;
- an approved claimant is protected from the resolution (``rules.protection_window``) and its
  deal runs as any approved registration's;
- co-sold, the claimant holds the account beside the holder for the protection period, while the
  deal stays on the holder's row: one deal, two partners;
- returned to direct, the account is a direct-sales engagement for later registrations;
- won over direct sales, the engagement the refusal cited ends for later registrations.

Not modelled: direct sales contesting a partner's registration (the sandbox has no direct-sales
actor); releasing a holder still before its approvers or whose deal already ended; the co-sell
split (``escalation.co_sell_split``), which moves no figure because the ledger books revenue to
the program, not to partners; an award the live engine cannot make; withdrawn disputes. The
claimant's registration decision stays the refusal in the ledger; the award is the dispute's.
"""

from __future__ import annotations

from itertools import count
from typing import TYPE_CHECKING

from rules import (
    DirectEngagement,
    PathEnd,
    RegistrationDecision,
    RegistrationRequest,
    RegistrationStanding,
    protection_window,
)
from rules.dispute import (
    Contest,
    Effects,
    Resolution,
    Side,
    contest_refusal,
    default_resolution,
    effects,
    party_deadline,
    resolutions,
    respondent_of,
)
from rules.escalation import dispute_path
from rules.reasons import ReasonCode
from simulation.approvers import slot_sequence
from simulation.channel import DISPUTE_SLOTS, lead_row
from simulation.ledger import DecidedBy, Dispute, Fate

if TYPE_CHECKING:
    from simulation.approvers import ProcessGen, Task
    from simulation.model import ProgramModel

_FIRST = ReasonCode.FIRST_TO_REGISTER.value
_FUZZY = ReasonCode.FUZZY_MATCH.value
_JUDGED_SAME = ReasonCode.JUDGED_SAME_ACCOUNT.value
_DIRECT = ReasonCode.DIRECT_ENGAGED.value

Choices = tuple[tuple[Resolution, ...], tuple[float, ...]]  # resolutions, cumulative chances


class DisputeDesk:
    """Runs every dispute of one :class:`~simulation.model.ProgramModel`."""

    def __init__(self, model: ProgramModel) -> None:
        self.model = model
        self.scenario = model.scenario.disputes
        self.share = self.scenario.share
        self.path = dispute_path(model.rulebook)
        self._choices: dict[tuple[int, Contest], Choices] = {}

    def refused(
        self, row: int, request: RegistrationRequest, decision: RegistrationDecision, by: DecidedBy
    ) -> None:
        """Lead ``row``'s registration was refused now; its partner may dispute the refusal."""
        m = self.model
        if m.channel.dispute_u[row] >= self.share:
            return  # most refusals: settled before anything is built
        codes = decision.codes
        if by == DecidedBy.PERSON and _FUZZY in codes:
            # A person's refusal of a possible duplicate judges it the holder's account, which
            # the live registration records as a reason of its own (workflows/registration).
            codes = (*codes, _JUDGED_SAME)
        now = m.at(m.env.now)
        if contest_refusal(m.rulebook, reason_codes=codes, decided_at=now, now=now) is not None:
            return
        contest = Contest(Side.PARTNER, respondent_of(codes))
        m.env.process(self._case(row, request, decision, contest))

    def _case(
        self, row: int, request: RegistrationRequest, decision: RegistrationDecision, contest: Contest
    ) -> ProcessGen:
        m = self.model
        env, ch, ledger = m.env, m.channel, m.ledger
        opened = env.now
        ledger.dispute[row] = Dispute.OPEN
        ledger.dispute_opened_at[row] = opened
        due = m.seconds(party_deadline(m.rulebook, m.at(opened))) - opened
        both_in = self.scenario.statement_mean * float(ch.statement_e[row].max())
        yield env.timeout(min(both_in, due))
        slots = slot_sequence(0, DISPUTE_SLOTS - 1)
        ended = yield from m.approvers.walk(
            self.path, ch.hearing_z[row], ch.hearing_u[row], slots, task=self._hearing()
        )
        by_default = ended.end is PathEnd.LAPSED
        if by_default:
            resolution = default_resolution(m.rulebook, contest)
        else:
            assert ended.end is PathEnd.APPROVED  # a hearing never rejects
            resolution = self._chosen(ended.step, contest, ch.resolution_u[row])
        ledger.dispute[row] = Dispute[resolution.name]
        ledger.dispute_resolved_at[row] = env.now
        ledger.dispute_by_default[row] = by_default
        self._apply(effects(resolution, contest), row, request, decision, contest)

    def _hearing(self) -> Task:
        """Each level's task in turn: its people let the response time pass, or work the case
        as any approver task (queue, calendar, handling time), deciding it if done in time."""
        m = self.model
        env, approvers, levels = m.env, m.approvers, self.scenario
        level = count()

        def hearing(role: str, sla: float, z: float, u: float) -> ProcessGen:
            if u >= levels.level(next(level)).decide_rate:
                yield env.timeout(sla)
                return None
            answer = yield from approvers.task(role, sla, z, u)
            return None if answer is None else True  # an answer in time decides: a case has no "reject"

        return hearing

    def _chosen(self, level: int, contest: Contest, u: float) -> Resolution:
        """The resolution a deciding level picks: its weights over what the contest can take."""
        key = (min(level, len(self.scenario.levels) - 1), contest)
        if key not in self._choices:
            weights = self.scenario.level(level).resolutions
            options = tuple(r for r in resolutions(contest) if weights.weight(r) > 0)
            total = sum(weights.weight(r) for r in options)
            running, acc = [], 0.0
            for r in options:
                acc += weights.weight(r) / total
                running.append(acc)
            self._choices[key] = options, tuple(running)
        options, cumulative = self._choices[key]
        for resolution, upto in zip(options, cumulative, strict=True):
            if u < upto:
                return resolution
        return options[-1]  # u within rounding of 1

    def _apply(
        self,
        fx: Effects,
        row: int,
        request: RegistrationRequest,
        decision: RegistrationDecision,
        contest: Contest,
    ) -> None:
        m = self.model
        holder = _holder(decision) if contest.respondent is Side.PARTNER else None
        if fx.release_holder and holder is not None:
            self._release(holder)
        if fx.approve_claimant:
            if fx.co_sell and holder is not None:
                window = protection_window(m.rulebook, m.at(m.env.now))
                m.hold(request, RegistrationStanding.APPROVED, window.expires_at)
            else:
                m.deals.protect(row, request)
        if fx.record_direct:
            since = m.at(m.env.now)
            m.engage_direct(
                DirectEngagement(request.account_name, request.account_domain, request.product_line, since)
            )
        if fx.end_direct:
            for engagement in self._cited_engagements(row, decision):
                m.end_direct(engagement)

    def _release(self, holder: int) -> None:
        """End the holder's registration, if it still stands approved (its deal open, or co-sold)."""
        m = self.model
        ledger = m.ledger
        if ledger.fate[holder] != Fate.OPEN and ledger.dispute[holder] != Dispute.CO_SELL:
            return
        ledger.fate[holder] = Fate.RELEASED
        m.hold(m.channel.requests[holder], RegistrationStanding.WITHDRAWN)

    def _cited_engagements(self, row: int, decision: RegistrationDecision) -> list[DirectEngagement]:
        """The direct-sales engagements the refusal cited, as they are on file now."""
        cited = {(r.facts["account"], r.facts["since"]) for r in decision.reasons if r.code == _DIRECT}
        return [
            e for e in self.model.direct_engagements(row) if (e.account_name, e.since.isoformat()) in cited
        ]


def _holder(decision: RegistrationDecision) -> int | None:
    """The lead whose registration the refusal stood on: the first holder the rules cited as
    registered first, else the first flagged as possibly the same account."""
    for code in (_FIRST, _FUZZY):
        for match in decision.matches:
            if match.reason_code == code:
                return lead_row(match.registration_id)
    return None
