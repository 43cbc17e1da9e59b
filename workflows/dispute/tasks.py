"""How a dispute's tasks and notices look: pure builders, no I/O.

A level's task carries everything its decider weighs: both registrations side by side, the
contested decision and its reasons, the path with the level and its deadline, and the
resolutions this dispute allows (the thread is read live by the inbox). A party's task carries
only what that party may see: its own registration, the other side as "another partner" or
"direct sales", and the contested decision in the rulebook's words, never the other's identity.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import NotificationRecord, TaskOpening
    from rules.dispute import Contest, Side, resolutions
    from rules.durations import format_duration
    from rules.reasons import meaning
    from store.models.enums import EventType
    from workflows.dispute.types import (
        CLAIMANT,
        LEVEL_TASK,
        PARTY_TASK,
        PROCESS_TYPE,
        DisputeView,
        PartyView,
    )

DIRECT_SALES_ROLE = "direct_sales"


def side_words(party: PartyView) -> str:
    """How a party is named to the other side."""
    return "another partner" if party.side == Side.PARTNER else "direct sales"


def decision_words(codes: list[str]) -> list[str]:
    """The contested decision in the rulebook's own words (no facts: those name the holder)."""
    return [meaning(code) for code in codes]


def _party(party: PartyView) -> dict[str, Any]:
    data = asdict(party)
    data["reasons"] = [{"code": r.code, "text": r.text} for r in party.reasons]
    for key in ("submitted_at", "decided_at", "expires_at"):
        value = getattr(party, key)
        data[key] = value.isoformat() if value else None
    return data


def level_task(
    view: DisputeView, contest: Contest, *, step: int, role: str, due_at: datetime, account: str
) -> TaskOpening:
    opening = view.opening
    levels = " then ".join(view.levels)
    allowed = [str(r) for r in resolutions(contest)]
    return TaskOpening(
        kind=LEVEL_TASK,
        escalation_level=step,
        title=f"Dispute over {account} ({opening.product_line}), level {step + 1} of {len(view.levels)}",
        role=role,
        due_at=due_at,
        summary=(
            f"{opening.claimant.partner_name or 'Direct sales'} contests "
            f"{', '.join(opening.contested_codes)} against "
            f"{opening.respondent.partner_name or 'direct sales'}. Path: {levels}."
        )[:2000],
        priority=step,
        partner_id=opening.claimant.partner_id,
        payload={
            "process_type": PROCESS_TYPE,
            "dispute_id": view.workflow_id,
            "level": step,
            "levels": view.levels,
            "claimant": _party(opening.claimant),
            "respondent": _party(opening.respondent),
            "product_line": opening.product_line,
            "contested_codes": opening.contested_codes,
            "contested_words": decision_words(opening.contested_codes),
            "rulebook_version": view.rulebook_version,
            "actions": allowed,
        },
    )


def party_task(view: DisputeView, *, side: str, due_at: datetime) -> TaskOpening:
    """A party's call for its statement; its own side only, the other by its side's name."""
    opening = view.opening
    own, other = (
        (opening.claimant, opening.respondent) if side == CLAIMANT else (opening.respondent, opening.claimant)
    )
    account = own.account_name or opening.product_line
    if side == CLAIMANT:
        title = f"Add your evidence to your dispute over {account}"
        summary = f"Your dispute against {side_words(other)} is open; add what supports it."
    else:
        title = f"Give your statement: {side_words(other)} disputes {account}"
        summary = f"{side_words(other).capitalize()} contests the decision that kept {account} with you."
    return TaskOpening(
        kind=PARTY_TASK,
        escalation_level=0,
        slot=side,
        title=title[:200],
        role="partner" if own.side == Side.PARTNER else DIRECT_SALES_ROLE,
        due_at=due_at,
        summary=summary,
        partner_id=own.partner_id,
        payload={
            "process_type": PROCESS_TYPE,
            "dispute_id": view.workflow_id,
            "side": side,
            "own": {
                "registration_id": own.registration_id,
                "account_name": own.account_name,
                "state": own.state,
            },
            "other_side": side_words(other),
            "product_line": opening.product_line,
            "contested_words": decision_words(opening.contested_codes),
        },
    )


def level_notice(account: str, *, from_role: str, to_role: str, sla_seconds: float) -> NotificationRecord:
    return NotificationRecord(
        event=EventType.DISPUTE_ESCALATED,
        subject=f"Escalated to you: dispute over {account}",
        body=(
            f"{from_role} did not decide within the response time. You have "
            f"{format_duration(timedelta(seconds=sla_seconds))} to decide."
        ),
        recipient_role=to_role,
    )


def party_notices(view: DisputeView, event: str, subject: str, body: str = "") -> list[NotificationRecord]:
    """The same notice to both parties: a partner's registration's submitter, or direct sales."""
    notices = []
    for party in (view.opening.claimant, view.opening.respondent):
        if party.side == Side.PARTNER and party.contact:
            notices.append(
                NotificationRecord(event=event, subject=subject, body=body, recipient_user=party.contact)
            )
        elif party.side == Side.DIRECT:
            notices.append(
                NotificationRecord(event=event, subject=subject, body=body, recipient_role=DIRECT_SALES_ROLE)
            )
    return notices
