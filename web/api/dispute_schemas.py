"""Request and response bodies of ``/api/v1/disputes``, as pydantic models (see ``schemas``).

One shape for every reader, filled by ``web.api.dispute_view``: staff read every field; a partner
reads its own side in full and the other side only as "another partner" or "direct sales" with
its dates (the fields that would name it are null), and only its own and the deciders' thread.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from store.models.enums import DisputeState
from web.api.schemas import (
    MAX_ID,
    VISIBLE_FREE,
    Out,
    Query,
    ReasonOut,
    Strict,
    TransitionOut,
    required_text,
)
from workflows.dispute.validation import MAX_STATEMENT

# Said once, in the document of every field a partner cannot see of the other side.
HIDDEN = "Null for a partner reading the other side."


class DisputeIn(Strict):
    registration_id: str = required_text(200)
    statement: str = Field(
        min_length=1,
        max_length=MAX_STATEMENT,
        pattern=VISIBLE_FREE,
        description="Why the decision should change; both levels and the other side's deciders read it.",
    )


class StatementIn(Strict):
    statement: str = Field(min_length=1, max_length=MAX_STATEMENT, pattern=VISIBLE_FREE)


class PartyOut(Out):
    """One side of a dispute."""

    side: str = Field(description="claimant or respondent.")
    party: str = Field(description="partner or direct (direct sales).")
    you: bool = Field(description="The reader stands on this side.")
    described_as: str = Field(description="How the other side is named: another partner, direct sales.")
    partner_id: int | None = Field(description=HIDDEN)
    partner_name: str | None = Field(description=HIDDEN)
    registration_id: str | None = Field(description=HIDDEN)
    account_name: str | None = Field(description=f"This side's spelling of the account. {HIDDEN}")
    account_domain: str | None = Field(description=HIDDEN)
    state: str | None = Field(description=f"The registration's state now. {HIDDEN}")
    submitted_at: datetime | None
    decided_at: datetime | None
    expires_at: datetime | None = Field(description="Protected until.")


class ThreadEntryOut(Out):
    at: datetime
    side: str = Field(description="claimant, respondent, or path (those hearing the dispute).")
    author: str = Field(description="For a partner, vendor staff appear as their role.")
    text: str


class DisputeTaskOut(Out):
    task_id: int
    kind: str
    role: str
    slot: str
    escalation_level: int
    due_at: datetime | None


class DisputeCommon(Out):
    workflow_id: str
    state: str
    you_are: str | None = Field(description="claimant or respondent for a party, null for staff.")
    product_line: str
    contested_codes: list[str]
    level: int | None = Field(description="The level hearing the case, 1 for the first (null: none yet).")
    due_at: datetime | None = Field(description="When the level hearing it (or the parties) must answer.")
    resolution: str | None
    resolved_by_default: bool
    resolved_at: datetime | None


class DisputeOut(DisputeCommon):
    """A dispute as its workflow reports it (the authority)."""

    contested: list[str] = Field(description="The contested decision in the rulebook's words.")
    claimant: PartyOut
    respondent: PartyOut
    rulebook_version: str
    opened_at: datetime | None
    opened_by: str | None = Field(
        description="Who opened it; for a partner, vendor staff appear as their role (null: the other side)."
    )
    hearing_until: datetime | None = Field(description="The parties give their statements until then.")
    statements_given: list[str]
    levels: list[str] = Field(description="The escalation path's roles, in order.")
    level_role: str | None
    outcome: ReasonOut | None = Field(description="The reason both parties read; it names sides only.")
    ended_because: str
    thread: list[ThreadEntryOut]
    open_tasks: list[DisputeTaskOut] = Field(description="For a partner: its own statement task only.")
    history: list[TransitionOut] = Field(description="Empty for a partner.")


class PartyRow(Out):
    side: str
    party: str
    you: bool
    described_as: str
    partner_id: int | None = Field(description=HIDDEN)
    registration_id: str | None = Field(description=HIDDEN)
    account_name: str | None = Field(description=HIDDEN)


class DisputeRow(DisputeCommon):
    """A dispute as the listing shows it (the database projection)."""

    claimant: PartyRow
    respondent: PartyRow
    opened_at: datetime
    updated_at: datetime


class DisputePage(Out):
    items: list[DisputeRow]
    total: int
    page: int
    per_page: int


class DisputeQuery(Query):
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    state: DisputeState | None = None
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)
