"""The SimPy model of a partner program running under one rulebook.

Partners register leads; ``rules.decide_registration`` settles each one or names the approval
route; approvers are per-role resources working their calendars; an approval level that misses
its SLA escalates to the next, and the rulebook's default action ends the path. Approved
registrations are protected (``rules.protection_window``), extended on request
(``rules.decide_extension``), and end won, lost or expired; discount exceptions walk the chain
from ``rules.decide_discount``. Every rule is the rulebook core's; this module only keeps time.

Simulated time is seconds since ``scenario.start``. The hot path avoids per-event logging and
builds a datetime only where a decision function needs ``now``.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import simpy

from rules import (
    ApprovalLevel,
    DefaultAction,
    DirectEngagement,
    ExistingRegistration,
    Outcome,
    PartnerFacts,
    PartnerStatus,
    Reason,
    RegistrationFacts,
    RegistrationRequest,
    RegistrationState,
    Rulebook,
    decide_registration,
)
from rules.known_accounts import AccountNeighbours, KnownAccountsIndex
from simulation.calendar import WorkCalendar
from simulation.channel import REGISTRATION_SLOTS, Channel
from simulation.deals import DealDesk
from simulation.ledger import DecidedBy, Final, First, Ledger
from simulation.scenario import Scenario

ProcessGen = Generator[simpy.Event, Any, Any]


class Approvers:
    """Per-role approver pools: capacity, working calendar, handling times, time accounting."""

    def __init__(self, env: simpy.Environment, scenario: Scenario, ledger: Ledger) -> None:
        self.env = env
        lo, hi = ledger.window
        self.window = (lo, hi)
        self.pool: dict[str, simpy.Resource] = {}
        self.calendar: dict[str, WorkCalendar] = {}
        self.handling: dict[str, tuple[float, float]] = {}
        self.approve_rate: dict[str, float] = {}
        self.busy = ledger.busy
        for name, role in scenario.approvers.items():
            self.pool[name] = simpy.Resource(env, capacity=role.staff)
            cal = WorkCalendar.for_role(role, scenario.start)
            self.calendar[name] = cal
            self.handling[name] = (role.handling.median, role.handling.sigma)
            self.approve_rate[name] = role.approve_rate
            ledger.available[name] = role.staff * cal.worked(lo, hi)
            self.busy[name] = 0.0

    def task(self, role: str, sla: float, z: float, u: float) -> ProcessGen:
        """One approver task: queue, work on the role's calendar, answer or run out of SLA.

        Returns True (approve), False (reject) or None (the SLA passed first).
        """
        env = self.env
        deadline = env.now + sla
        request = self.pool[role].request()
        if not request.triggered:
            yield _first_of(env, request, env.timeout(sla))
            if not request.triggered:
                request.cancel()
                return None
        started = env.now
        median, sigma = self.handling[role]
        cal = self.calendar[role]
        done = cal.finish(started, median * math.exp(sigma * z))
        end = done if done <= deadline else deadline
        if end > started:
            yield env.timeout(end - started)
        self.pool[role].release(request)
        lo, hi = self.window
        a, b = max(started, lo), min(end, hi)
        if b > a:
            self.busy[role] += cal.worked(a, b)
        if done > deadline:
            return None
        return u < self.approve_rate[role]


def _first_of(env: simpy.Environment, *events: simpy.Event) -> simpy.Event:
    """Fires when the first of ``events`` does: ``a | b`` without the condition's value, which
    the approver queue never reads (most tasks wait in the queue, so this runs for most)."""
    woken = env.event()

    def wake(_event: simpy.Event) -> None:
        if not woken.triggered:
            woken.succeed()

    for event in events:
        event.callbacks.append(wake)
    return woken


class ProgramModel:
    """One run: a rulebook, a scenario and a pre-drawn channel; :meth:`run` fills a ledger."""

    def __init__(
        self,
        rulebook: Rulebook,
        scenario: Scenario,
        channel: Channel,
        accounts: AccountNeighbours | None = None,
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
        self.approvers = Approvers(self.env, scenario, self.ledger)
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
        self.direct = [
            (DirectEngagement(a.stem, a.domain, None, self.at(a.direct_from)),)
            if math.isfinite(a.direct_from)
            else ()
            for a in channel.accounts
        ]
        self.deals = DealDesk(self)
        self._next_lead = 0

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
            direct_engagements=self.direct[ch.account[i]],
        )
        decision = decide_registration(self.rulebook, request, facts, request.submitted_at)
        row = i  # the ledger has one row per lead, allocated up front
        ledger.codes[row] = decision.codes
        self.note_reasons(decision.reasons)
        if decision.outcome is Outcome.AUTO_REJECTED:
            ledger.first[row] = First.AUTO_REJECTED
            self._decided(row, Final.REJECTED, DecidedBy.RULE)
            return
        if decision.outcome is Outcome.AUTO_APPROVED:
            ledger.first[row] = First.AUTO_APPROVED
            self._decided(row, Final.APPROVED, DecidedBy.RULE)
            self.deals.protect(row, request)
            return
        self.hold(request, RegistrationState.PENDING)
        self.env.process(self._approval(row, request, decision.route, decision.default_action))

    def _approval(
        self,
        row: int,
        request: RegistrationRequest,
        route: tuple[ApprovalLevel, ...],
        default_action: DefaultAction,
    ) -> ProcessGen:
        ch, ledger = self.channel, self.ledger
        z, u = ch.handling_z[row], ch.approve_u[row]
        for level, step in enumerate(route):
            slot = min(level, REGISTRATION_SLOTS - 1)
            answer = yield from self.approvers.task(
                step.role, step.sla_seconds, float(z[slot]), float(u[slot])
            )
            if answer is None:
                ledger.breaches[row] = level + 1
                continue
            self._settle(row, request, bool(answer), DecidedBy.PERSON)
            return
        self._settle(row, request, default_action is DefaultAction.APPROVE, DecidedBy.DEFAULT)

    def _settle(
        self, row: int, request: RegistrationRequest, approve: bool, by: DecidedBy
    ) -> None:
        if approve:
            self._decided(row, Final.APPROVED, by)
            self.deals.protect(row, request)
        else:
            self.index.remove(request.request_key)
            self._decided(row, Final.REJECTED, by)

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
        state: RegistrationState,
        expires_at: datetime | None = None,
    ) -> None:
        """Put (or update) the registration in the index the next decisions consult."""
        self.index.add(
            ExistingRegistration(
                registration_id=request.request_key,
                partner_id=request.partner_id,
                account_name=request.account_name,
                account_domain=request.account_domain,
                product_line=request.product_line,
                state=state,
                submitted_at=request.submitted_at,
                expires_at=expires_at,
                request_key=request.request_key,
            )
        )


def _certifications(rulebook: Rulebook, lines: tuple[str, ...]) -> tuple[str, ...]:
    """A partner certified for product lines holds every certification those lines require."""
    held = {c for p in rulebook.program.product_lines if p.id in lines for c in p.required_certifications}
    return tuple(sorted(held))


def account_neighbours(channel: Channel, *rulebooks: Rulebook) -> AccountNeighbours:
    """Which of the channel's accounts might be the same, for runs under any of ``rulebooks``
    (one table serves every rulebook run on the channel)."""
    floor = min(rb.registration.conflict.name_review_threshold for rb in rulebooks)
    return AccountNeighbours(zip(channel.company_name, channel.domain, strict=True), floor)


def simulate(
    rulebook: Rulebook,
    scenario: Scenario,
    channel: Channel,
    accounts: AccountNeighbours | None = None,
) -> Ledger:
    """Run ``channel`` under ``rulebook`` to the scenario's horizon and return the ledger.

    ``accounts`` (from ``account_neighbours``) lets several runs on one channel share the table.
    """
    return ProgramModel(rulebook, scenario, channel, accounts).run()
