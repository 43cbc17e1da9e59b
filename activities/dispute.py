"""Dispute writes, and the dispute's asks of the registration workflows it stands between.

The writes (the opening with its first statement, each transition with its thread entries) are
idempotent, so Temporal may retry them after a crash. The asks send a registration workflow one
of its dispute updates (``contest``, ``dispute_outcome``) with an update id of the dispute's own:
asked again after a crash, the server answers the first outcome, or, once the registration has
ended, its view says whether the outcome was applied.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

from activities.projection import Projection, ProjectionResult, apply_projection
from parley.errors import NotFound, ValidationFailed
from store.crud.disputes import add_statement, create_dispute, update_dispute
from store.engine import session_scope


@dataclass
class ThreadWrite:
    """One case-thread entry; ``key`` makes a retried write a no-op."""

    key: str
    side: str
    author: str
    text: str
    at: datetime


@dataclass
class DisputeOpeningInput:
    """The dispute as its row records it (activities never import workflows)."""

    workflow_id: str
    contest_key: str
    claimant_side: str
    respondent_side: str
    claimant_partner_id: int | None
    respondent_partner_id: int | None
    claimant_registration_id: str | None
    respondent_registration_id: str | None
    product_line: str
    contested_codes: list[str]
    opened_by: str
    rulebook_version: str
    statement: ThreadWrite


@dataclass
class DisputeTransition:
    """A state change: the row, new thread entries and the generic projection, atomically."""

    workflow_id: str
    state: str
    at: datetime
    projection: Projection
    level: int | None
    due_at: datetime | None
    resolution: str | None = None
    resolved_by_default: bool = False
    reason_codes: list[str] | None = None
    statements: list[ThreadWrite] = field(default_factory=list)


@activity.defn
def record_dispute_opening(opening: DisputeOpeningInput) -> None:
    try:
        with session_scope() as session:
            create_dispute(
                session=session,
                data={
                    "workflow_id": opening.workflow_id,
                    "contest_key": opening.contest_key,
                    "claimant_side": opening.claimant_side,
                    "respondent_side": opening.respondent_side,
                    "claimant_partner_id": opening.claimant_partner_id,
                    "respondent_partner_id": opening.respondent_partner_id,
                    "claimant_registration_id": opening.claimant_registration_id,
                    "respondent_registration_id": opening.respondent_registration_id,
                    "product_line": opening.product_line,
                    "contested_codes": opening.contested_codes,
                    "opened_by": opening.opened_by,
                    "rulebook_version": opening.rulebook_version,
                },
            )
            _write(session, opening.workflow_id, [opening.statement])
    except (ValidationFailed, NotFound) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc


@activity.defn
def record_dispute_transition(transition: DisputeTransition) -> ProjectionResult:
    with session_scope() as session:
        update_dispute(
            session=session,
            workflow_id=transition.workflow_id,
            state=transition.state,
            at=transition.at,
            level=transition.level,
            due_at=transition.due_at,
            resolution=transition.resolution,
            resolved_by_default=transition.resolved_by_default,
            reason_codes=transition.reason_codes,
        )
        _write(session, transition.workflow_id, transition.statements)
        return apply_projection(session, transition.projection)


def _write(session: Any, workflow_id: str, statements: list[ThreadWrite]) -> None:
    for entry in statements:
        add_statement(
            session=session,
            key=entry.key,
            dispute_workflow_id=workflow_id,
            side=entry.side,
            author=entry.author,
            text=entry.text,
            at=entry.at,
        )


# --- asks of the registrations ----------------------------------------------------------------


@dataclass
class RegistrationAsk:
    """Send ``update`` (``contest`` or ``dispute_outcome``) to a registration workflow.

    ``applied_in`` names the list of the registration's view that holds ``dispute_id`` once the
    update is applied (``disputes``, ``dispute_outcomes``): how a retry after the registration
    ended learns that it was."""

    registration_id: str
    update: str
    update_id: str
    dispute_id: str
    applied_in: str
    payload: dict[str, Any]


@dataclass
class RegistrationAnswer:
    applied: bool
    state: str
    refusal: str = ""


@activity.defn
async def ask_registration(ask: RegistrationAsk) -> RegistrationAnswer:
    """Send the update; ``update == "view"`` only reads whether the registration is still open
    to the dispute (a rejection held for it), before anything is moved."""
    handle = activity.client().get_workflow_handle(ask.registration_id)
    if ask.update == "view":
        view = await handle.query("view_state")
        state = str(view["state"])
        held = state == "rejected" and view.get("appeal_until") is not None
        return RegistrationAnswer(
            held, state, "" if held else f"the contesting partner's registration is {state}"
        )
    try:
        view = await handle.execute_update(ask.update, ask.payload, id=ask.update_id)
        return RegistrationAnswer(True, str(view["state"]))
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.non_retryable:
            return RegistrationAnswer(False, await _state(handle), str(cause.message))
        raise
    except RPCError:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            raise  # a passing failure (e.g. "workflow not ready"): Temporal asks again
        # The registration has ended: its final view says whether this outcome was applied.
        view = await handle.query("view_state")
        applied = ask.dispute_id in view.get(ask.applied_in, [])
        state = str(view["state"])
        return RegistrationAnswer(applied, state, "" if applied else f"the registration is {state}")


async def _state(handle: Any) -> str:
    view = await handle.query("view_state")
    return str(view["state"])
