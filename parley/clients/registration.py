"""The typed Python client of the registration process, used by the CLI and the web app.

Every call is bounded: a Temporal server that is down, or an update that no worker picks up,
becomes ``ServiceUnavailable`` within a few seconds instead of a hang, and a process that
refuses an action becomes ``DecisionRefused`` with the workflow's reason.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from parley.constants import SearchAttribute
from parley.errors import DecisionRefused, FieldProblem, NotFound, ServiceUnavailable, ValidationFailed
from parley.settings import Settings, get_settings
from parley.temporal_client import connect
from store.crud.partners import get_partner
from store.crud.registration_process import actor_authority
from store.engine import engine_for
from workflows.human.authority import Acting, ActorAuthority, Delegator
from workflows.human.updates import (
    DecideUpdate,
    DecisionInput,
    EscalateInput,
    EscalateUpdate,
    ProvideInfoInput,
    ProvideInfoUpdate,
)
from workflows.registration import RegistrationWorkflow
from workflows.registration.types import (
    PROCESS_TYPE,
    CloseInput,
    CloseOutcome,
    CloseUpdate,
    ExtendInput,
    ExtendUpdate,
    RegistrationSubmission,
    RegistrationView,
    SettledRequest,
    WithdrawInput,
    WithdrawUpdate,
    registration_workflow_id,
)

T = TypeVar("T")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")
_APPROVAL_SERVICE = ServiceUnavailable("approval service", "not available, try again")


@dataclass
class RegistrationSummary:
    """One line of ``list``: what Temporal's visibility store knows without asking a worker."""

    workflow_id: str
    state: str
    partner: str
    territory: str
    due_at: datetime | None
    status: str
    started_at: datetime


class RegistrationClient:
    """Start, read and act on registrations. ``await RegistrationClient.connect(settings)``."""

    def __init__(self, client: Client, settings: Settings, *, rpc_timeout: float = 5.0) -> None:
        self._client = client
        self._settings = settings
        self._rpc_timeout = timedelta(seconds=rpc_timeout)

    @classmethod
    async def connect(
        cls, settings: Settings | None = None, *, rpc_timeout: float = 5.0
    ) -> RegistrationClient:
        settings = settings or get_settings()
        return cls(await connect(settings), settings, rpc_timeout=rpc_timeout)

    @property
    def temporal(self) -> Client:
        return self._client

    # --- processes ----------------------------------------------------------------------------

    async def start(
        self, submission: RegistrationSubmission, *, settle_timeout: float = 10.0
    ) -> RegistrationView:
        """Start the process (or find the one a retried submission already started).

        Waits up to ``settle_timeout`` seconds for the rules' first decision, so the view says
        approved, rejected or pending approval rather than just submitted.
        """
        await asyncio.to_thread(self._check_submission, submission)
        workflow_id = registration_workflow_id(submission.partner_id, submission.request_key)
        try:
            await asyncio.wait_for(
                self._client.start_workflow(
                    RegistrationWorkflow.run,
                    submission,
                    id=workflow_id,
                    task_queue=self._settings.task_queue,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    search_attributes=_initial_attributes(submission),
                    rpc_timeout=self._rpc_timeout,
                ),
                timeout=self._rpc_timeout.total_seconds() + 1,
            )
        except WorkflowAlreadyStartedError:
            pass  # finished earlier with this request key: the same process answers
        except (RPCError, TimeoutError) as exc:
            raise ServiceUnavailable("Temporal", f"could not start the registration ({exc})") from exc
        handle = self._client.get_workflow_handle_for(RegistrationWorkflow.run, workflow_id)
        try:
            settled: RegistrationView = await asyncio.wait_for(
                handle.execute_update(
                    RegistrationWorkflow.settled,
                    SettledRequest(),
                    rpc_timeout=timedelta(seconds=settle_timeout),
                ),
                timeout=settle_timeout + 1,
            )
            return settled
        except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError) as exc:
            raise _APPROVAL_SERVICE from exc
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                # It has ended already (rejected by the rules), before or while the update came.
                return await self._final(handle)
            raise _rpc_problem(exc, workflow_id) from exc

    async def get(self, workflow_id: str) -> RegistrationView:
        """The full state: a query while the process runs (answered by a worker); the final
        state from the history once it has ended (no worker needed)."""
        handle = self._client.get_workflow_handle_for(RegistrationWorkflow.run, workflow_id)
        try:
            description = await handle.describe(rpc_timeout=self._rpc_timeout)
            if description.status == WorkflowExecutionStatus.COMPLETED:
                return await self._final(handle)
            return await asyncio.wait_for(
                handle.query(RegistrationWorkflow.view_state, rpc_timeout=self._rpc_timeout),
                timeout=self._rpc_timeout.total_seconds() + 1,
            )
        except RPCError as exc:
            raise _rpc_problem(exc, workflow_id) from exc
        except TimeoutError as exc:
            raise ServiceUnavailable("registration service", "no worker answered; try again") from exc

    async def _final(self, handle: WorkflowHandle[Any, Any]) -> RegistrationView:
        final: RegistrationView = await handle.result(rpc_timeout=self._rpc_timeout)
        return final

    async def wait_until(
        self, workflow_id: str, done: Callable[[RegistrationView], bool], timeout: float, poll: float = 0.2
    ) -> RegistrationView:
        """Query until ``done(view)`` or ``timeout`` seconds pass; the last view either way."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            view = await self.get(workflow_id)
            if done(view) or asyncio.get_running_loop().time() >= deadline:
                return view
            await asyncio.sleep(poll)
            poll = min(poll * 1.5, 2.0)

    async def list(
        self,
        *,
        state: str | None = None,
        partner_id: int | None = None,
        territory: str | None = None,
        limit: int = 50,
    ) -> list[RegistrationSummary]:
        """Registrations from Temporal's visibility store (newest first), by search attributes."""
        clauses = [f"{SearchAttribute.PROCESS.value} = '{PROCESS_TYPE}'"]
        for name, value in (
            (SearchAttribute.STATE, state),
            (SearchAttribute.PARTNER, None if partner_id is None else str(partner_id)),
            (SearchAttribute.TERRITORY, territory),
        ):
            if value is not None:
                clauses.append(f"{name.value} = '{_quoted(value)}'")
        found: list[RegistrationSummary] = []
        try:
            async for execution in self._client.list_workflows(
                " AND ".join(clauses), limit=limit, rpc_timeout=self._rpc_timeout
            ):
                attrs = execution.typed_search_attributes
                found.append(
                    RegistrationSummary(
                        workflow_id=execution.id,
                        state=attrs.get(_keyword(SearchAttribute.STATE)) or "",
                        partner=attrs.get(_keyword(SearchAttribute.PARTNER)) or "",
                        territory=attrs.get(_keyword(SearchAttribute.TERRITORY)) or "",
                        due_at=attrs.get(SearchAttributeKey.for_datetime(SearchAttribute.DUE_AT.value)),
                        status=execution.status.name.lower() if execution.status else "unknown",
                        started_at=execution.start_time,
                    )
                )
        except RPCError as exc:
            raise ServiceUnavailable("Temporal", f"could not list registrations ({exc.message})") from exc
        return found

    # --- actions ------------------------------------------------------------------------------

    async def decide(self, workflow_id: str, decision: DecisionInput) -> RegistrationView:
        acting = await self._acting(decision.actor)
        return await self._update(workflow_id, RegistrationWorkflow.decide, DecideUpdate(decision, acting))

    async def escalate(self, workflow_id: str, escalation: EscalateInput) -> RegistrationView:
        acting = await self._acting(escalation.actor)
        return await self._update(
            workflow_id, RegistrationWorkflow.escalate, EscalateUpdate(escalation, acting)
        )

    async def provide_info(self, workflow_id: str, info: ProvideInfoInput) -> RegistrationView:
        acting = await self._acting(info.actor)
        return await self._update(
            workflow_id, RegistrationWorkflow.provide_info, ProvideInfoUpdate(info, acting)
        )

    async def extend(self, workflow_id: str, extension: ExtendInput) -> RegistrationView:
        """Ask for an extension; the view's last ``extensions`` entry says granted or why not."""
        acting = await self._acting(extension.actor)
        return await self._update(workflow_id, RegistrationWorkflow.extend, ExtendUpdate(extension, acting))

    async def close(
        self, workflow_id: str, actor: str, outcome: CloseOutcome | str, comment: str = ""
    ) -> RegistrationView:
        try:
            closing = CloseInput(actor, CloseOutcome(outcome), comment)
        except ValueError:
            raise ValidationFailed([FieldProblem("outcome", "must be won or lost")]) from None
        acting = await self._acting(actor)
        return await self._update(workflow_id, RegistrationWorkflow.close, CloseUpdate(closing, acting))

    async def withdraw(self, workflow_id: str, actor: str, comment: str = "") -> RegistrationView:
        acting = await self._acting(actor)
        update = WithdrawUpdate(WithdrawInput(actor, comment), acting)
        return await self._update(workflow_id, RegistrationWorkflow.withdraw, update)

    # --- plumbing -----------------------------------------------------------------------------

    def _session(self) -> Session:
        return Session(engine_for(self._settings.resolved_database_url), expire_on_commit=False)

    def _check_submission(self, submission: RegistrationSubmission) -> None:
        problems = submission_problems(submission)
        if not problems:
            with self._session() as session:
                try:
                    get_partner(session=session, partner_id=submission.partner_id)
                except NotFound:
                    problems.append(FieldProblem("partner_id", f"no partner with id {submission.partner_id}"))
        if problems:
            raise ValidationFailed(problems)

    async def _acting(self, actor: str) -> Acting:
        """The actor's authority as the database says now, valid for one bounded delivery."""
        now = datetime.now(UTC)

        def read() -> tuple[list[str], int | None, list[tuple[str, list[str]]]] | None:
            with self._session() as session:
                return actor_authority(session=session, username=actor, at=now)

        found = await asyncio.to_thread(read)
        if found is None:
            raise DecisionRefused(f"unknown or inactive user {actor!r}")
        roles, partner_id, delegators = found
        authority = ActorAuthority(actor, roles, partner_id, [Delegator(u, r) for u, r in delegators])
        return Acting(authority, not_after=now + self._rpc_timeout + timedelta(seconds=2))

    async def _update(self, workflow_id: str, update: Any, arg: Any) -> RegistrationView:
        handle: WorkflowHandle[Any, Any] = self._client.get_workflow_handle(workflow_id)
        try:
            result: RegistrationView = await asyncio.wait_for(
                handle.execute_update(update, arg, rpc_timeout=self._rpc_timeout),
                timeout=self._rpc_timeout.total_seconds() + 1,
            )
        except WorkflowUpdateFailedError as exc:
            cause = exc.cause
            if isinstance(cause, ApplicationError):
                raise DecisionRefused(cause.message) from exc
            raise DecisionRefused(str(cause or exc)) from exc
        except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError) as exc:
            raise _APPROVAL_SERVICE from exc
        except RPCError as exc:
            raise _rpc_problem(exc, workflow_id) from exc
        return result


def submission_problems(submission: RegistrationSubmission) -> list[FieldProblem]:
    """Every problem with a submission's fields, each naming its field."""
    problems: list[FieldProblem] = []
    if not _KEY.match(submission.request_key or ""):
        problems.append(
            FieldProblem(
                "request_key", "1-120 letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
            )
        )
    for name in ("account_name", "territory", "vertical", "product_line", "submitted_by"):
        if not str(getattr(submission, name) or "").strip():
            problems.append(FieldProblem(name, "must not be empty"))
    if not submission.deal_value >= 0:
        problems.append(FieldProblem("deal_value", "must be zero or more"))
    # The process writes every field to the database, and PostgreSQL cannot store a NUL.
    for name, value in vars(submission).items():
        if isinstance(value, str) and "\x00" in value:
            problems.append(FieldProblem(name, "must not contain a NUL character"))
    return problems


def _rpc_problem(exc: RPCError, workflow_id: str) -> Exception:
    if exc.status == RPCStatusCode.NOT_FOUND:
        if "completed" in exc.message or "closed" in exc.message:
            return DecisionRefused("the registration has already ended")
        return NotFound("registration", workflow_id)
    if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED):
        return ServiceUnavailable("registration service", f"did not answer ({exc.message}); try again")
    if exc.status == RPCStatusCode.FAILED_PRECONDITION:
        return DecisionRefused(exc.message)
    return ServiceUnavailable("Temporal", exc.message)


def _keyword(name: SearchAttribute) -> SearchAttributeKey[str]:
    return SearchAttributeKey.for_keyword(name.value)


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _initial_attributes(submission: RegistrationSubmission) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(_keyword(SearchAttribute.PROCESS), PROCESS_TYPE),
            SearchAttributePair(_keyword(SearchAttribute.STATE), "submitted"),
            SearchAttributePair(_keyword(SearchAttribute.PARTNER), str(submission.partner_id)),
            SearchAttributePair(_keyword(SearchAttribute.TERRITORY), submission.territory),
        ]
    )


async def with_client(settings: Settings, call: Callable[[RegistrationClient], Awaitable[T]]) -> T:
    """Connect, make one call, and return its result (for synchronous callers via asyncio.run)."""
    client = await RegistrationClient.connect(settings)
    return await call(client)


class SyncRegistrationClient:
    """The same calls for synchronous code (Flask views): each connects, acts and returns."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings or get_settings()

    def _run(self, call: Callable[[RegistrationClient], Awaitable[T]]) -> T:
        return asyncio.run(with_client(self._settings, call))

    def start(self, submission: RegistrationSubmission) -> RegistrationView:
        return self._run(lambda c: c.start(submission))

    def get(self, workflow_id: str) -> RegistrationView:
        return self._run(lambda c: c.get(workflow_id))

    def decide(self, workflow_id: str, decision: DecisionInput) -> RegistrationView:
        return self._run(lambda c: c.decide(workflow_id, decision))

    def provide_info(self, workflow_id: str, info: ProvideInfoInput) -> RegistrationView:
        return self._run(lambda c: c.provide_info(workflow_id, info))

    def extend(self, workflow_id: str, extension: ExtendInput) -> RegistrationView:
        return self._run(lambda c: c.extend(workflow_id, extension))

    def close(self, workflow_id: str, actor: str, outcome: str, comment: str = "") -> RegistrationView:
        return self._run(lambda c: c.close(workflow_id, actor, outcome, comment))

    def withdraw(self, workflow_id: str, actor: str, comment: str = "") -> RegistrationView:
        return self._run(lambda c: c.withdraw(workflow_id, actor, comment))
