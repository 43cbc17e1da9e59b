"""The typed Python client of the registration process, internal to the web app and the workers
(the CLI and integrators use the JSON API through ``parley.http``); ``submitted_by`` and every
actor are the signed-in principal's username.

Reading a registration, deciding, escalating and answering its tasks come from
``parley.clients.base.ProcessClient`` (bounded calls, Temporal's errors translated in one place);
what is here is the registration's own: starting one, listing them, and the partner's actions.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from temporalio.common import (
    SearchAttributeKey,
    SearchAttributePair,
    TypedSearchAttributes,
)

from parley.clients.base import ProcessClient, temporal_errors
from parley.constants import SearchAttribute
from parley.errors import FieldProblem, NotFound, RequestKeyConflict, ValidationFailed
from parley.settings import Settings, get_settings
from parley.text import bidi_problem
from store.crud.partners import get_partner
from workflows.human.updates import DecisionInput, ProvideInfoInput
from workflows.registration.types import (
    PROCESS_TYPE,
    CloseInput,
    CloseOutcome,
    CloseUpdate,
    ExtendInput,
    ExtendUpdate,
    RegistrationSubmission,
    RegistrationView,
    WithdrawInput,
    WithdrawUpdate,
    registration_workflow_id,
)
from workflows.registration.workflow import RegistrationWorkflow

T = TypeVar("T")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,119}$")


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


class RegistrationClient(ProcessClient[RegistrationView]):
    """Start, read and act on registrations. ``await RegistrationClient.connect(settings)``."""

    noun: ClassVar[str] = "registration"
    view_type: ClassVar[type[Any]] = RegistrationView

    # --- processes ----------------------------------------------------------------------------

    async def start(
        self, submission: RegistrationSubmission, *, settle_timeout: float | None = None
    ) -> RegistrationView:
        """Start the process (or find the one a retried submission already started).

        Waits up to ``settle_timeout`` seconds for the rules' first decision, so the view says
        approved, rejected or pending approval rather than just submitted.
        """
        await asyncio.to_thread(self._check_submission, submission)
        workflow_id = registration_workflow_id(submission.partner_id, submission.request_key)
        view = await self.start_settled(
            RegistrationWorkflow.run,
            submission,
            workflow_id,
            search_attributes=_initial_attributes(submission),
            settle_timeout=settle_timeout,
        )
        # The key found an earlier submission: a retry of it answers as it did, anything else
        # is a different registration that must not pass for the one on file.
        differences = submission_differences(view.submission, submission)
        if differences:
            raise RequestKeyConflict(submission.request_key, differences)
        return view

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
        with temporal_errors(self.noun):
            async for execution in self.temporal.list_workflows(
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
        return found

    # --- the partner's actions ----------------------------------------------------------------

    async def extend(self, workflow_id: str, extension: ExtendInput) -> RegistrationView:
        """Ask for an extension; the view's last ``extensions`` entry says granted or why not."""
        acting = await self.acting(extension.actor)
        return await self.update(workflow_id, "extend", ExtendUpdate(extension, acting))

    async def close(
        self, workflow_id: str, actor: str, outcome: CloseOutcome | str, comment: str = ""
    ) -> RegistrationView:
        try:
            closing = CloseInput(actor, CloseOutcome(outcome), comment)
        except ValueError:
            raise ValidationFailed([FieldProblem("outcome", "must be won or lost")]) from None
        acting = await self.acting(actor)
        return await self.update(workflow_id, "close", CloseUpdate(closing, acting))

    async def withdraw(self, workflow_id: str, actor: str, comment: str = "") -> RegistrationView:
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "withdraw", WithdrawUpdate(WithdrawInput(actor, comment), acting)
        )

    # --- plumbing -----------------------------------------------------------------------------

    def _check_submission(self, submission: RegistrationSubmission) -> None:
        problems = submission_problems(submission)
        if not problems:
            with self.session() as session:
                try:
                    get_partner(session=session, partner_id=submission.partner_id)
                except NotFound:
                    problems.append(FieldProblem("partner_id", f"no partner with id {submission.partner_id}"))
        if problems:
            raise ValidationFailed(problems)


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
    if (bidi := bidi_problem(submission.account_name or "")) is not None:
        problems.append(FieldProblem("account_name", bidi))
    if not math.isfinite(submission.deal_value):
        problems.append(FieldProblem("deal_value", "must be a finite number"))
    elif not submission.deal_value >= 0:
        problems.append(FieldProblem("deal_value", "must be zero or more"))
    # The process writes every field to the database, and PostgreSQL cannot store a NUL.
    for name, value in vars(submission).items():
        if isinstance(value, str) and "\x00" in value:
            problems.append(FieldProblem(name, "must not contain a NUL character"))
    return problems


def submission_differences(
    stored: RegistrationSubmission, sent: RegistrationSubmission
) -> list[FieldProblem]:
    """The fields in which ``sent`` differs from the submission on file under its key (who
    sends it may differ: a colleague's retry is the same registration)."""
    problems = []
    for name in (
        "account_name",
        "account_domain",
        "territory",
        "vertical",
        "product_line",
        "deal_value",
        "notes",
    ):
        before, after = getattr(stored, name) or "", getattr(sent, name) or ""
        if before != after:
            problems.append(
                FieldProblem(name, f"differs from the registration on file under this key ({before!r})")
            )
    return problems


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
