"""Partner exits: a partner leaves the program and the exit policy disposes of its registrations.

Every rule is the rulebook core's (``rules.exit``). Each partner's exit, if it has one inside the
horizon, is drawn up front (its own stream, so both rulebooks see the same exits): when it
starts, its type, and the dice of the person who must approve it. An exit that needs approval
(``approval_path``: always for cause) walks that one-step path like any other
(``Approvers.walk``, ``rules.approval``); rejected, or lapsed past its SLA, it does not happen.
Once it takes effect, notice is given: the partner reads as ``exiting``, so its new
registrations fail eligibility (``eligibility.partner_inactive``). At notice end it reads as
``exited``, and ``exit_plan`` is asked again, from the same notice-given time, over the
registrations open then (pending ones decided during notice count as what they are now):

- honoured: the registration stays protected until the expiry on file (extensions asked while
  the partner still had access count, later ones are not asked); the deal closes if it closes
  by then, and expires otherwise;
- transferred: ``transferee`` names the first eligible partner that registered the account (as
  the live store gathers the candidates: other partners' registrations, in any state, under the
  same account key and product line); it gets an approved registration protected from the
  transfer, and the deal keeps its close date and pricing (a pending one starts its deal as any
  approval does). Nobody eligible: the sandbox returns it to direct sales (the live engine
  leaves it to partner operations);
- returned to direct: the registration ends and its account and product line become a
  direct-sales engagement for later registrations.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from rules import (
    DirectEngagement,
    ExistingRegistration,
    PartnerStatus,
    RegistrationRequest,
    RegistrationStanding,
    approved,
    exit_plan,
)
from rules.enums import Disposition, ExitType
from rules.exit import (
    ExitPlan,
    RegistrationDisposition,
    TransferCandidate,
    approval_path,
    registered_the_same,
    transferee,
)
from rules.facts import registered
from simulation.approvers import slot_sequence
from simulation.ledger import ExitFate, Fate, Final

if TYPE_CHECKING:
    from simulation.approvers import ProcessGen
    from simulation.model import ProgramModel
    from simulation.scenario import Scenario

APPROVAL_SLOTS = 2  # tasks an exit's approval may open (one step; a spare for longer paths)
_YEAR = 365.0 * 86_400.0


@dataclass(frozen=True)
class ExitDraws:
    """Per partner: when its exit starts (``inf``: not inside the horizon), its type, and the
    handling time and choice of whoever approves it."""

    at: list[float]
    exit_type: list[ExitType | None]
    approval_z: np.ndarray  # (partners, APPROVAL_SLOTS) standard normals
    approval_u: np.ndarray  # (partners, APPROVAL_SLOTS) uniforms


def draw_exits(scenario: Scenario, tiers: list[str], rng: np.random.Generator) -> ExitDraws:
    """Each partner leaves after an exponential time at its tier's yearly rate, if that falls
    inside the horizon. The same unit draws serve any rates, so a changed rate moves exits
    rather than redrawing them."""
    n = len(tiers)
    wait, type_u = rng.standard_exponential(n), rng.random(n)
    z, u = rng.standard_normal((n, APPROVAL_SLOTS)), rng.random((n, APPROVAL_SLOTS))
    mix = scenario.exits.types
    types = list(ExitType)
    weights = np.array([mix.weight(t) for t in types])
    cumulative = np.cumsum(weights / weights.sum())
    at: list[float] = []
    kinds: list[ExitType | None] = []
    for i, tier in enumerate(tiers):
        rate = scenario.exits.rate(tier)
        t = float(wait[i]) * _YEAR / rate if rate > 0 else math.inf
        inside = t < scenario.horizon
        at.append(t if inside else math.inf)
        picked = min(int(np.searchsorted(cumulative, type_u[i], side="right")), len(types) - 1)
        kinds.append(types[picked] if inside else None)
    return ExitDraws(at, kinds, z, u)


@dataclass(frozen=True)
class ExitRecord:
    """An exit that took effect: its plan at notice end, and which lead each disposition moved."""

    partner: int
    exit_type: ExitType
    plan: ExitPlan
    open_registrations: tuple[ExistingRegistration, ...]
    rows: dict[str, int]  # registration id -> lead


@dataclass(frozen=True)
class _Open:
    """A registration open at notice end: what the rules read, its lead, who submitted it."""

    registration: ExistingRegistration
    row: int
    request: RegistrationRequest


class ExitDesk:
    """Runs every partner exit of one :class:`~simulation.model.ProgramModel`."""

    def __init__(self, model: ProgramModel) -> None:
        self.model = model
        self.holder: dict[int, int] = {}  # transferred leads: the partner holding each now
        self.request_of: dict[int, RegistrationRequest] = {}  # ... and its registration
        self._leads: dict[int, list[int]] | None = None  # partner -> its leads, built when needed
        self._by_account: dict[int, list[int]] | None = None  # account as written -> its leads
        self.records: list[ExitRecord] = []
        draws = model.channel.exits
        for partner, t in enumerate(draws.at):
            kind = draws.exit_type[partner]
            if kind is not None and math.isfinite(t):
                model.env.process(self._exit(partner, kind))

    def _exit(self, partner: int, exit_type: ExitType) -> ProcessGen:
        m = self.model
        env, draws, ledger = m.env, m.channel.exits, m.ledger
        yield env.timeout(draws.at[partner])
        path = approval_path(m.rulebook, exit_type)
        if path is not None:
            slots = slot_sequence(0, APPROVAL_SLOTS - 1)
            z, u = draws.approval_z[partner], draws.approval_u[partner]
            ended = yield from m.approvers.walk(path, z, u, slots)
            if not approved(path, ended):
                ledger.exits_refused.append(env.now)
                return  # rejected, or nobody answered in time: the exit does not happen
        given = m.at(env.now)
        ledger.exits_given.append(env.now)
        timeline = exit_plan(m.rulebook, exit_type, (), given)
        self._status(partner, PartnerStatus.EXITING)
        yield env.timeout(max(m.seconds(timeline.notice_ends_at) - env.now, 0.0))
        revoked = m.seconds(timeline.access_revoked_at)
        held = {o.registration.registration_id: o for o in self._open(partner, revoked)}
        registrations = tuple(o.registration for o in held.values())
        plan = exit_plan(m.rulebook, exit_type, registrations, given)
        rows = {key: o.row for key, o in held.items()}
        self.records.append(ExitRecord(partner, exit_type, plan, registrations, rows))
        self._status(partner, PartnerStatus.EXITED)
        for disposition in plan.dispositions:
            m.note_reasons(disposition.reasons)
            self._dispose(held[disposition.registration_id], disposition, revoked)

    def _status(self, partner: int, status: PartnerStatus) -> None:
        facts = self.model.partner_facts
        facts[partner] = replace(facts[partner], status=status)

    def _open(self, partner: int, revoked: float) -> list[_Open]:
        """The partner's registrations pending or approved now, as the rules read them; an
        approved one with the expiry on file (the extensions asked before access was revoked)."""
        m = self.model
        ledger, deals, now = m.ledger, m.deals, m.env.now
        if self._leads is None:
            self._leads = {}
            for row, p in enumerate(m.channel.partner):
                self._leads.setdefault(p, []).append(row)
        taken = [row for row, p in self.holder.items() if p == partner]
        found: list[_Open] = []
        for row in [*self._leads.get(partner, ()), *taken]:
            if ledger.arrival[row] > now:
                continue
            if self.holder.get(row, partner) != partner:
                continue  # transferred to another partner
            request = self.request_of.get(row, m.channel.requests[row])
            if ledger.fate[row] == Fate.OPEN:
                state = RegistrationStanding.APPROVED
                expires_at, _used = deals.window(row, deals.since[row], deals.close[row], revoked)
            elif ledger.final[row] == Final.PENDING and ledger.fate[row] == Fate.NOT_PROTECTED:
                state, expires_at = RegistrationStanding.PENDING, None
            else:
                continue
            found.append(_Open(registered(request, state, expires_at), row, request))
        return found

    def _dispose(self, held: _Open, disposition: RegistrationDisposition, revoked: float) -> None:
        m = self.model
        ledger, deals, now = m.ledger, m.deals, m.env.now
        row, request = held.row, held.request
        pending = held.registration.state is RegistrationStanding.PENDING
        chosen = disposition.disposition
        if chosen is Disposition.RETURN_TO_DIRECT:
            self._to_direct(row, request, ExitFate.RETURNED)
            return
        if chosen is Disposition.HONOUR_UNTIL_EXPIRY:
            if pending:
                return  # the rules never honour a pending registration
            ledger.exit[row] = ExitFate.HONOURED
            expires_at = held.registration.expires_at
            assert expires_at is not None
            ledger.extensions[row] -= self._unasked(row, revoked)
            deals.move(row, request, expires_at)
            return
        candidates = self._candidates(row, request)
        choice = transferee(m.rulebook, request, request.partner_id, list(candidates.values()))
        m.note_reasons(choice.reasons)
        if choice.chosen is None:
            self._to_direct(row, request, ExitFate.UNCLAIMED)
            return
        taker = m.channel.partner[next(k for k, c in candidates.items() if c is choice.chosen)]
        new = replace(request, partner_id=choice.chosen.partner.partner_id, submitted_at=m.at(now))
        ledger.exit[row] = ExitFate.TRANSFERRED
        self.holder[row], self.request_of[row] = taker, new
        if pending:
            deals.protect(row, new)  # its deal starts now, as at any approval
            return
        unasked = self._unasked(row, revoked)
        deals.since[row] = now
        expires_at, used = deals.window(row, now, deals.close[row])
        ledger.extensions[row] += used - unasked
        deals.move(row, new, expires_at)

    def _unasked(self, row: int, revoked: float) -> int:
        """Extensions counted for lead ``row`` that its partner would ask only after losing access."""
        deals = self.model.deals
        since, close = deals.since[row], deals.close[row]
        return deals.window(row, since, close)[1] - deals.window(row, since, close, revoked)[1]

    def _to_direct(self, row: int, request: RegistrationRequest, fate: ExitFate) -> None:
        """The registration ends and direct sales takes its account and product line."""
        m = self.model
        m.ledger.exit[row] = fate
        m.ledger.fate[row] = Fate.RETURNED
        m.hold(request, RegistrationStanding.WITHDRAWN)
        since = m.at(m.env.now)
        m.engage_direct(
            DirectEngagement(request.account_name, request.account_domain, request.product_line, since)
        )

    def _candidates(self, row: int, request: RegistrationRequest) -> dict[int, TransferCandidate]:
        """Other partners' registrations so far of the same account and product line, by lead:
        as the live store finds them (the same account key: the domain, else the normalised
        name; any state), looked for among the leads on accounts near it as written."""
        m = self.model
        ch = m.channel
        if self._by_account is None:
            self._by_account = {}
            for lead, account in enumerate(m.account_ids):
                self._by_account.setdefault(account, []).append(lead)
        found: dict[int, TransferCandidate] = {}
        for near in m.accounts.neighbours[m.account_ids[row]]:
            for lead in self._by_account.get(near, ()):
                other = ch.requests[lead]
                if lead != row and ch.arrival[lead] <= m.env.now and registered_the_same(request, other):
                    partner = m.partner_facts[ch.partner[lead]]
                    found[lead] = TransferCandidate(other.request_key, other.submitted_at, partner)
        return found
