"""After approval: protection, reminders, extensions, discount exceptions, and won/lost/expired.

The protection window and every extension come from ``rules.protection_window`` and
``rules.decide_extension``; every discount decision from ``rules.decide_discount``. A partner
asks for an extension when reminded and the deal is still open; a discount exception is asked
for at quote time and lives on in :class:`~simulation.discounts.DiscountDesk` (its chain of
approvers, the partner's revision, quote validity and renewal) until the deal ends. A partner
exit (``simulation.exits``) may cut a deal's protection short or hand the deal to another
partner (:meth:`DealDesk.move`); the deal keeps its close date and pricing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rules import (
    DiscountDecision,
    DiscountRequest,
    RegistrationRequest,
    RegistrationStanding,
    decide_discount,
    decide_extension,
    protection_window,
    standard_discount,
)
from simulation.discounts import DiscountDesk, Pricing
from simulation.ledger import Fate

if TYPE_CHECKING:
    from simulation.channel import Channel
    from simulation.model import ProgramModel
    from simulation.scenario import Scenario


@dataclass(frozen=True)
class _Moved:
    """Who holds a deal a partner exit moved, and until when it is protected."""

    request: RegistrationRequest
    expires_at: datetime
    expires: float


def quote_delay(scenario: Scenario, channel: Channel, row: int) -> float:
    """Seconds from a deal's approval to its quote, when its partner asks for an exception."""
    return scenario.deals.discounts.quote_after_share_of_cycle * channel.cycle[row]


def justification(scenario: Scenario, channel: Channel, row: int) -> str:
    """The justification the deal's partner gives for an exception (its own draw)."""
    return "meet-competitor" if channel.justify_u[row] < scenario.deals.discounts.justification_rate else ""


class DealDesk:
    """Runs the life of every approved registration inside one :class:`ProgramModel`."""

    def __init__(self, model: ProgramModel) -> None:
        self.model = model
        self.rulebook = model.rulebook
        deals = model.scenario.deals
        self.win_rate = deals.win_rate
        self.extension_rate = deals.extension_request_rate
        self.refused_factor = deals.discounts.refused_win_rate_factor
        self.discounts = DiscountDesk(model, self.discount_decision)
        leads = model.channel.leads
        self.since = [math.nan] * leads  # when the registration's protection started
        self.close = [math.nan] * leads  # when its deal closes, if protection lasts
        self.expires = [math.nan] * leads  # when its protection ends (as first granted, extended)
        self.moved: dict[int, _Moved] = {}  # deals a partner exit cut short or handed over

    def window(self, row: int, since: float, close: float, until: float = math.inf) -> tuple[datetime, int]:
        """Protection from ``since`` for lead ``row``'s deal closing at ``close``, with the
        extensions its partner asks for before ``until``; the expiry and the extensions used."""
        m, ch = self.model, self.model.channel
        window = protection_window(self.rulebook, m.at(since))
        expires_at = window.expires_at
        expires = m.seconds(expires_at)
        remind = m.seconds(window.remind_at)
        used = 0
        # The partner, reminded before expiry with the deal still open, asks for an extension.
        # decide_extension is pure, so asking it now "as of" the reminder is the same question.
        while close > expires and remind < min(expires, until) and ch.extension_u[row] < self.extension_rate:
            answer = decide_extension(self.rulebook, used, expires_at, m.at(remind))
            if not answer.granted or answer.new_expires_at is None:
                break
            used = answer.extensions_used
            expires_at = answer.new_expires_at
            expires = m.seconds(expires_at)
            remind = m.seconds(answer.new_remind_at) if answer.new_remind_at else expires
        return expires_at, used

    def move(self, row: int, request: RegistrationRequest, expires_at: datetime) -> None:
        """A partner exit moved an open deal: ``request``'s partner holds it now, protected until
        ``expires_at`` (honoured to the expiry on file, or a transferee's new protection). The
        deal still closes when it would; past the new expiry it expires instead."""
        m = self.model
        expires = m.seconds(expires_at)
        self.moved[row] = _Moved(request, expires_at, expires)
        m.hold(request, RegistrationStanding.APPROVED, expires_at)
        if self.close[row] > expires:
            m.env.timeout(max(expires - m.env.now, 0.0)).callbacks.append(lambda _e: self._expire(row))

    def _expire(self, row: int) -> None:
        moved = self.moved.get(row)
        ledger = self.model.ledger
        if moved is None or ledger.fate[row] != Fate.OPEN:
            return
        if self.close[row] > moved.expires and self.model.env.now >= moved.expires:
            ledger.fate[row] = Fate.EXPIRED

    def protect(self, row: int, request: RegistrationRequest) -> None:
        """Protect an approved registration and schedule how its deal ends."""
        m, ch = self.model, self.model.channel
        now = m.env.now
        close = now + ch.cycle[row]
        expires_at, used = self.window(row, now, close)
        expires = m.seconds(expires_at)
        self.since[row], self.close[row], self.expires[row] = now, close, expires
        # Filed once with its final expiry: until the reminder both expiries lie ahead, so every
        # conflict check reads it the same as if the extension were filed when granted.
        m.hold(request, RegistrationStanding.APPROVED, expires_at)
        ledger = m.ledger
        ledger.fate[row] = Fate.OPEN
        ledger.extensions[row] = used
        end = min(close, expires)
        quote = now + quote_delay(m.scenario, ch, row)
        closes = close <= expires
        # Timer callbacks rather than processes: only an exception with more to come than its
        # first decision (people, a revision, a lapse) runs as one.
        if ch.discount[row] > 0 and quote < end:
            m.env.timeout(quote - now).callbacks.append(
                lambda _e: self.discounts.request(
                    row, end, lambda pricing: self._end(row, request, closes, expires_at, pricing)
                )
            )
        else:
            m.env.timeout(end - now).callbacks.append(
                lambda _e: self._end(row, request, closes, expires_at, None)
            )

    # The discount desk decides through this method, so every decision function the model calls
    # is called from this module or simulation.model (the bench times them there).
    def discount_decision(self, row: int, requested: float) -> DiscountDecision:
        """The rulebook's answer, now, to the lead's partner asking ``requested`` on top of
        standard pricing: the request, its revision or a renewal."""
        m, ch = self.model, self.model.channel
        partner = m.partner_facts[ch.partner[row]]
        decision = decide_discount(
            self.rulebook,
            DiscountRequest(
                partner_tier=partner.tier,
                deal_value=ch.value[row],
                requested_discount=requested,
                justification=justification(m.scenario, ch, row),
            ),
            m.at(m.env.now),
        )
        m.note_reasons(decision.reasons)
        return decision

    def _end(
        self,
        row: int,
        request: RegistrationRequest,
        closes: bool,
        expires_at: Any,
        pricing: Pricing | None,
    ) -> None:
        """The deal closes won or lost before protection ends, or the registration expires."""
        m, ch = self.model, self.model.channel
        ledger = m.ledger
        if ledger.fate[row] != Fate.OPEN:
            return  # a dispute or an exit ended the registration, or an exit's expiry came first
        moved = self.moved.get(row)
        if moved is not None:
            # A partner exit moved the deal: its new holder closes it, within the new expiry.
            close, now = self.close[row], m.env.now
            end = min(close, moved.expires)
            if now < end:
                m.env.timeout(end - now).callbacks.append(
                    lambda _e: self._end(row, request, closes, expires_at, pricing)
                )
                return
            request, closes, expires_at = moved.request, close <= moved.expires, moved.expires_at
        if not closes:
            # No refiling: an approved registration past its expiry already reads as lapsed.
            ledger.fate[row] = Fate.EXPIRED
            return
        if pricing is None:
            partner = m.partner_facts[ch.partner[row]]
            pricing = (standard_discount(self.rulebook, partner.tier, ch.value[row]), True)
        total, got_price = pricing
        chance = self.win_rate if got_price else self.win_rate * self.refused_factor
        if ch.win_u[row] < chance:
            ledger.fate[row] = Fate.WON
            ledger.net[row] = ch.value[row] * (1.0 - total)
            ledger.discount[row] = total
            m.hold(request, RegistrationStanding.CLOSED_WON, expires_at)
        else:
            ledger.fate[row] = Fate.LOST
            m.hold(request, RegistrationStanding.CLOSED_LOST, expires_at)
