"""The SimPy model of a partner program running under one rulebook.

Partners register leads; ``rules.decide_registration`` settles each one or names the approval
route; approvers are per-role resources working their calendars; the route is an approval path
walked by ``rules.approval`` (``simulation.approvers``): a level that misses its SLA escalates
to the next, and the rulebook's default action ends the path. Approved
registrations are protected (``rules.protection_window``), extended on request
(``rules.decide_extension``), and end won, lost or expired; discount exceptions walk the chain
from ``rules.decide_discount``; a refusal on a conflict may be disputed (``simulation.disputes``,
``rules.dispute``); partners leave the program and their registrations are disposed of by the
exit policy (``simulation.exits``, ``rules.exit``). Every rule is the rulebook core's; this
module only keeps time.

Simulated time is seconds since ``scenario.start``. The hot path avoids per-event logging and
builds a datetime only where a decision function needs ``now``.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from itertools import chain

import simpy

from rules import (
    DirectEngagement,
    Outcome,
    PartnerFacts,
    PartnerStatus,
    PathEnd,
    Reason,
    RegistrationDecision,
    RegistrationFacts,
    RegistrationRequest,
    RegistrationStanding,
    Rulebook,
    approved,
    decide_registration,
)
from rules.facts import registered
from rules.known_accounts import AccountNeighbours, KnownAccountsIndex
from simulation.approvers import Approvers, ProcessGen, Task, slot_sequence
from simulation.channel import REGISTRATION_SLOTS, Channel
from simulation.deals import DealDesk
from simulation.disputes import DisputeDesk
from simulation.exits import ExitDesk
from simulation.ledger import DecidedBy, Final, First, Ledger
from simulation.scenario import Scenario


class ProgramModel:
    """One run: a rulebook, a scenario and a pre-drawn channel; :meth:`run` fills a ledger."""

    def __init__(
        self,
        rulebook: Rulebook,
        scenario: Scenario,
        channel: Channel,
        accounts: AccountNeighbours | None = None,
        answer_margin: float = 0.0,
    ) -> None:
        self.rulebook = rulebook
        self.scenario = scenario
        self.channel = channel
        self.epoch: datetime = channel.start  # the leads' requests are dated from it too
        self.env = simpy.Environment()
        self.ledger = Ledger(
            partners=len(channel.partners),
            window=(scenario.warm_up, scenario.horizon),
            cost_ratio=scenario.deals.cost_ratio,
        )
        self.ledger.allocate(channel.arrival, channel.partner, channel.value)
        self.approvers = Approvers(self.env, scenario, self.ledger, answer_margin)
        accounts = accounts or account_neighbours(channel, rulebook)
        review = rulebook.registration.conflict.name_review_threshold
        if accounts.floor > review:
            # The table would hide similar accounts this rulebook sends to review.
            raise ValueError(
                f"the account table's floor {accounts.floor} is above rulebook {rulebook.version!r}'s "
                f"registration.conflict.name_review_threshold {review}: build it for this rulebook too"
            )
        self.index = KnownAccountsIndex(accounts)
        self.partner_facts = [
            PartnerFacts(
                partner_id=p.key,
                status=PartnerStatus.ACTIVE if p.active else PartnerStatus.SUSPENDED,
                tier=p.tier,
                territories=p.territories,
                verticals=p.verticals,
                certifications=_certifications(rulebook, p.certifications),
            )
            for p in channel.partners
        ]
        # Direct sales' engagements, found as the live engine finds them: through the accounts
        # sharing a blocking key with the lead's account as written (the table's neighbours), not
        # through which account the lead really is; the rules core then judges each. Gathered
        # up front; a lead near an account whose engagements a dispute changed gathers its own.
        self.accounts = accounts
        self.engaged: dict[int, list[DirectEngagement]] = {}
        for a in channel.accounts:
            if math.isfinite(a.direct_from):
                engagement = DirectEngagement(a.stem, a.domain, None, self.at(a.direct_from))
                self.engaged.setdefault(accounts.id_of(a.stem, a.domain), []).append(engagement)
        self._account_id = [
            accounts.id_of(name, domain)
            for name, domain in zip(channel.company_name, channel.domain, strict=True)
        ]
        engaged, neighbours = self.engaged, accounts.neighbours
        self.direct = [tuple(e for n in neighbours[a] for e in engaged.get(n, ())) for a in self._account_id]
        self._moved: set[int] = set()  # accounts whose engagements a dispute added or ended
        self.deals = DealDesk(self)
        self.disputes = DisputeDesk(self)
        self.exits = ExitDesk(self)
        self._next_lead = 0

    @property
    def account_ids(self) -> list[int]:
        """Each lead's account as written, as the account table numbers it."""
        return self._account_id

    def at(self, t: float) -> datetime:
        return self.epoch + timedelta(seconds=t)

    def seconds(self, moment: datetime) -> float:
        return (moment - self.epoch).total_seconds()

    def run(self) -> Ledger:
        if self.channel.arrival:
            self.env.timeout(self.channel.arrival[0]).callbacks.append(self._arrive)
        self.env.run(until=self.scenario.horizon)
        return self.ledger

    def _arrive(self, _event: simpy.Event) -> None:
        """Register every lead due now, then wake up at the next arrival.

        A chain of timeout callbacks rather than a process: one event per arrival and no
        generator to resume, in the same order a process would give.
        """
        env, arrival = self.env, self.channel.arrival
        i = self._next_lead
        while i < len(arrival) and arrival[i] <= env.now:
            self._register(i)
            i += 1
        self._next_lead = i
        if i < len(arrival):
            env.timeout(arrival[i] - env.now).callbacks.append(self._arrive)

    def _register(self, i: int) -> None:
        ch, ledger = self.channel, self.ledger
        request = ch.requests[i]
        facts = RegistrationFacts(
            partner=self.partner_facts[ch.partner[i]],
            existing=self.index,
            direct_engagements=self.direct[i] if not self._moved else self.direct_engagements(i),
        )
        decision = decide_registration(self.rulebook, request, facts, request.submitted_at)
        row = i  # the ledger has one row per lead, allocated up front
        ledger.codes[row] = decision.codes
        self.note_reasons(decision.reasons)
        if decision.outcome is Outcome.AUTO_REJECTED:
            ledger.first[row] = First.AUTO_REJECTED
            self._decided(row, Final.REJECTED, DecidedBy.RULE)
            self.disputes.refused(row, request, decision, DecidedBy.RULE)
            return
        if decision.outcome is Outcome.AUTO_APPROVED:
            ledger.first[row] = First.AUTO_APPROVED
            self._decided(row, Final.APPROVED, DecidedBy.RULE)
            self.deals.protect(row, request)
            return
        self.hold(request, RegistrationStanding.PENDING)
        self.env.process(self._approval(row, request, decision))

    def _approval(self, row: int, request: RegistrationRequest, decision: RegistrationDecision) -> ProcessGen:
        ch = self.channel
        path = decision.path
        assert path is not None
        slots = slot_sequence(0, REGISTRATION_SLOTS - 1)
        ended = yield from self.approvers.walk(
            path, ch.handling_z[row], ch.approve_u[row], slots, task=self.task_for(row)
        )
        self.ledger.breaches[row] = ended.breaches
        if self.ledger.exit[row]:
            return  # its partner left while it waited: the exit policy disposed of it
        by = DecidedBy.DEFAULT if ended.end is PathEnd.LAPSED else DecidedBy.PERSON
        if approved(path, ended):
            self._decided(row, Final.APPROVED, by)
            self.deals.protect(row, request)
        else:
            self.index.remove(request.request_key)
            self._decided(row, Final.REJECTED, by)
            self.disputes.refused(row, request, decision, by)

    def task_for(self, row: int) -> Task | None:
        """Who answers lead ``row``'s approval tasks: None for the scenario's approvers; the
        fidelity harness answers them at the moments the live run observed."""
        return None

    def direct_engagements(self, i: int) -> tuple[DirectEngagement, ...]:
        """The engagements on file near lead ``i``'s account as written, now."""
        near = self.accounts.neighbours[self._account_id[i]]
        if self._moved.isdisjoint(near):
            return self.direct[i]
        engaged = self.engaged
        return tuple(e for n in near for e in engaged.get(n, ()))

    def engage_direct(self, engagement: DirectEngagement) -> None:
        """File a direct-sales engagement for the registrations that come after."""
        key = self.accounts.id_of(engagement.account_name, engagement.account_domain)
        self.engaged.setdefault(key, []).append(engagement)
        self._moved.add(key)

    def end_direct(self, engagement: DirectEngagement) -> None:
        key = self.accounts.id_of(engagement.account_name, engagement.account_domain)
        filed = self.engaged.get(key, [])
        if engagement in filed:
            filed.remove(engagement)
            self._moved.add(key)

    def note_reasons(self, reasons: tuple[Reason, ...]) -> None:
        """Keep the first text seen for each reason code, to quote in the report."""
        texts = self.ledger.texts
        for r in reasons:
            if r.code not in texts:
                texts[r.code] = r.text

    def _decided(self, row: int, final: Final, by: DecidedBy) -> None:
        self.ledger.final[row] = final
        self.ledger.decided_by[row] = by
        self.ledger.decided_at[row] = self.env.now

    def hold(
        self,
        request: RegistrationRequest,
        state: RegistrationStanding,
        expires_at: datetime | None = None,
    ) -> None:
        """Put (or update) the registration in the index the next decisions consult."""
        self.index.add(registered(request, state, expires_at))


def _certifications(rulebook: Rulebook, lines: tuple[str, ...]) -> tuple[str, ...]:
    """A partner certified for product lines holds every certification those lines require."""
    held = {c for p in rulebook.program.product_lines if p.id in lines for c in p.required_certifications}
    return tuple(sorted(held))


def account_neighbours(channel: Channel, *rulebooks: Rulebook) -> AccountNeighbours:
    """Which of the channel's accounts might be the same, for runs under any of ``rulebooks``
    (one table serves every rulebook run on the channel)."""
    floor = min(rb.registration.conflict.name_review_threshold for rb in rulebooks)
    engaged = ((a.stem, a.domain) for a in channel.accounts if math.isfinite(a.direct_from))
    return AccountNeighbours(chain(zip(channel.company_name, channel.domain, strict=True), engaged), floor)


def simulate(
    rulebook: Rulebook,
    scenario: Scenario,
    channel: Channel,
    accounts: AccountNeighbours | None = None,
    answer_margin: float = 0.0,
) -> Ledger:
    """Run ``channel`` under ``rulebook`` to the scenario's horizon and return the ledger.

    ``accounts`` (from ``account_neighbours``) lets several runs on one channel share the table;
    ``answer_margin`` is the approvers' (``simulation.approvers.answers_in_time``).
    """
    return ProgramModel(rulebook, scenario, channel, accounts, answer_margin).run()
