"""The written dispute escalation path: who hears a conflict at each level, how fast, and how."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.enums import Channel
from rules.schema import Rulebook


@dataclass(frozen=True)
class EscalationLevel:
    role: str
    response_sla_seconds: float
    channel: Channel


def dispute_path(rulebook: Rulebook) -> tuple[EscalationLevel, ...]:
    """Levels in order; a dispute moves to the next one when a level's response SLA passes."""
    return tuple(
        EscalationLevel(level.role, level.response_sla.total_seconds(), level.channel)
        for level in rulebook.escalation.levels
    )


def dispute_deadlines(rulebook: Rulebook, opened_at: datetime) -> tuple[datetime, ...]:
    """When each level's response is due if every earlier level used its full SLA."""
    deadlines: list[datetime] = []
    due = opened_at
    for level in rulebook.escalation.levels:
        due = due + level.response_sla
        deadlines.append(due)
    return tuple(deadlines)
