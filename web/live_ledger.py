"""The one adapter from the live records to the sandbox's :class:`~simulation.ledger.Ledger`.

A row per registration, as the sandbox keeps a row per lead, so ``simulation.kpis.compute`` reads
the live program exactly as it reads a simulated one. Each column comes from the record that
states it (docs/dashboard.md has the table); a column no live record states is filled with NaN,
and the KPIs that need it are listed in ``UNMEASURED`` with the reason, never estimated.

A transfer on a partner's exit starts the transferee's own registration of the same deal; the
sandbox keeps such a deal in its original row, so the transferee's registration is folded into
the transferred one (its fate and extensions) rather than counted as a new arrival.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from rules.dispute import Resolution
from rules.enums import Disposition
from rules.reasons import ReasonCode
from simulation.ledger import DecidedBy, DiscountFate, ExitFate, Fate, Final, First, Ledger, Revision
from simulation.ledger import Dispute as DisputeFate
from store.models import (
    DiscountException,
    DiscountState,
    DispositionState,
    DisputeState,
    ExitDisposition,
    Registration,
    RegistrationState,
)
from web.live_records import NAN, Event, LiveRecords, seconds
from workflows.human.walk import SLA_DEFAULT_ACTION, SLA_ESCALATED

# KPIs no live record can give, and why (shown on the page, kept out of the figures and CSV).
UNMEASURED: dict[str, str] = {
    "revenue": "Closing a registration records won or lost, not the amount booked: there is no live "
    "revenue to add up.",
    "average_discount": "Standard, tier and volume discounts are applied by the rules without a record; "
    "only exception requests are stored, so the discount of most won deals is unknown.",
    "margin": "Needs revenue (not recorded) and a cost ratio, which is a scenario assumption of the "
    "sandbox, not a fact of the live program.",
    "exit_revenue_kept": "Needs the revenue of won deals, which is not recorded.",
    "utilisation": "Approvers' working hours and the time they spend on a task are not recorded; a task "
    "records when it opened and closed, not the work in between.",
}

# Measured, but read from records that differ from the sandbox in a way worth knowing.
NOTES: dict[str, str] = {
    "time_to_decision": "Automatic answers count the seconds they really took (about zero).",
    "sla_breach_rate": "An SLA passed when the approval walk escalated on its timer or applied the "
    "default action; an escalation sent up by hand before the SLA passed is not a breach.",
    "default_action_rate": "Decided by the rulebook's default action (actor rule:sla.default_action).",
    "discount_revisions": "A revision the rules would refuse is refused before anything is written, so "
    "only accepted revisions are counted (the sandbox counts refused ones too).",
    "revision_reapproval_rate": "Among accepted revisions only (refused ones leave no record).",
    "disputes_opened": "Disputes a refused partner opened; direct sales' contests of a partner's "
    "registration are not in the sandbox's definition.",
    "fairness_gini": "Across every partner on file; a partner with no approved registration counts zero.",
    "exit_returned": "A registration waiting for partner operations to choose a transferee counts once "
    "they have chosen.",
}

_APPROVED, _REJECTED = "registration.approved", "registration.rejected"
_FATE_OF_STATE: dict[str, Fate] = {
    RegistrationState.APPROVED: Fate.OPEN,
    RegistrationState.WON: Fate.WON,
    RegistrationState.LOST: Fate.LOST,
    RegistrationState.EXPIRED: Fate.EXPIRED,
}
_DISCOUNT_FATE: dict[str, DiscountFate] = {
    DiscountState.REQUESTED: DiscountFate.PENDING,
    DiscountState.PENDING_APPROVAL: DiscountFate.PENDING,
    DiscountState.INFO_REQUESTED: DiscountFate.PENDING,
    DiscountState.REFUSED: DiscountFate.REFUSED,
    DiscountState.REJECTED: DiscountFate.REFUSED,  # the sandbox's "refused" is refused by rule or people
    DiscountState.EXPIRED: DiscountFate.EXPIRED,
    DiscountState.WITHDRAWN: DiscountFate.NONE,  # withdrawn: the deal is priced as if never asked
}
_DISCOUNT_DECIDED = ("discount.approved", "discount.rejected", "discount.refused")


def is_unmeasured(key: str) -> bool:
    return key in UNMEASURED or key.split(".", 1)[0] in UNMEASURED


def _decision(events: Iterable[Event]) -> tuple[First, tuple[str, ...], Final, DecidedBy, float, int]:
    """The rules' first answer (with its reason codes), the decision, who made it, when, and how
    many SLAs passed before it."""
    first: First | None = None
    codes: tuple[str, ...] = ()
    breaches = 0
    for e in events:
        if e.action == "review.opened" and first is None:
            first, codes = First.NEEDS_APPROVAL, e.codes
        elif e.action == "review.escalated" and SLA_ESCALATED in e.codes:
            breaches += 1
        elif e.action in (_APPROVED, _REJECTED):
            final = Final.APPROVED if e.action == _APPROVED else Final.REJECTED
            if first is None:  # settled by the rules at once
                auto = First.AUTO_APPROVED if final is Final.APPROVED else First.AUTO_REJECTED
                return auto, e.codes, final, DecidedBy.RULE, e.at, 0
            if e.actor == f"rule:{SLA_DEFAULT_ACTION}":
                return first, codes, final, DecidedBy.DEFAULT, e.at, breaches + 1
            return first, codes, final, DecidedBy.PERSON, e.at, breaches
    return first or First.NEEDS_APPROVAL, codes, Final.PENDING, DecidedBy.NOBODY, NAN, breaches


def _fate(reg: Registration, records: LiveRecords, by_id: dict[str, Registration], depth: int = 0) -> Fate:
    """What became of the deal: the registration's state, followed through an exit's transfer."""
    state = reg.state
    if state == RegistrationState.RELEASED:
        taker = _transferee(reg, records, by_id)
        if taker is not None and depth < 8:
            return _fate(taker, records, by_id, depth + 1)
        if _exit_fate(records.dispositions.get(reg.workflow_id)) in (ExitFate.RETURNED, ExitFate.UNCLAIMED):
            return Fate.RETURNED
        return Fate.RELEASED  # by a dispute
    if state == RegistrationState.WITHDRAWN:
        # The ledger has no "withdrawn" fate: one withdrawn while protected gave its account up
        # (RELEASED), one withdrawn before a decision was never protected. No KPI counts either.
        approved = any(e.action == _APPROVED for e in records.of(reg.workflow_id))
        return Fate.RELEASED if approved else Fate.NOT_PROTECTED
    return _FATE_OF_STATE.get(state, Fate.NOT_PROTECTED)


def _transferee(
    reg: Registration, records: LiveRecords, by_id: dict[str, Registration]
) -> Registration | None:
    """The registration an exit's transfer handed this one's deal to, once applied."""
    d = records.dispositions.get(reg.workflow_id)
    if d is None or d.state != DispositionState.APPLIED or d.disposition != Disposition.TRANSFER:
        return None
    return by_id.get(d.transferee_registration_id or "")


def _exit_fate(d: ExitDisposition | None) -> ExitFate:
    if d is None:
        return ExitFate.NONE
    if d.state == DispositionState.HONOURED:
        return ExitFate.HONOURED
    if d.state != DispositionState.APPLIED:
        return ExitFate.NONE  # planned, ended on its own, or waiting for partner operations
    if d.disposition == Disposition.TRANSFER:
        return ExitFate.TRANSFERRED
    unclaimed = ReasonCode.EXIT_NO_TRANSFEREE.value in d.reason_codes
    return ExitFate.UNCLAIMED if unclaimed else ExitFate.RETURNED


def _discount_fate(d: DiscountException, events: list[Event]) -> DiscountFate:
    state = d.state
    if state == DiscountState.CLOSED:  # the registration ended: what the request was then
        closed = next((e for e in reversed(events) if e.action == "discount.closed"), None)
        state = closed.before if closed is not None and closed.before else DiscountState.PENDING_APPROVAL
    if state == DiscountState.APPROVED:
        reviewed = any(e.action == "review.opened" for e in events)
        return DiscountFate.APPROVED if reviewed else DiscountFate.AUTOMATIC
    return _DISCOUNT_FATE.get(state, DiscountFate.PENDING)


def _revision(events: list[Event]) -> Revision:
    """Revised at all, and whether any accepted revision went back to people (the event after it
    opened a review) or was covered by approvals that still stand."""
    found = Revision.NONE
    for e, after in zip(events, [*events[1:], None], strict=True):
        if e.action != "discount.revised":
            continue
        if after is not None and after.action == "review.opened" and e.after != DiscountState.APPROVED:
            return Revision.ASKED_AGAIN
        found = Revision.COVERED
    return found


def _fill_discount(ledger: Ledger, i: int, d: DiscountException, events: list[Event]) -> None:
    fate = _discount_fate(d, events)
    ledger.discount_fate[i] = fate
    ledger.discount_asked_at[i] = seconds(d.created_at)
    decided = next((e for e in events if e.action in _DISCOUNT_DECIDED), None)
    ledger.discount_decided_at[i] = decided.at if decided is not None else NAN
    ledger.discount_reviewed[i] = any(e.action == "review.opened" for e in events)
    ledger.revision[i] = _revision(events)
    ledger.quote_expiries[i] = sum(e.action == "discount.expired" for e in events)
    ledger.renewals[i] = sum(e.action == "discount.renewal_requested" for e in events)
    if ledger.fate[i] == Fate.WON:  # the total discount the deal was quoted with
        granted = fate in (DiscountFate.AUTOMATIC, DiscountFate.APPROVED)
        refused = fate in (DiscountFate.REFUSED, DiscountFate.EXPIRED)
        ledger.discount[i] = d.total_discount if granted else d.standard_discount if refused else NAN


def _fill_dispute(ledger: Ledger, i: int, records: LiveRecords, workflow_id: str) -> None:
    dispute = records.disputes.get(workflow_id)
    if dispute is None:
        return
    resolution = dispute.resolution if dispute.state == DisputeState.RESOLVED else None
    # Withdrawn or closed disputes were opened and never resolved: OPEN is what the KPIs read so.
    ledger.dispute[i] = DisputeFate[Resolution(resolution).name] if resolution else DisputeFate.OPEN
    ledger.dispute_opened_at[i] = seconds(dispute.opened_at)
    if resolution:
        ledger.dispute_resolved_at[i] = seconds(dispute.resolved_at)
        ledger.dispute_by_default[i] = dispute.resolved_by_default


def live_ledger(records: LiveRecords, version: str | None = None) -> Ledger:
    """The ledger of every live registration (pinned to ``version`` when given), its window
    open on both sides; narrow it with ``dataclasses.replace(ledger, window=...)``."""
    by_id = {r.workflow_id: r for r in records.registrations}
    taken_over = {
        d.transferee_registration_id
        for d in records.dispositions.values()
        if d.transferee_registration_id and d.state == DispositionState.APPLIED
    }
    partner_index = {pid: k for k, pid in enumerate(records.partner_ids)}
    ledger = Ledger(partners=len(records.partner_ids), window=(-math.inf, math.inf), cost_ratio=NAN)
    for reg in records.registrations:
        if reg.workflow_id in taken_over or (version is not None and reg.rulebook_version != version):
            continue
        events = records.of(reg.workflow_id)
        i = ledger.append_lead(
            seconds(reg.submitted_at), partner_index.get(reg.partner_id, 0), reg.deal_value
        )
        first, codes, final, by, decided_at, breaches = _decision(events)
        ledger.first[i], ledger.codes[i], ledger.final[i] = first, codes, final
        ledger.decided_by[i], ledger.decided_at[i], ledger.breaches[i] = by, decided_at, breaches
        ledger.fate[i] = _fate(reg, records, by_id)
        taker = _transferee(reg, records, by_id)
        ledger.extensions[i] = reg.extensions_used + (taker.extensions_used if taker is not None else 0)
        ledger.net[i] = NAN if ledger.fate[i] == Fate.WON else 0.0  # the amount booked is not recorded
        discount = records.discounts.get(reg.workflow_id)
        if discount is not None:
            _fill_discount(ledger, i, discount, records.of(discount.workflow_id))
        _fill_dispute(ledger, i, records, reg.workflow_id)
        ledger.exit[i] = _exit_fate(records.dispositions.get(reg.workflow_id))
    for row in records.exits:
        if version is not None and row.rulebook_version != version:
            continue
        for e in records.of(row.workflow_id):
            if e.action == "exit.notice_given":
                ledger.exits_given.append(e.at)
            elif e.action == "exit.refused":
                ledger.exits_refused.append(e.at)
    return ledger
