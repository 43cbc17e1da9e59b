"""What every process client shares: a Temporal connection, bounded calls, the actor's authority,
the task updates, and the one place where Temporal's errors become Parley's.

Every call is bounded: a Temporal server that is down, or an update that no worker picks up,
becomes ``ServiceUnavailable`` within a few seconds instead of a hang, and a process that refuses
an action becomes ``DecisionRefused`` with the workflow's reason. A process's client subclasses
``ProcessClient`` and adds how its processes start and what else they take.

Internal to the web app and the workers (everyone else uses the JSON API, ``parley.http``): the
actor every method takes is the authenticated principal's username, never a name from a request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Generic, TypeVar

from sqlmodel import Session
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import (
    SearchAttributeKey,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from parley.constants import SearchAttribute
from parley.errors import DecisionRefused, NotFound, ServiceUnavailable, StillDeciding
from parley.settings import Settings, get_settings
from parley.temporal_client import connect
from store.crud.tasks import get_task
from store.crud.users import actor_authority
from store.engine import engine_for
from store.models.enums import TaskState
from store.models.tasks import Task
from workflows.human.authority import Acting, ActorAuthority, Delegator
from workflows.human.updates import (
    DecideUpdate,
    DecisionInput,
    EscalateInput,
    EscalateUpdate,
    ProvideInfoInput,
    ProvideInfoUpdate,
    SettledRequest,
)
from workflows.human.validation import BEING_APPLIED, LOST_RACE

ALREADY_ENDED = "has already ended"  # the process completed before the update reached it

View = TypeVar("View")
STATE_KEY = SearchAttributeKey.for_keyword(SearchAttribute.STATE.value)
Client_ = TypeVar("Client_", bound="ProcessClient[Any]")
# Parley's processes as their callers see them: the workers behind Temporal.
APPROVAL_SERVICE = "approval service"


@contextmanager
def temporal_errors(noun: str, process_id: str | None = None) -> Iterator[None]:
    """Translate what Temporal raises about the ``noun`` process ``process_id`` into Parley's
    errors: the only place that does, so every caller sees the same ones."""
    try:
        yield
    except WorkflowUpdateFailedError as exc:
        cause = exc.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause or exc)
        raise DecisionRefused(reason) from exc
    except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError) as exc:
        raise ServiceUnavailable(APPROVAL_SERVICE, "not available, try again (no answer in time)") from exc
    except WorkflowFailureError as exc:
        raise ServiceUnavailable(APPROVAL_SERVICE, f"the {noun} failed ({root_cause(exc)})") from exc
    except RPCError as exc:
        raise _rpc_problem(exc, noun, process_id) from exc


def _rpc_problem(exc: RPCError, noun: str, process_id: str | None) -> Exception:
    if exc.status == RPCStatusCode.NOT_FOUND:
        if "completed" in exc.message or "closed" in exc.message:
            return DecisionRefused(f"the {noun} {ALREADY_ENDED}")
        return NotFound(noun, process_id or "?")
    if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE, RPCStatusCode.CANCELLED):
        return ServiceUnavailable("Temporal", f"did not answer ({exc.message}); try again")
    if exc.status == RPCStatusCode.FAILED_PRECONDITION:
        return DecisionRefused(exc.message)
    return ServiceUnavailable("Temporal", exc.message)


# The server drops an update, answering "workflow not ready", when the workflow task carrying it
# fails for a reason of the moment (another event, a signal from the process's registration,
# arrived while the worker completed it); the workflow itself is fine, and the same update,
# asked again, is accepted.
_NOT_READY_RETRIES = 3


def _not_ready(exc: RPCError) -> bool:
    return exc.status == RPCStatusCode.FAILED_PRECONDITION and "workflow task failure" in exc.message


def root_cause(exc: BaseException) -> str:
    """The innermost cause's message: what a failed workflow says went wrong."""
    cause: BaseException = exc
    while cause.__cause__ is not None:
        cause = cause.__cause__
    return str(cause) or type(cause).__name__


class ProcessClient(Generic[View]):
    """Read and act on one kind of process. ``await SomeClient.connect(settings)``."""

    noun: ClassVar[str] = "process"
    view_type: ClassVar[type[Any]] = object
    view_query: ClassVar[str] = "view_state"

    def __init__(self, client: Client, settings: Settings, *, rpc_timeout: float = 5.0) -> None:
        self._client = client
        self._settings = settings
        self._rpc_timeout = timedelta(seconds=rpc_timeout)
        # Whether the last start found the process an earlier request with its key had started.
        self.found_started = False

    @classmethod
    async def connect(
        cls: type[Client_], settings: Settings | None = None, *, rpc_timeout: float = 5.0
    ) -> Client_:
        settings = settings or get_settings()
        return cls(await connect(settings), settings, rpc_timeout=rpc_timeout)

    @property
    def temporal(self) -> Client:
        return self._client

    @property
    def settings(self) -> Settings:
        return self._settings

    def bounded(self, extra: float = 1.0) -> float:
        """How long to wait for one call before calling the service unavailable."""
        return self._rpc_timeout.total_seconds() + extra

    # --- starting -----------------------------------------------------------------------------

    async def start_settled(
        self,
        run: Any,
        arg: Any,
        workflow_id: str,
        *,
        search_attributes: TypedSearchAttributes,
        settle_timeout: float | None = None,
    ) -> View:
        """Start the process ``workflow_id`` (or find the one a retried request already started:
        a running one answers, a finished one is not run again) and wait up to ``settle_timeout``
        seconds (default: the ``decision_wait_seconds`` setting) for the rules' first decision
        (its ``settled`` update), so the view says where the rules put it rather than just
        "requested". A process that started but has not decided by then is ``StillDeciding``:
        it is recorded, and reading it later shows its decision."""
        settle_timeout = settle_timeout or self._settings.decision_wait_seconds
        self.found_started = False
        with temporal_errors(self.noun, workflow_id):
            try:
                await asyncio.wait_for(
                    self._client.start_workflow(
                        run,
                        arg,
                        id=workflow_id,
                        task_queue=self._settings.task_queue,
                        id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                        search_attributes=search_attributes,
                        rpc_timeout=self._rpc_timeout,
                    ),
                    timeout=self.bounded(),
                )
            except WorkflowAlreadyStartedError:
                self.found_started = True  # running or ended: the retried request's process answers
        handle = self._client.get_workflow_handle(workflow_id, result_type=self.view_type)
        with temporal_errors(self.noun, workflow_id):
            for attempt in range(_NOT_READY_RETRIES + 1):
                try:
                    settled: View = await asyncio.wait_for(
                        handle.execute_update(
                            "settled",
                            SettledRequest(),
                            result_type=self.view_type,
                            rpc_timeout=timedelta(seconds=settle_timeout),
                        ),
                        timeout=settle_timeout + 1,
                    )
                    return settled
                except (WorkflowUpdateRPCTimeoutOrCancelledError, TimeoutError):
                    raise StillDeciding(self.noun, workflow_id, await self._state_now(handle)) from None
                except WorkflowUpdateFailedError:
                    # The process ended in the moment the update came (refused its start, say):
                    # its final view says how; anything else is the update's own refusal.
                    if await self._ended(handle):
                        break
                    raise
                except RPCError as exc:
                    if _not_ready(exc) and attempt < _NOT_READY_RETRIES:
                        await asyncio.sleep(0.1 * (attempt + 1))
                        continue
                    if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                        raise StillDeciding(self.noun, workflow_id, await self._state_now(handle)) from None
                    if exc.status != RPCStatusCode.NOT_FOUND:
                        raise
                    break
        # It has ended already (settled by the rules), before or while the update came.
        return await self.final(handle)

    async def _ended(self, handle: WorkflowHandle[Any, Any]) -> bool:
        description = await asyncio.wait_for(
            handle.describe(rpc_timeout=self._rpc_timeout), timeout=self.bounded()
        )
        return description.status != WorkflowExecutionStatus.RUNNING

    async def _state_now(self, handle: WorkflowHandle[Any, Any]) -> str:
        """Where a started process stands, as it last published it (no worker needed)."""
        try:
            description = await asyncio.wait_for(
                handle.describe(rpc_timeout=self._rpc_timeout), timeout=self.bounded()
            )
        except (RPCError, TimeoutError):
            return "started"
        state = description.typed_search_attributes.get(STATE_KEY)
        return str(state) if state else "started"

    # --- reading ------------------------------------------------------------------------------

    async def get(self, workflow_id: str) -> View:
        """The full state: a query while the process runs (answered by a worker); the final
        state from the history once it has ended (no worker needed)."""
        handle = self._client.get_workflow_handle(workflow_id, result_type=self.view_type)
        with temporal_errors(self.noun, workflow_id):
            description = await handle.describe(rpc_timeout=self._rpc_timeout)
            if description.status == WorkflowExecutionStatus.COMPLETED:
                return await self.final(handle)
            view: View = await asyncio.wait_for(
                handle.query(self.view_query, result_type=self.view_type, rpc_timeout=self._rpc_timeout),
                timeout=self.bounded(),
            )
            return view

    async def final(self, handle: WorkflowHandle[Any, Any]) -> View:
        with temporal_errors(self.noun, handle.id):
            result: View = await handle.result(rpc_timeout=self._rpc_timeout)
            return result

    async def wait_until(
        self, workflow_id: str, done: Callable[[View], bool], timeout: float, poll: float = 0.2
    ) -> View:
        """Query until ``done(view)`` or ``timeout`` seconds pass; the last view either way."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            view = await self.get(workflow_id)
            if done(view) or asyncio.get_running_loop().time() >= deadline:
                return view
            await asyncio.sleep(poll)
            poll = min(poll * 1.5, 2.0)

    # --- the task updates every process takes -------------------------------------------------

    async def decide(self, workflow_id: str, decision: DecisionInput) -> View:
        acting = await self.acting(decision.actor)
        return await self._task_update(
            workflow_id, "decide", DecideUpdate(decision, acting), decision.task_id
        )

    async def escalate(self, workflow_id: str, escalation: EscalateInput) -> View:
        acting = await self.acting(escalation.actor)
        update = EscalateUpdate(escalation, acting)
        return await self._task_update(workflow_id, "escalate", update, escalation.task_id)

    async def _task_update(self, workflow_id: str, name: str, arg: Any, task_id: int) -> View:
        """Send a task's update; one that lost a race to another person's decision says whose
        decision won, what it was and when, instead of what the process saw afterwards (the
        process ended, the task is gone)."""
        try:
            return await self.update(workflow_id, name, arg)
        except (DecisionRefused, NotFound) as refused:
            signs = (*LOST_RACE, ALREADY_ENDED)
            if isinstance(refused, DecisionRefused) and not any(sign in str(refused) for sign in signs):
                raise  # refused for its own reason (four-eyes, a question waiting ...), not a race
            # A decision still being applied has not reached the task row yet: wait for it.
            wait = self.bounded() if BEING_APPLIED in str(refused) else 0.0
            told = await asyncio.to_thread(self._decided_already, workflow_id, task_id, wait)
            if told is None:
                raise
            raise DecisionRefused(told) from refused

    def _decided_already(self, workflow_id: str, task_id: int, wait: float) -> str | None:
        """Who closed task ``task_id`` of ``workflow_id``, how and when (waiting up to ``wait``
        seconds for the projection to close it); None while it is open, unknown, or another
        process's (whose decisions are none of this caller's business)."""
        deadline = time.monotonic() + wait
        while True:
            with self.session() as session:
                try:
                    task = get_task(session=session, task_id=task_id)
                except NotFound:
                    return None
            if task.process_id != workflow_id:
                return None
            if task.state != TaskState.OPEN:
                return decided_words(task)
            if time.monotonic() >= deadline:
                return None
            time.sleep(0.1)

    async def provide_info(self, workflow_id: str, info: ProvideInfoInput) -> View:
        acting = await self.acting(info.actor)
        return await self.update(workflow_id, "provide_info", ProvideInfoUpdate(info, acting))

    # --- plumbing -----------------------------------------------------------------------------

    def session(self) -> Session:
        return Session(engine_for(self._settings.resolved_database_url), expire_on_commit=False)

    async def acting(self, actor: str) -> Acting:
        """The actor's authority as the database says now, valid for one bounded delivery."""
        now = datetime.now(UTC)

        def read() -> tuple[list[str], int | None, list[tuple[str, list[str]]]] | None:
            with self.session() as session:
                return actor_authority(session=session, username=actor, at=now)

        found = await asyncio.to_thread(read)
        if found is None:
            raise DecisionRefused(f"unknown or inactive user {actor!r}")
        roles, partner_id, delegators = found
        authority = ActorAuthority(actor, roles, partner_id, [Delegator(u, r) for u, r in delegators])
        return Acting(authority, not_after=now + self._rpc_timeout + timedelta(seconds=2))

    async def update(self, workflow_id: str, name: str, arg: Any) -> View:
        """Send the update ``name`` and return the view the process answers with."""
        handle = self._client.get_workflow_handle(workflow_id)
        with temporal_errors(self.noun, workflow_id):
            result: View = await asyncio.wait_for(
                handle.execute_update(name, arg, result_type=self.view_type, rpc_timeout=self._rpc_timeout),
                timeout=self.bounded(),
            )
            return result


def decided_words(task: Task) -> str:
    """How a closed task was decided, for whoever tried to decide it too: "task 12 was already
    decided: rejected by cam at 10:02 UTC"."""
    by = f" by {task.closed_by}" if task.closed_by else " by the rules"
    if task.on_behalf_of:
        by += f" on behalf of {task.on_behalf_of}"
    at = ""
    if task.closed_at is not None:
        closed = task.closed_at if task.closed_at.tzinfo else task.closed_at.replace(tzinfo=UTC)
        closed = closed.astimezone(UTC)
        day = "" if closed.date() == datetime.now(UTC).date() else f" on {closed:%d %b %Y}"
        at = f" at {closed:%H:%M} UTC{day}"
    if task.outcome == "escalated":
        return f"task {task.id} was already escalated{by}{at}"
    return f"task {task.id} was already decided: {task.outcome or task.state}{by}{at}"
