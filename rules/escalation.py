"""The written dispute escalation path: who hears a conflict at each level, how fast, and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.approval import ApprovalPath, ladder
from rules.enums import Channel
from rules.schema import Rulebook


@dataclass(frozen=True)
class EscalationLevel:
    """One level of the written path: who hears the case, how fast, and through which channel."""

    role: str
    response_sla_seconds: float
    channel: Channel


def dispute_levels(rulebook: Rulebook) -> tuple[EscalationLevel, ...]:
    """The levels in order, with the channel each is reached through."""
    return tuple(
        EscalationLevel(level.role, level.response_sla.total_seconds(), level.channel)
        for level in rulebook.escalation.levels
    )


def dispute_path(rulebook: Rulebook) -> ApprovalPath:
    """The levels as an approval path: a resolution at any level settles the case, a passed
    response SLA moves it to the next level, and past the last the default resolution applies
    (the dispute process's, so the path carries no default action of its own)."""
    return ladder([(lvl.role, lvl.response_sla_seconds) for lvl in dispute_levels(rulebook)], None)


def dispute_deadlines(rulebook: Rulebook, opened_at: datetime) -> tuple[datetime, ...]:
    """When each level's response is due if every earlier level used its full SLA."""
    deadlines: list[datetime] = []
    due = opened_at
    for step in dispute_path(rulebook).steps:
        due = due + timedelta(seconds=step.sla_seconds)
        deadlines.append(due)
    return tuple(deadlines)
