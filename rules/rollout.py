"""The rules of a rulebook roll-out: who approves a draft, whether a what-if must come first,
when partners acknowledge it.

Pure functions over the rulebook *in force* (its ``rollout`` section): a draft never governs its
own approval, so a draft that drops the simulation requirement cannot wave itself through.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rules.approval import ApprovalPath, ladder
from rules.enums import DefaultAction
from rules.reasons import Reason, ReasonCode, reason
from rules.registration_eligibility import when
from rules.schema import Rulebook


def approval_path(in_force: Rulebook) -> ApprovalPath:
    """One step: a person of the approving role (never the author), within the SLA; past it the
    draft lapses as if refused (a rule change is never made by a timer)."""
    rollout = in_force.rollout
    return ladder([(rollout.approver_role, rollout.approval_sla.total_seconds())], DefaultAction.REJECT)


@dataclass(frozen=True)
class WhatIf:
    """A what-if run as the gate reads it."""

    run_id: int
    status: str
    baseline_version: str
    proposed_version: str | None


def simulation_gate(in_force: Rulebook, draft_version: str, run: WhatIf | None) -> list[Reason]:
    """Why the draft may not be approved yet for want of a simulation (empty: it may).

    With ``rollout.simulation_required`` a completed what-if must compare this very draft
    against the version in force now."""
    if not in_force.rollout.simulation_required:
        return []
    if run is None:
        return [
            reason(
                ReasonCode.ROLLOUT_SIMULATION_MISSING,
                f"rulebook {in_force.version} requires a completed what-if of {draft_version} "
                f"against it before approval; none is attached",
                draft=draft_version,
                in_force=in_force.version,
            )
        ]
    problems: list[str] = []
    if run.status != "completed":
        problems.append(f"what-if {run.run_id} is {run.status}, not completed")
    if run.proposed_version != draft_version:
        problems.append(
            f"what-if {run.run_id} simulated {run.proposed_version or 'a file'}, not {draft_version}"
        )
    if run.baseline_version != in_force.version:
        problems.append(
            f"what-if {run.run_id} compared against {run.baseline_version}, not {in_force.version} (in force)"
        )
    if not problems:
        return []
    return [
        reason(
            ReasonCode.ROLLOUT_SIMULATION_MISSING,
            "; ".join(problems),
            draft=draft_version,
            in_force=in_force.version,
            run=str(run.run_id),
        )
    ]


def gate_reason(in_force: Rulebook, draft_version: str, run: WhatIf | None) -> Reason:
    """Why the gate is open: a what-if is attached, or the rulebook in force requires none."""
    if not in_force.rollout.simulation_required:
        return reason(
            ReasonCode.ROLLOUT_SIMULATION_WAIVED,
            f"rulebook {in_force.version} does not require a what-if before approval",
            in_force=in_force.version,
        )
    assert run is not None
    return reason(
        ReasonCode.ROLLOUT_SIMULATION_ATTACHED,
        f"what-if {run.run_id} compared {draft_version} against {in_force.version}",
        draft=draft_version,
        in_force=in_force.version,
        run=str(run.run_id),
    )


@dataclass(frozen=True)
class AcknowledgementSchedule:
    deadline: datetime
    reminder_at: datetime


def acknowledgement_schedule(in_force: Rulebook, published_at: datetime) -> AcknowledgementSchedule:
    """When partners must have acknowledged a version published at ``published_at``."""
    rollout = in_force.rollout
    deadline = published_at + rollout.acknowledgement_period
    return AcknowledgementSchedule(deadline, deadline - rollout.acknowledgement_reminder)


def effective_date_problem(effective_from: datetime, now: datetime) -> str | None:
    """Why a version cannot take effect at ``effective_from`` (None: it can)."""
    if effective_from <= now:
        return f"{when(effective_from)} is not in the future (now {when(now)})"
    return None
