"""What happened to every registration in one run: the neutral record the KPIs are computed from.

The sandbox fills it from the SimPy model; a live dashboard can fill the same columns from the
database, which is why the KPI definitions take a :class:`Ledger` and nothing simulation-specific.
Columns are plain lists while a run appends to them and numpy arrays once frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np


class First(IntEnum):
    """The rulebook's first answer to a registration."""

    AUTO_APPROVED = 0
    AUTO_REJECTED = 1
    NEEDS_APPROVAL = 2


class Final(IntEnum):
    APPROVED = 0
    REJECTED = 1
    PENDING = 2  # still waiting for a person when the horizon ended


class DecidedBy(IntEnum):
    RULE = 0
    PERSON = 1
    DEFAULT = 2  # the end of the escalation path: the rulebook's default action
    NOBODY = 3


class Fate(IntEnum):
    """What became of the deal behind an approved registration."""

    NOT_PROTECTED = 0  # never approved
    OPEN = 1
    WON = 2
    LOST = 3
    EXPIRED = 4
    RELEASED = 5  # a dispute gave the account to another partner or to direct sales
    RETURNED = 6  # its partner left the program and the exit policy returned it to direct sales


class DiscountFate(IntEnum):
    NONE = 0  # no exception asked (or the deal never got to a quote)
    AUTOMATIC = 1
    APPROVED = 2
    REFUSED = 3
    PENDING = 4
    EXPIRED = 5  # the approved quote lapsed and was not renewed: standard pricing


class Revision(IntEnum):
    """What the partner's one revision of an exception asked for."""

    NONE = 0  # not revised
    COVERED = 1  # every approval the new terms need still stands (or the rules approve them)
    ASKED_AGAIN = 2  # at least one approver had to approve again
    REFUSED = 3  # the rules would refuse the new terms: the request kept the old ones


class Dispute(IntEnum):
    """A registration's dispute of its refusal; resolved ones are named as ``rules.dispute``'s
    resolutions are."""

    NONE = 0  # not disputed
    OPEN = 1  # still being heard when the horizon ended
    UPHOLD = 2
    AWARD_CLAIMANT = 3
    CO_SELL = 4
    RETURN_TO_DIRECT = 5


class ExitFate(IntEnum):
    """What a partner's exit did to a registration open at its notice end (``rules.exit_plan``)."""

    NONE = 0  # its partner did not leave while it was open
    HONOURED = 1  # honoured until its expiry
    TRANSFERRED = 2  # to the next eligible partner that registered the account
    RETURNED = 3  # returned to direct sales by the policy
    UNCLAIMED = 4  # to be transferred, but no other partner could take it: returned to direct


@dataclass
class Ledger:
    """Per-registration columns (index = lead number) plus approver time per role."""

    arrival: list[float] = field(default_factory=list)
    partner: list[int] = field(default_factory=list)
    first: list[int] = field(default_factory=list)
    codes: list[tuple[str, ...]] = field(default_factory=list)
    final: list[int] = field(default_factory=list)
    decided_by: list[int] = field(default_factory=list)
    decided_at: list[float] = field(default_factory=list)
    breaches: list[int] = field(default_factory=list)
    fate: list[int] = field(default_factory=list)
    extensions: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    net: list[float] = field(default_factory=list)  # revenue booked when won, after discounts
    discount: list[float] = field(default_factory=list)  # total discount quoted (won deals)
    discount_fate: list[int] = field(default_factory=list)
    discount_asked_at: list[float] = field(default_factory=list)  # the exception's request
    discount_decided_at: list[float] = field(default_factory=list)  # its decision (revised or not)
    discount_reviewed: list[bool] = field(default_factory=list)  # the request went to people
    revision: list[int] = field(default_factory=list)
    quote_expiries: list[int] = field(default_factory=list)  # approved quotes that lapsed
    renewals: list[int] = field(default_factory=list)  # lapsed quotes the partner renewed
    dispute: list[int] = field(default_factory=list)
    dispute_opened_at: list[float] = field(default_factory=list)
    dispute_resolved_at: list[float] = field(default_factory=list)
    dispute_by_default: list[bool] = field(default_factory=list)  # every level let its time pass
    exit: list[int] = field(default_factory=list)
    exits_given: list[float] = field(default_factory=list)  # when each exit took effect (notice)
    exits_refused: list[float] = field(default_factory=list)  # exits their approver did not approve
    partners: int = 0
    window: tuple[float, float] = (0.0, 0.0)  # KPIs count registrations arriving in [from, to)
    cost_ratio: float = 0.0
    busy: dict[str, float] = field(default_factory=dict)  # working seconds spent, in window
    available: dict[str, float] = field(default_factory=dict)  # staff x working seconds
    texts: dict[str, str] = field(default_factory=dict)  # first text seen per reason code

    def allocate(self, arrival: list[float], partner: list[int], value: list[float]) -> None:
        """Open a row per registration at once, with neutral values (row ``i`` is lead ``i``);
        cheaper than appending one by one in the simulation's hot loop."""
        n = len(arrival)
        self.arrival, self.partner, self.value = list(arrival), list(partner), list(value)
        self.first = [First.NEEDS_APPROVAL] * n
        self.codes = [()] * n
        self.final = [Final.PENDING] * n
        self.decided_by = [DecidedBy.NOBODY] * n
        self.decided_at = [float("nan")] * n
        self.breaches = [0] * n
        self.fate = [Fate.NOT_PROTECTED] * n
        self.extensions = [0] * n
        self.net = [0.0] * n
        self.discount = [float("nan")] * n
        self.discount_fate = [DiscountFate.NONE] * n
        self.discount_asked_at = [float("nan")] * n
        self.discount_decided_at = [float("nan")] * n
        self.discount_reviewed = [False] * n
        self.revision = [Revision.NONE] * n
        self.quote_expiries = [0] * n
        self.renewals = [0] * n
        self.dispute = [Dispute.NONE] * n
        self.dispute_opened_at = [float("nan")] * n
        self.dispute_resolved_at = [float("nan")] * n
        self.dispute_by_default = [False] * n
        self.exit = [ExitFate.NONE] * n

    def append_lead(self, arrival: float, partner: int, value: float) -> int:
        """Open the row of a new registration with neutral values; returns its index."""
        self.arrival.append(arrival)
        self.partner.append(partner)
        self.value.append(value)
        self.first.append(First.NEEDS_APPROVAL)
        self.codes.append(())
        self.final.append(Final.PENDING)
        self.decided_by.append(DecidedBy.NOBODY)
        self.decided_at.append(float("nan"))
        self.breaches.append(0)
        self.fate.append(Fate.NOT_PROTECTED)
        self.extensions.append(0)
        self.net.append(0.0)
        self.discount.append(float("nan"))
        self.discount_fate.append(DiscountFate.NONE)
        self.discount_asked_at.append(float("nan"))
        self.discount_decided_at.append(float("nan"))
        self.discount_reviewed.append(False)
        self.revision.append(Revision.NONE)
        self.quote_expiries.append(0)
        self.renewals.append(0)
        self.dispute.append(Dispute.NONE)
        self.dispute_opened_at.append(float("nan"))
        self.dispute_resolved_at.append(float("nan"))
        self.dispute_by_default.append(False)
        self.exit.append(ExitFate.NONE)
        return len(self.arrival) - 1

    def arrays(self) -> dict[str, np.ndarray]:
        """The numeric columns as arrays, restricted to registrations inside the window."""
        arrival = np.asarray(self.arrival, dtype=float)
        keep = (arrival >= self.window[0]) & (arrival < self.window[1])
        out = {
            name: np.asarray(getattr(self, name), dtype=float)[keep]
            for name in (
                "arrival", "partner", "first", "final", "decided_by", "decided_at", "breaches",
                "fate", "extensions", "value", "net", "discount", "discount_fate",
                "discount_asked_at", "discount_decided_at", "discount_reviewed", "revision",
                "quote_expiries", "renewals", "dispute", "dispute_opened_at", "dispute_resolved_at",
                "dispute_by_default", "exit",
            )
        }  # fmt: skip
        return out

    def in_window(self, times: list[float]) -> int:
        """How many of ``times`` fall inside the window."""
        lo, hi = self.window
        return sum(1 for t in times if lo <= t < hi)

    def windowed_codes(self) -> list[tuple[str, ...]]:
        lo, hi = self.window
        return [c for a, c in zip(self.arrival, self.codes, strict=True) if lo <= a < hi]
