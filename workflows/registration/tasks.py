"""How a registration's human tasks and notices look in the inbox: pure builders, no I/O.

The inbox is generic, so everything it shows about a registration travels in the task row:
title, summary, role, due time, value, partner, territory, and a payload with the submission,
the rulebook's reasons in words and the similar registrations found.
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
    from rules.registration import Match
    from store.models.enums import EventType
    from workflows.registration.types import (
        DECISIONS,
        INFO_TASK,
        PROCESS_TYPE,
        REVIEW_TASK,
        RegistrationSubmission,
    )


def reasons_payload(reasons: list[Reason]) -> list[dict[str, Any]]:
    return [{"code": r.code, "text": r.text, "facts": dict(r.facts)} for r in reasons]


def matches_payload(matches: list[Match]) -> list[dict[str, Any]]:
    return [
        {
            "registration_id": m.registration_id,
            "partner_id": m.partner_id,
            "account_name": m.account_name,
            "account_domain": m.account_domain,
            "product_line": m.product_line,
            "state": str(m.state),
            "submitted_at": m.submitted_at.isoformat(),
            "similarity": round(m.similarity, 3),
            "basis": m.basis,
            "reason_code": m.reason_code,
        }
        for m in matches
    ]


def review_task(
    sub: RegistrationSubmission,
    *,
    level: int,
    role: str,
    slot: str,
    due_at: datetime,
    partner_name: str,
    rulebook_version: str,
    reasons: list[Reason],
    matches: list[Match],
    route: list[str],
    answers: list[str],
) -> TaskOpening:
    """The approval task for one level of the route (level 0 first, escalations after)."""
    escalated = f" — escalated to level {level + 1}" if level else ""
    why = "; ".join(r.text for r in reasons if r.code != "approval.required") or next(
        (r.text for r in reasons), "the rulebook asks for a person to decide"
    )
    return TaskOpening(
        kind=REVIEW_TASK,
        escalation_level=level,
        title=f"Deal registration: {sub.account_name} / {sub.product_line} by {partner_name}{escalated}",
        role=role,
        due_at=due_at,
        summary=f"{format_value(sub.deal_value)} in {sub.territory} ({sub.vertical}). {why}"[:2000],
        priority=level,
        value=sub.deal_value,
        partner_id=sub.partner_id,
        territory=sub.territory,
        slot=slot,
        payload={
            "process_type": PROCESS_TYPE,
            "submission": asdict(sub),
            "partner_name": partner_name,
            "rulebook_version": rulebook_version,
            "reasons": reasons_payload(reasons),
            "matches": matches_payload(matches),
            "route": route,
            "level": level,
            "answers": answers,
            "actions": [str(outcome) for outcome in DECISIONS.outcomes],
        },
    )


def info_task(
    sub: RegistrationSubmission, *, level: int, question: str, asked_by: str, partner_name: str
) -> TaskOpening:
    """The partner's side of request-more-info: the question waiting for their answer."""
    return TaskOpening(
        kind=INFO_TASK,
        escalation_level=level,
        title=f"Question about your registration of {sub.account_name} / {sub.product_line}",
        role="partner",
        due_at=None,
        summary=question[:2000],
        value=sub.deal_value,
        partner_id=sub.partner_id,
        territory=sub.territory,
        assignee=sub.submitted_by,
        payload={
            "process_type": PROCESS_TYPE,
            "submission": asdict(sub),
            "partner_name": partner_name,
            "question": question,
            "asked_by": asked_by,
            "actions": ["provide_info"],
        },
    )


def escalation_notice(
    sub: RegistrationSubmission, *, from_role: str, to_role: str, sla_seconds: float
) -> NotificationRecord:
    return NotificationRecord(
        event=EventType.TASK_ESCALATED,
        subject=f"Escalated to you: deal registration {sub.account_name} / {sub.product_line}",
        body=(
            f"{from_role} did not decide within the SLA. You have "
            f"{format_duration(timedelta(seconds=sla_seconds))} to decide."
        ),
        recipient_role=to_role,
    )


def partner_notice(
    sub: RegistrationSubmission, event: str, subject: str, body: str = ""
) -> NotificationRecord:
    return NotificationRecord(event=event, subject=subject, body=body, recipient_user=sub.submitted_by)


def format_value(value: float) -> str:
    return f"{value:,.0f}"
