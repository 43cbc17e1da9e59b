"""Exit writes, the facts an exit's rules need, and the exit's asks of its partner's registrations.

The writes (the opening, each transition with the partner's status and access and the
dispositions) are idempotent, so Temporal may retry them after a crash. The asks send each open
registration the ``exit_disposition`` update with an update id of the exit's own, and start a
transferee's registration under an id derived from the transferred one: asked again after a
crash, the server answers the first outcome, or the registration's final view says whether the
disposition was applied, and the transferee's registration is found already started. So every
registration is disposed of exactly once however often a batch is retried.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities.projection import Projection, ProjectionResult, apply_projection
from parley.errors import NotFound, ValidationFailed
from rules.exit import TransferCandidate, registered_the_same
from rules.facts import ExistingRegistration, PartnerFacts, RegistrationRequest
from store.crud.exits import (
    DispositionRecord,
    ExitTimeline,
    create_exit,
    open_registrations,
    other_registrations_of_account,
    record_dispositions,
    update_exit,
)
from store.crud.registrations import get_registration
from store.engine import session_scope
from store.models import Partner
from store.rules_view import existing_registration, partner_facts, registration_request


@dataclass
class ExitOpeningInput:
    workflow_id: str
    partner_id: int
    exit_type: str
    why: str
    started_by: str
    rulebook_version: str


@dataclass
class ExitOpened:
    partner_name: str


@activity.defn
def record_exit_opening(opening: ExitOpeningInput) -> ExitOpened:
    """The exit's row; refused (non-retryable, naming the field) when the partner cannot exit."""
    try:
        with session_scope() as session:
            row = create_exit(
                session=session,
                workflow_id=opening.workflow_id,
                partner_id=opening.partner_id,
                exit_type=opening.exit_type,
                why=opening.why,
                started_by=opening.started_by,
                rulebook_version=opening.rulebook_version,
            )
            partner = session.get(Partner, row.partner_id)
            return ExitOpened(partner.name if partner is not None else "")
    except (ValidationFailed, NotFound) as exc:
        raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc


@dataclass
class ExitTransition:
    """A state change: the row, the partner's status and access, dispositions, the projection."""

    workflow_id: str
    state: str
    at: datetime
    projection: Projection
    reason_codes: list[str] | None = None
    timeline: ExitTimeline | None = None
    ends_at: datetime | None = None
    dispositions: list[DispositionRecord] = field(default_factory=list)


@activity.defn
def record_exit_transition(transition: ExitTransition) -> ProjectionResult:
    with session_scope() as session:
        update_exit(
            session=session,
            workflow_id=transition.workflow_id,
            state=transition.state,
            at=transition.at,
            reason_codes=transition.reason_codes,
            timeline=transition.timeline,
            ends_at=transition.ends_at,
        )
        record_dispositions(
            session=session,
            exit_workflow_id=transition.workflow_id,
            records=transition.dispositions,
            at=transition.at,
        )
        return apply_projection(session, transition.projection)


# --- facts --------------------------------------------------------------------------------------


@dataclass
class OpenRegistration:
    """One of the exiting partner's registrations as the rules see it, with its deal."""

    existing: ExistingRegistration
    deal: RegistrationRequest
    state: str


@dataclass
class OpenRegistrationsRequest:
    """The partner's open registrations, and ``also`` these (open or not: how they stand now)."""

    partner_id: int
    also: list[str] = field(default_factory=list)


@activity.defn
def gather_open_registrations(request: OpenRegistrationsRequest) -> list[OpenRegistration]:
    with session_scope() as session:
        rows = open_registrations(session=session, partner_id=request.partner_id)
        seen = {row.workflow_id for row in rows}
        rows += [
            get_registration(session=session, workflow_id=registration_id)
            for registration_id in request.also
            if registration_id not in seen
        ]
        return [
            OpenRegistration(existing_registration(row), registration_request(row), row.state) for row in rows
        ]


@dataclass
class CandidatesRequest:
    registration_ids: list[str]
    at: datetime


@activity.defn
def gather_transfer_candidates(request: CandidatesRequest) -> dict[str, list[TransferCandidate]]:
    """For each registration, the other partners that registered the same account and product
    line, each as the rules see it at ``at``."""
    found: dict[str, list[TransferCandidate]] = {}
    with session_scope() as session:
        for registration_id in request.registration_ids:
            row = get_registration(session=session, workflow_id=registration_id)
            deal, candidates = registration_request(row), []
            for other in other_registrations_of_account(session=session, registration=row):
                if not registered_the_same(deal, registration_request(other)):
                    continue  # the query narrows by stored key; the rule decides
                partner = session.get(Partner, other.partner_id)
                assert partner is not None
                facts = partner_facts(partner, request.at)
                candidates.append(TransferCandidate(other.workflow_id, other.submitted_at, facts))
            found[registration_id] = candidates
    return found


@dataclass
class PartnerRequest:
    partner_id: int
    at: datetime


@activity.defn
def partner_as_ruled(request: PartnerRequest) -> PartnerFacts | None:
    """A partner as the rules see it now (None: no such partner)."""
    with session_scope() as session:
        partner = session.get(Partner, request.partner_id)
        return partner_facts(partner, request.at) if partner is not None else None


# --- asks of the registrations ------------------------------------------------------------------


@dataclass
class TransfereeStart:
    """The transferee's registration of the deal: started under the registration workflow's own
    type, holding the account the transferred registration handed it."""

    workflow_id: str
    submission: dict[str, Any]


@dataclass
class DispositionAsk:
    registration_id: str
    update_id: str
    payload: dict[str, Any]
    transferee: TransfereeStart | None = None


@dataclass
class DispositionAnswer:
    registration_id: str
    applied: bool
    state: str
    refusal: str = ""


@activity.defn
async def dispose_registrations(asks: list[DispositionAsk]) -> list[DispositionAnswer]:
    """Send each registration its disposition; start each transferee's registration after the
    transferred one handed it the account. Heartbeats after each, so a stuck batch is retried."""
    client = activity.client()
    answers = []
    for ask in asks:
        answer = await _ask(client, ask)
        if answer.applied and ask.transferee is not None:
            await _start_transferee(client, ask.transferee)
        answers.append(answer)
        activity.heartbeat(len(answers))
    return answers


async def _ask(client: Any, ask: DispositionAsk) -> DispositionAnswer:
    handle = client.get_workflow_handle(ask.registration_id)
    exit_id = ask.payload["disposition"]["exit_id"]
    try:
        view = await handle.execute_update("exit_disposition", ask.payload, id=ask.update_id)
        return DispositionAnswer(ask.registration_id, True, str(view["state"]))
    except WorkflowUpdateFailedError as failed:
        cause = failed.cause
        if isinstance(cause, ApplicationError) and cause.non_retryable:
            view = await handle.query("view_state")
            applied = view.get("exit_id") == exit_id  # a retry after the first ask applied it
            refusal = "" if applied else str(cause.message)
            return DispositionAnswer(ask.registration_id, applied, str(view["state"]), refusal)
        raise
    except RPCError:
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            raise  # a passing failure: Temporal asks again
        view = await handle.query("view_state")
        applied = view.get("exit_id") == exit_id
        state = str(view["state"])
        return DispositionAnswer(ask.registration_id, applied, state, "" if applied else f"it is {state}")


async def _start_transferee(client: Any, start: TransfereeStart) -> None:
    with suppress(WorkflowAlreadyStartedError):  # started by an earlier attempt of this batch
        await client.start_workflow(
            "RegistrationWorkflow",
            start.submission,
            id=start.workflow_id,
            task_queue=activity.info().task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )


def transferee_key(registration_id: str) -> str:
    """The transferee's request key for a transferred registration: one per registration, so a
    retried start finds the same workflow and the key says nothing of the exiting partner's."""
    return "transfer-" + hashlib.sha256(registration_id.encode()).hexdigest()[:16]
