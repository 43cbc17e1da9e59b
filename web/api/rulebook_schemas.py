"""Request and response bodies of ``/api/v1/rulebooks``, as pydantic models (see ``schemas``).

A version reads the same for everyone who may see it (its playbook and what changes from the
version in force); staff also read the YAML as written, a partner's user its own partner's
acknowledgement, partner operations the roll-out: who did what and every partner's
acknowledgement. Filled by ``web.api.rulebook_view``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from parley.clients.rollout import MAX_COMMENT, MAX_TEXT
from web.api.schemas import VISIBLE_FREE, Out, ReasonOut, Strict, required_text

OPS_ONLY = "Null (empty) unless the reader holds partner_ops or admin."
STAFF_ONLY = "Null for readers who are not staff (approver roles, admins)."


class RulebookIn(BaseModel):
    """A draft to roll out. ``text`` is kept exactly as sent (comments and layout too), so it is
    not trimmed; every problem of it is named by its field (``effective_from``, ``version``,
    ``registration.protection_period`` ...) with nothing stored."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(max_length=MAX_TEXT, description="The rulebook as YAML.")
    comment: str = Field(max_length=MAX_COMMENT, description="Why this version rolls out.")


class WhatIfIn(Strict):
    run_id: int = Field(ge=1, le=2**31 - 1, description="A completed what-if of this draft.")


class RulebookWithdrawIn(Strict):
    reason: str = required_text(2000, VISIBLE_FREE)


class WhatIfOut(Out):
    run_id: int
    status: str
    baseline_version: str
    proposed_version: str | None
    headline: str


class RolloutTaskOut(Out):
    task_id: int
    kind: str
    role: str
    opened_at: datetime
    due_at: datetime | None


class AcknowledgementOut(Out):
    """One partner asked to acknowledge a published version."""

    partner_id: int
    partner_name: str
    due_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    open: bool = Field(description="Its acknowledgement task is still open.")


class RolloutOut(Out):
    """A roll-out as its workflow reports it (the authority), for partner operations."""

    workflow_id: str
    version: str
    state: str = Field(
        description="draft, approved, scheduled, in_force or withdrawn (refused: nothing was stored)."
    )
    waits_for: Literal["what_if", "approval"] | None = Field(
        description="What a draft waits for: a completed what-if attached, then a second person's approval."
    )
    effective_from: datetime | None
    submitted_by: str
    comment: str
    governed_by: str = Field(description="The version in force at submission: it says who approves.")
    simulation_required: bool
    what_if: WhatIfOut | None
    gate_reasons: list[ReasonOut]
    approval_role: str | None
    approved_by: str | None
    approved_at: datetime | None
    acknowledge_by: datetime | None
    changes: list[str] = Field(description="What changes from the version in force, in words.")
    ended_because: str
    open_tasks: list[RolloutTaskOut]


class OwnAcknowledgementOut(Out):
    """The reading partner's own acknowledgement of a version."""

    asked: bool = Field(description="The partner is asked to acknowledge this version.")
    due_at: datetime | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class RolloutRecordOut(Out):
    """Who did what in a version's roll-out, as recorded (partner operations)."""

    submitted_by: str | None
    comment: str
    approved_by: str | None
    approved_at: datetime | None
    what_if_run_id: int | None
    what_if_headline: str | None
    acknowledge_by: datetime | None
    withdrawn_by: str | None
    withdrawn_reason: str | None
    acknowledgements: list[AcknowledgementOut]


class RulebookRow(Out):
    version: str
    title: str
    effective_from: datetime
    standing: str = Field(
        description="draft, approved, scheduled, in_force, superseded or withdrawn, as of now "
        "(partners read the published ones only)."
    )


class RulebookList(Out):
    items: list[RulebookRow]


class RulebookOut(RulebookRow):
    """A version as the reader may see it."""

    governing: str | None = Field(description="The version in force now.")
    changes: list[str] = Field(
        description="What changes from the version in force, in words (empty for that version itself)."
    )
    playbook: str = Field(description="The partner playbook, as Markdown.")
    text: str | None = Field(description=f"The YAML as written. {STAFF_ONLY}")
    acknowledgement: OwnAcknowledgementOut | None = Field(
        description="For a partner's user: its own partner's acknowledgement; null otherwise."
    )
    rollout: RolloutRecordOut | None = Field(description=f"The roll-out as recorded. {OPS_ONLY}")
