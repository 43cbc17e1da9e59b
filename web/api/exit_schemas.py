"""Request and response bodies of ``/api/v1/exits``, as pydantic models (see ``schemas``).

One shape for every reader, filled by ``web.api.exit_view``: staff read every field; the exiting
partner reads its exit's type, state and dates and each of its registrations' disposition, with
the reasons in the rulebook's words; a transferee only as "another partner" (the fields that
would name it, and who at the vendor did what, are null or empty).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from parley.clients.exit import MAX_WHY
from rules.enums import ExitType
from store.models.enums import ExitState
from web.api.schemas import (
    MAX_ID,
    VISIBLE_FREE,
    Out,
    PartnerId,
    Query,
    ReasonOut,
    Strict,
    Text,
    TransitionOut,
    required_text,
)

# Said once, in the document of every field the exiting partner does not read.
STAFF_ONLY = "Null for the exiting partner's users."


class ExitIn(Strict):
    partner_id: PartnerId = Field(description="The partner given notice.")
    exit_type: ExitType
    why: str = Field(
        min_length=1,
        max_length=MAX_WHY,
        pattern=VISIBLE_FREE,
        description="Why the partnership ends: the partner and the audit read it.",
    )


class ExitCancelIn(Strict):
    reason: str = required_text(2000, VISIBLE_FREE)


class TransfereeIn(Strict):
    registration_id: str = required_text(200)
    partner_id: PartnerId | None = Field(
        description="The partner that takes the registration over; null returns it to direct sales."
    )
    comment: str = Text


class DispositionOut(Out):
    """What the exit does with one of the partner's open registrations."""

    registration_id: str
    disposition: str = Field(description="honour_until_expiry, transfer or return_to_direct.")
    state: str = Field(description="planned, awaiting_choice, honoured, applied or ended.")
    effective_at: datetime
    registration_state: str
    expires_at: datetime | None
    goes_to: str | None = Field(
        description=(
            "Who has the registration: another partner, direct sales, or it stays with the partner "
            "until it expires (null: partner operations are choosing)."
        )
    )
    reasons: list[ReasonOut] = Field(
        description="For the exiting partner: the rulebook's words only, without facts."
    )
    transferee_partner_id: int | None = Field(description=STAFF_ONLY)
    transferee_registration_id: str | None = Field(description=STAFF_ONLY)


class ExitTaskOut(Out):
    task_id: int
    kind: str
    role: str
    escalation_level: int
    opened_at: datetime
    due_at: datetime | None


class ExitCommon(Out):
    workflow_id: str
    state: str
    exit_type: str
    partner_id: int
    why: str
    started_by: str | None = Field(description=STAFF_ONLY)
    rulebook_version: str
    notice_given_at: datetime | None
    notice_ends_at: datetime | None
    access_revoked_at: datetime | None
    commission_ends_at: datetime | None
    mdf_ends_at: datetime | None
    ends_at: datetime | None = Field(description="When the wind-down ends (null until notice has ended).")


class ExitOut(ExitCommon):
    """An exit as its workflow reports it (the authority)."""

    partner_name: str
    approval_role: str | None = Field(description=f"Who must approve it first, for cause. {STAFF_ONLY}")
    approved_by: str | None = Field(description=STAFF_ONLY)
    ended_because: str | None = Field(description=STAFF_ONLY)
    dispositions: list[DispositionOut]
    open_tasks: list[ExitTaskOut] = Field(description="Empty for the exiting partner.")
    history: list[TransitionOut] = Field(description="Empty for the exiting partner.")


class ExitRow(ExitCommon):
    """An exit as the listing shows it (the database projection)."""

    opened_at: datetime
    updated_at: datetime


class ExitPage(Out):
    items: list[ExitRow]
    total: int
    page: int
    per_page: int


class ExitQuery(Query):
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    state: ExitState | None = None
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)
