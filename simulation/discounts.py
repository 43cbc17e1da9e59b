"""Discount exceptions: the request, the partner's revision, quote validity and renewal.

Every decision is the rulebook core's. ``rules.decide_discount`` decides the request, its revision
and each renewal; ``rules.discount.standing_roles`` names the roles whose approval a revision
keeps, and ``Approvers.walk`` (``rules.approval``) walks the new chain with them carried, so a
revision asks only those whose part changed, and one within what was approved asks nobody.
Approved pricing is quotable until ``rules.discount.quote_valid_until``; if the deal is still open
then, the quote has lapsed: the partner renews it (a new pass, earlier approvals forgotten) or
closes at standard pricing, like a refused exception.

What is here is when the partner acts, as the live discount workflow lets it: a revision reaches
a request that is pending or approved, never one refused or lapsed; one the rules would refuse
is refused and the request keeps its terms; a revision an approved quote already covers keeps
the quote's date.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np
import simpy

from rules import DiscountDecision, PathEnd, approved
from rules.approval import start
from rules.discount import StandingApproval, quote_valid_until, standing_roles
from simulation.approvers import first_of, slot_sequence
from simulation.channel import DISCOUNT_SLOT, MAX_LEVELS, REVISION_SLOTS
from simulation.ledger import DiscountFate, Revision

if TYPE_CHECKING:
    from simulation.approvers import ProcessGen
    from simulation.model import ProgramModel

Pricing = tuple[float, bool]  # the total discount quoted, and whether the partner got its price
Decide = Callable[[int, float], DiscountDecision]  # (lead, requested discount) -> decision now
Dice = tuple[np.ndarray, np.ndarray, Iterator[int]]  # handling times, choices, their slots


class _Quote(Enum):
    """How a spell of approved pricing ended."""

    DEAL_ENDED = "deal ended"
    REVISED = "revised"
    LAPSED = "lapsed"


@dataclass(eq=False)
class _Exception:
    """One exception as it stands, shared by its process and the revision that may reach it."""

    row: int
    requested: float
    decision: DiscountDecision
    stop: simpy.Event | None  # fires when a revision the rules accept arrives; None: no more
    approvals: list[StandingApproval] = field(default_factory=list)
    revised: DiscountDecision | None = None  # the accepted revision, not yet applied
    open: bool = True  # pending or approved: a revision can still reach it


class DiscountDesk:
    """Runs every discount exception of one :class:`~simulation.model.ProgramModel`."""

    def __init__(self, model: ProgramModel, decide: Decide) -> None:
        self.model = model
        self.decide = decide
        discounts = model.scenario.deals.discounts
        self.revision_rate = discounts.revision_rate
        self.renewal_rate = discounts.renewal_rate

    def request(self, row: int, end: float, finish: Callable[[Pricing], None]) -> None:
        """Quote time: the partner asks for the exception; ``finish`` gets the pricing the deal
        closes with, at ``end`` (or once a decision still pending then is made)."""
        m = self.model
        env, ch, ledger = m.env, m.channel, m.ledger
        now = env.now
        decision = self.decide(row, ch.discount[row])
        ledger.discount_asked_at[row] = now
        ledger.discount_reviewed[row] = not (decision.refused or decision.automatic)
        revises = ch.revise_u[row] < self.revision_rate and now + ch.revise_after[row] < end
        if decision.refused or (decision.automatic and not revises and self._valid(decision) >= end):
            # Settled by the rules, and nothing more happens to it before the deal ends: most
            # exceptions, so a timer callback rather than a process.
            ledger.discount_decided_at[row] = now
            pricing = self._settled(row, decision, decision.automatic)
            env.timeout(end - now).callbacks.append(lambda _e: finish(pricing))
            return
        exception = _Exception(row, ch.discount[row], decision, env.event() if revises else None)
        if revises:
            env.timeout(ch.revise_after[row]).callbacks.append(lambda _e: self._revision(exception))
        env.process(self._life(exception, end, finish))

    def _life(self, ex: _Exception, end: float, finish: Callable[[Pricing], None]) -> ProcessGen:
        """Approval passes and spells of approved pricing until the deal ends."""
        m = self.model
        env, ch, ledger = m.env, m.channel, m.ledger
        row = ex.row
        dice = self._first_dice(row)
        carried: frozenset[str] = frozenset()
        keep_date = False  # a covered revision of approved pricing leaves its validity as it was
        valid = math.inf
        while True:
            granted = yield from self._pass(ex, dice, carried)
            if granted is None:  # revised while pending: the pass starts again on the new terms
                carried, _covered = self._apply_revision(ex)
                dice = self._revision_dice(row)
                continue
            if math.isnan(ledger.discount_decided_at[row]):
                ledger.discount_decided_at[row] = env.now
            pricing = self._settled(row, ex.decision, granted)
            if not granted:
                break
            if not keep_date:
                valid = m.seconds(quote_valid_until(m.rulebook, m.at(env.now)))
            keep_date = False
            quote = yield from self._quotable(ex, end, valid)
            if quote is _Quote.DEAL_ENDED:
                break
            if quote is _Quote.REVISED:
                carried, keep_date = self._apply_revision(ex)
                dice = self._revision_dice(row)
                continue
            ledger.quote_expiries[row] += 1
            if ch.renew_u[row] >= self.renewal_rate:
                ledger.discount_fate[row] = DiscountFate.EXPIRED
                pricing = (ex.decision.standard_discount, False)
                break
            # A renewal is a new pass from scratch: no earlier approval carries. Its approvers
            # are the first pass's, with the same dice: who approved these terms approves them
            # again, unless the SLA runs out first.
            ledger.renewals[row] += 1
            ex.approvals.clear()
            carried = frozenset()
            ex.decision = self.decide(row, ex.requested)
            dice = self._first_dice(row)
        ex.open = False
        if env.now < end:
            yield env.timeout(end - env.now)
        finish(pricing)

    def _pass(self, ex: _Exception, dice: Dice, carried: frozenset[str]) -> ProcessGen:
        """One approval pass of the current decision: True (approved), False (refused or
        rejected) or None (a revision stopped it). Each approval given is kept for revisions."""
        decision = ex.decision
        path = decision.path
        if path is None:
            return not decision.refused
        self.model.ledger.discount_fate[ex.row] = DiscountFate.PENDING
        given: list[str] = []
        z, u, slots = dice
        ended = yield from self.model.approvers.walk(path, z, u, slots, carried, given, ex.stop)
        band = decision.band if decision.band is not None else 0
        ex.approvals.extend(StandingApproval(role, ex.requested, band) for role in given)
        if ended.end is None:
            return None
        return approved(path, ended)

    def _quotable(self, ex: _Exception, end: float, valid: float) -> ProcessGen:
        """Approved pricing: it stands until the deal ends, the partner revises it or it lapses."""
        env = self.model.env
        until = min(end, valid)
        if env.now < until and not (ex.stop is not None and ex.stop.triggered):
            wait = env.timeout(until - env.now)
            yield wait if ex.stop is None else first_of(env, wait, ex.stop)
        if ex.stop is not None and ex.stop.triggered:
            return _Quote.REVISED
        # Closing on the validity date is closing within it.
        return _Quote.DEAL_ENDED if env.now >= end else _Quote.LAPSED

    def _revision(self, ex: _Exception) -> None:
        """The partner revises, once; the rules decide the new terms now. Terms they would refuse
        are refused and the request keeps what it had."""
        if not ex.open:
            return
        decision = self.decide(ex.row, self.model.channel.revised_discount[ex.row])
        if decision.refused:
            self.model.ledger.revision[ex.row] = Revision.REFUSED
            ex.stop = None
            return
        assert ex.stop is not None
        ex.revised = decision
        ex.stop.succeed()

    def _apply_revision(self, ex: _Exception) -> tuple[frozenset[str], bool]:
        """The revised terms replace the old: the roles whose approval stands, and whether they
        cover the new chain (nobody is asked again)."""
        decision = ex.revised
        assert decision is not None
        requested = self.model.channel.revised_discount[ex.row]
        carried = standing_roles(ex.approvals, decision, requested)
        covered = (
            decision.path is None
            or start(decision.path, self.model.env.now, carried).end is PathEnd.APPROVED
        )
        self.model.ledger.revision[ex.row] = Revision.COVERED if covered else Revision.ASKED_AGAIN
        ex.requested, ex.decision, ex.revised, ex.stop = requested, decision, None, None
        return carried, covered

    def _first_dice(self, row: int) -> Dice:
        ch = self.model.channel
        return ch.handling_z[row], ch.approve_u[row], slot_sequence(DISCOUNT_SLOT, MAX_LEVELS - 1)

    def _revision_dice(self, row: int) -> Dice:
        ch = self.model.channel
        return ch.revision_z[row], ch.revision_u[row], slot_sequence(0, REVISION_SLOTS - 1)

    def _valid(self, decision: DiscountDecision) -> float:
        """When automatic pricing stops being quotable, in simulated seconds."""
        assert decision.valid_until is not None
        return self.model.seconds(decision.valid_until)

    def _settled(self, row: int, decision: DiscountDecision, granted: bool) -> Pricing:
        """Record how the exception ended; the total discount quoted, and whether the partner got
        the price it asked for."""
        self.model.ledger.discount_fate[row] = (
            DiscountFate.AUTOMATIC if decision.automatic
            else DiscountFate.APPROVED if granted else DiscountFate.REFUSED
        )  # fmt: skip
        return (decision.total_discount if granted else decision.standard_discount), granted
