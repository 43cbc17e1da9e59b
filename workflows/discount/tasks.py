"""How a discount request's tasks and notices look in the inbox: pure builders, no I/O.

Everything the task page shows travels in the task row: the deal, standard vs requested vs total
discount, the money it costs, competitor and justification, the matrix band and bump, the whole
chain with the approvals already given, and the rulebook's reasons in words.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.projection import NotificationRecord, TaskOpening
    from rules.durations import format_duration
    from rules.reasons import Reason
    from store.models.enums import EventType
    from workflows.discount.types import APPROVAL_TASK, DECISIONS, INFO_TASK, PROCESS_TYPE, DiscountView


def pricing(view: DiscountView) -> dict[str, Any]:
    """Standard, requested and total discount, and what the exception costs on this deal."""
    terms = view.submission.terms
    value = terms.deal_value
    return {
        "deal_value": value,
        "standard_discount": view.standard_discount,
        "requested_discount": terms.requested_discount,
        "total_discount": view.total_discount,
        "net_price": round(value * (1.0 - view.total_discount), 2),
        "exception_cost": round(value * (view.total_discount - view.standard_discount), 2),
    }


def path_steps(view: DiscountView) -> list[dict[str, Any]]:
    """Every step of the path in order (the chain's and the escalations standing in for them)."""
    return [{"position": i, "roles": s.roles, "escalation": s.escalation} for i, s in enumerate(view.steps)]


def _reasons(reasons: list[Reason]) -> list[dict[str, Any]]:
    return [{"code": r.code, "text": r.text, "facts": dict(r.facts)} for r in reasons]


def approval_task(
    view: DiscountView,
    *,
    step: int,
    role: str,
    slot: str,
    due_at: datetime,
    partner_name: str,
    account: str,
    territory: str | None,
) -> TaskOpening:
    """The task of one role at one step of the chain (parallel roles each get their own)."""
    terms = view.submission.terms
    chain = " then ".join(" + ".join(roles) for roles in view.chain)
    given = [f"{a.role} (by {a.by})" for a in view.approvals]
    summary = (
        f"{terms.requested_discount:.1%} on top of standard {view.standard_discount:.1%} "
        f"(total {view.total_discount:.1%}) on {terms.deal_value:,.0f} for {account}. Chain: {chain}"
        + (f"; approved so far: {', '.join(given)}" if given else "")
    )
    return TaskOpening(
        kind=APPROVAL_TASK,
        escalation_level=step,
        slot=slot,
        title=f"Discount {terms.requested_discount:.0%} for {account} by {partner_name}",
        role=role,
        due_at=due_at,
        summary=summary[:2000],
        priority=step,
        value=terms.deal_value,
        partner_id=view.submission.partner_id,
        territory=territory,
        payload={
            "process_type": PROCESS_TYPE,
            "registration_id": view.submission.registration_id,
            "account": account,
            "partner_name": partner_name,
            "partner_tier": view.partner_tier,
            "rulebook_version": view.rulebook_version,
            "terms": asdict(terms),
            "pricing": pricing(view),
            "band": view.band,
            "band_limit": view.band_limit,
            "chain": view.chain,
            "steps": path_steps(view),
            "approvals": [
                {"role": a.role, "by": a.by, "discount": a.discount, "on_behalf_of": a.on_behalf_of}
                for a in view.approvals
            ],
            "reasons": _reasons(view.reasons),
            "pass": view.passes,
            "actions": [str(outcome) for outcome in DECISIONS.outcomes],
        },
    )


def info_task(view: DiscountView, *, step: int, question: str, asked_by: str, account: str) -> TaskOpening:
    """The partner's side of request-more-info: the question waiting for their answer."""
    terms = view.submission.terms
    return TaskOpening(
        kind=INFO_TASK,
        escalation_level=step,
        title=f"Question about your discount request for {account}",
        role="partner",
        due_at=None,
        summary=question[:2000],
        value=terms.deal_value,
        partner_id=view.submission.partner_id,
        assignee=view.submission.submitted_by,
        payload={"process_type": PROCESS_TYPE, "question": question, "asked_by": asked_by},
    )


def escalation_notice(
    account: str, *, from_roles: str, to_role: str, sla_seconds: float
) -> NotificationRecord:
    return NotificationRecord(
        event=EventType.TASK_ESCALATED,
        subject=f"Escalated to you: discount request for {account}",
        body=(
            f"{from_roles} did not decide within the SLA. You have "
            f"{format_duration(timedelta(seconds=sla_seconds))} to decide."
        ),
        recipient_role=to_role,
    )


def partner_notice(view: DiscountView, event: str, subject: str, body: str = "") -> NotificationRecord:
    return NotificationRecord(
        event=event,
        subject=subject,
        body=body,
        recipient_user=view.submission.submitted_by,
        data={"registration_id": view.submission.registration_id},
    )
