"""Request and response bodies of the JSON API, as pydantic models.

The OpenAPI document's schemas are generated from these same models, and every view validates
its input and builds its output with them, so the document cannot drift from the code.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from store.models.enums import RegistrationState
from web.kinds import kinds

MAX_ID = 2**31 - 1  # ids are 32-bit: a larger number cannot name a row


def _process_types() -> list[str]:
    return list(kinds())


def _decision_words() -> list[str]:
    """Every decision word the installed kinds' vocabularies hold."""
    return sorted({str(word) for kind in kinds().values() for word in kind.outcomes})


# No text may carry a NUL: PostgreSQL cannot store it, so it is refused here, naming the field,
# rather than failing deep in a process. Free text keeps tabs and line breaks; one-line values
# (filters, domains) take no control character at all — the C1 controls (U+0080-U+009F) included.
_FREE_CHAR = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
_LINE_CHAR = r"[^\x00-\x1f\x7f-\x9f]"
_SEEN_CHAR = r"[^\s\x00-\x1f\x7f-\x9f]"
FREE_TEXT = rf"^{_FREE_CHAR}*$"
ONE_LINE = rf"^{_LINE_CHAR}*$"
Text = Field(default="", max_length=2000, pattern=FREE_TEXT)
# Required text: at least one visible character; one line, or free text (an answer may run over
# several lines).
VISIBLE = rf"^{_LINE_CHAR}*{_SEEN_CHAR}{_LINE_CHAR}*$"
VISIBLE_FREE = rf"^{_FREE_CHAR}*{_SEEN_CHAR}{_FREE_CHAR}*$"


def required_text(max_length: int, pattern: str = VISIBLE) -> Any:
    return Field(min_length=1, max_length=max_length, pattern=pattern)


def _json_number(value: object) -> object:
    # JSON true/false is not a number, although Python's bool is an int; and a body's number is
    # a JSON number, not text that looks like one (pydantic would otherwise parse "5").
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if not isinstance(value, int | float):
        raise ValueError("must be a JSON number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


JsonFloat = Annotated[float, BeforeValidator(_json_number)]
PartnerId = Annotated[
    int,
    Field(ge=1, le=MAX_ID),
    BeforeValidator(_json_number),
    WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
]


class Trimmed(BaseModel):
    """Input models: unknown fields are refused by name rather than silently dropped, and text
    is trimmed *after* its checks, so lengths and patterns apply to the text as sent (exactly
    what the OpenAPI document states)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _trim(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value


class Strict(Trimmed):
    """Request bodies: numbers must be JSON numbers (``Json*`` types)."""


class Query(Trimmed):
    """Query strings: every value arrives as text, so numbers and booleans are parsed from it."""


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Problem(Out):
    field: str
    message: str


class ErrorDetail(Out):
    status: int
    message: str
    problems: list[Problem]


class ErrorBody(Out):
    error: ErrorDetail


class Me(Out):
    username: str
    display_name: str
    roles: list[str]
    partner_id: int | None
    acting_for: list[str]


class TaskOut(Out):
    id: int
    process_type: str
    process_id: str
    kind: str
    title: str
    role: str
    assignee: str | None
    claimed_by: str | None
    state: str
    outcome: str | None
    escalation_level: int
    priority: int
    value: float | None
    partner_id: int | None
    territory: str | None
    due_at: datetime | None
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    on_behalf_of: str | None
    summary: str
    slot: str = Field(description="Tells the parallel tasks of one step apart (empty when it has one).")
    process_state: str | None = Field(default=None, description="Where the task's process stands now.")
    process_url: str | None = Field(default=None, description="The page that shows the process, if any.")
    decisions: list[str] = Field(
        default_factory=list, description="The decisions this task takes (its process's vocabulary)."
    )
    escalates: bool = Field(
        default=False, description="Whether POST /tasks/{task_id}/escalate may send it up its path now."
    )


class InboxTask(TaskOut):
    queue: str
    acting_on_behalf_of: str | None = Field(
        description="The delegator, when this task is yours by delegation."
    )


class TaskPage(Out):
    items: list[InboxTask]
    total: int
    page: int
    per_page: int


class DecisionIn(Strict):
    outcome: str = Field(
        max_length=40,
        json_schema_extra=lambda schema: schema.update(enum=list(_decision_words())),
        description="One of the task's ``decisions`` (its process kind's vocabulary).",
    )
    comment: str = Text

    @field_validator("outcome")
    @classmethod
    def _known(cls, value: str) -> str:
        words = _decision_words()
        if value not in words:
            raise ValueError(f"must be one of {', '.join(words)}")
        return value


class EscalateIn(Strict):
    comment: str = Text


class DecisionOut(Out):
    accepted: bool
    message: str
    process_state: str | None
    task: TaskOut


class RegistrationIn(Strict):
    request_key: str = Field(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")
    account_name: str = required_text(200)
    account_domain: str | None = Field(default=None, max_length=253, pattern=ONE_LINE)
    territory: str = required_text(40)
    vertical: str = required_text(60)
    product_line: str = required_text(60)
    deal_value: JsonFloat = Field(ge=0, le=1e12)
    notes: str = Text
    partner_id: PartnerId | None = Field(
        default=None, description="Only for integrators acting for a partner; partner users omit it."
    )


class ExtendIn(Strict):
    comment: str = Text


class CloseIn(Strict):
    outcome: Literal["won", "lost"]
    comment: str = Text


class WithdrawIn(Strict):
    comment: str = Text


class InfoIn(Strict):
    answer: str = required_text(2000, VISIBLE_FREE)


class ReasonOut(Out):
    code: str
    text: str
    facts: dict[str, str] = {}


class OpenTaskOut(Out):
    task_id: int
    kind: str
    role: str
    escalation_level: int
    opened_at: datetime
    due_at: datetime | None
    question: str = ""


class TransitionOut(Out):
    at: datetime
    actor: str
    action: str
    before: str
    after: str
    reason_codes: list[str] = []
    on_behalf_of: str | None = None
    comment: str = ""


class ExtensionOut(Out):
    requested_at: datetime
    actor: str
    granted: bool
    reason_codes: list[str] = []
    new_expires_at: datetime | None = None


class RegistrationCommon(Out):
    """What every view of a registration carries: the submission and where it stands."""

    workflow_id: str
    state: str
    partner_id: int
    request_key: str
    account_name: str
    account_domain: str | None
    territory: str
    vertical: str
    product_line: str
    deal_value: float


class DisputeLink(Out):
    """A dispute a registration stands in, as the registration's answer links it."""

    workflow_id: str
    side: str = Field(description="claimant or respondent: the registration's side of it.")
    state: str
    resolution: str | None


class RegistrationOut(RegistrationCommon):
    """A registration as its workflow reports it (the authority, fresher than any listing)."""

    notes: str = Field(default="", description="What the partner wrote beside the submission.")
    rulebook_version: str
    submitted_at: datetime | None
    decided_at: datetime | None
    expires_at: datetime | None
    extensions_used: int
    reasons: list[ReasonOut]
    open_task: OpenTaskOut | None
    extensions: list[ExtensionOut]
    history: list[TransitionOut]
    discounts: list[str] = Field(
        default_factory=list, description="The discount requests that price it (their workflow ids)."
    )
    disputes: list[DisputeLink] = Field(
        default_factory=list, description="The disputes it stands in, oldest first (GET /disputes/{id})."
    )


class ProcessAccepted(Out):
    """A process that was started and recorded but had not decided within the wait (202): it
    decides as soon as its workers get to it; GET ``url`` for its decision."""

    workflow_id: str
    state: str = Field(description="Where the process stood when the wait ended.")
    url: str = Field(description="Where to read it (also the Location header).")
    message: str


class RegistrationRow(RegistrationCommon):
    """A registration as the listing shows it (the database projection)."""

    submitted_at: datetime
    decided_at: datetime | None
    expires_at: datetime | None
    extensions_used: int
    last_reason_codes: list[str]


class RegistrationPage(Out):
    items: list[RegistrationRow]
    total: int
    page: int
    per_page: int


class AuditEventOut(Out):
    id: int
    process_type: str
    process_id: str
    at: datetime
    actor: str
    on_behalf_of: str | None
    action: str
    rulebook_version: str | None
    reason_codes: list[str]
    before_state: str | None
    after_state: str | None
    detail: dict[str, object]


class AuditPage(Out):
    items: list[AuditEventOut]
    total: int
    page: int
    per_page: int


class TaskQuery(Query):
    queue: str | None = Field(
        default=None,
        max_length=200,
        pattern=r"^(mine|role:[a-z_]+|delegated:[a-z0-9][a-z0-9_.-]*)$",
        description="mine, role:<role> or delegated:<username>; a queue that is not yours is empty.",
    )
    process_type: str | None = Field(
        default=None,
        max_length=20,
        json_schema_extra=lambda schema: schema.update(enum=list(_process_types())),
        description="Only tasks of this process type.",
    )

    @field_validator("process_type")
    @classmethod
    def _installed(cls, value: str | None) -> str | None:
        if value is not None and value not in kinds():
            raise ValueError(f"must be one of {', '.join(_process_types())}")
        return value

    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    territory: str | None = Field(default=None, max_length=40, pattern=ONE_LINE)
    overdue: bool = False
    due_soon: bool = False
    sort: Literal["due_at", "priority", "value"] = "due_at"
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=25, ge=1, le=200)


class RegistrationQuery(Query):
    partner_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    account: str | None = Field(default=None, max_length=200, pattern=ONE_LINE)
    state: RegistrationState | None = None
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=50, ge=1, le=200)


class AuditQuery(Query):
    process_id: str | None = Field(default=None, max_length=200, pattern=ONE_LINE)
    actor: str | None = Field(default=None, max_length=120, pattern=ONE_LINE)
    page: int = Field(default=1, ge=1, le=100000)
    per_page: int = Field(default=100, ge=1, le=200)
