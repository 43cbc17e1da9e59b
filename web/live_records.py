"""The live records the dashboard's ledger is filled from, read in one pass per table.

Only what a KPI needs is read: every registration, discount request, dispute, exit and exit
disposition row, the audit events that mark a decision, an escalation or a milestone, and each
partner's id (the fairness index counts every partner on file). Times become seconds since the
Unix epoch, the clock a :class:`~simulation.ledger.Ledger` keeps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, col, select

from rules.enums import DisputeSide
from store.models import (
    AuditEvent,
    DiscountException,
    Dispute,
    Exit,
    ExitDisposition,
    Partner,
    ProcessType,
    Registration,
    as_utc,
)

NAN = float("nan")

# The audit actions a KPI reads, per process type (every other action is left in the database).
REGISTRATION_ACTIONS = ("review.opened", "review.escalated", "registration.approved", "registration.rejected")
DISCOUNT_ACTIONS = (
    "review.opened", "discount.approved", "discount.rejected", "discount.refused", "discount.revised",
    "discount.expired", "discount.renewal_requested", "discount.withdrawn", "discount.closed",
)  # fmt: skip
EXIT_ACTIONS = ("exit.notice_given", "exit.refused")


def seconds(moment: datetime | None) -> float:
    """``moment`` on the ledger's clock (NaN when there is none)."""
    return NAN if moment is None else as_utc(moment).timestamp()


@dataclass(frozen=True)
class Event:
    """One audit event as a KPI reads it."""

    action: str
    actor: str
    at: float
    codes: tuple[str, ...]
    before: str | None
    after: str | None


@dataclass
class LiveRecords:
    """Everything the adapter maps, keyed the way it looks rows up."""

    registrations: list[Registration] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    events: dict[str, list[Event]] = field(default_factory=dict)  # process id -> in order
    discounts: dict[str, DiscountException] = field(default_factory=dict)  # by registration
    disputes: dict[str, Dispute] = field(default_factory=dict)  # by the disputing registration
    dispositions: dict[str, ExitDisposition] = field(default_factory=dict)  # by registration
    exits: list[Exit] = field(default_factory=list)

    def of(self, process_id: str) -> list[Event]:
        return self.events.get(process_id, [])


def _events(session: Session, process_type: ProcessType, actions: tuple[str, ...]) -> dict[str, list[Event]]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.process_type == process_type.value, col(AuditEvent.action).in_(actions))
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    found: dict[str, list[Event]] = defaultdict(list)
    for e in session.exec(query):
        found[e.process_id].append(
            Event(e.action, e.actor, seconds(e.at), tuple(e.reason_codes), e.before_state, e.after_state)
        )
    return found


def read_live_records(session: Session) -> LiveRecords:
    """Read the live tables once; the adapter and the page work from this snapshot."""
    records = LiveRecords()
    records.registrations = list(
        session.exec(select(Registration).order_by(col(Registration.submitted_at), col(Registration.id)))
    )
    records.partner_ids = [int(i) for i in session.exec(select(Partner.id).order_by(col(Partner.id))) if i]
    for process_type, actions in (
        (ProcessType.REGISTRATION, REGISTRATION_ACTIONS),
        (ProcessType.DISCOUNT, DISCOUNT_ACTIONS),
        (ProcessType.EXIT, EXIT_ACTIONS),
    ):
        records.events.update(_events(session, process_type, actions))
    # A registration priced more than once is read by its latest request, the one its deal
    # closed on (later rows overwrite earlier ones).
    for d in session.exec(select(DiscountException).order_by(col(DiscountException.id))):
        records.discounts[d.registration_workflow_id] = d
    # The sandbox's disputes are a refused partner's; direct sales' contests have no ledger row.
    for dispute in session.exec(select(Dispute).order_by(col(Dispute.id))):
        if dispute.claimant_side == DisputeSide.PARTNER and dispute.claimant_registration_id:
            records.disputes[dispute.claimant_registration_id] = dispute
    for row in session.exec(select(ExitDisposition).order_by(col(ExitDisposition.id))):
        records.dispositions[row.registration_id] = row
    records.exits = list(session.exec(select(Exit).order_by(col(Exit.id))))
    return records
