"""The typed Python client of the partner exit process, internal to the web app and the workers
(the CLI and integrators use the JSON API through ``parley.http``).

Reading an exit and deciding its for-cause approval come from
``parley.clients.base.ProcessClient``; what is here is the exit's own: starting one (partner
operations only; every problem named by its field before anything is stored), cancelling while
notice runs, choosing a transferee (checked against the rules in force, naming ``partner_id``),
and the lists. The actor must be the authenticated principal (the web app passes its signed-in
user's username); the client reads their roles from the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlmodel import func, select
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from activities.rulebook import rulebook_library
from parley.clients.base import ProcessClient
from parley.constants import SearchAttribute
from parley.errors import DecisionRefused, FieldProblem, ValidationFailed
from rules.enums import ExitType
from rules.exit import transfer_refusals
from store.crud.exits import check_may_exit, dispositions_of, get_exit, list_exits
from store.crud.registrations import get_registration
from store.crud.users import actor_authority
from store.models import DispositionState, Exit, ExitDisposition, ExitState, Partner
from store.rules_view import partner_facts, registration_request
from workflows.exit.types import (
    PROCESS_TYPE,
    CancelInput,
    CancelUpdate,
    ExitStart,
    ExitView,
    TransfereeInput,
    TransfereeUpdate,
    exit_workflow_id,
)
from workflows.exit.workflow import ExitWorkflow
from workflows.human.authority import OPERATOR_ROLES
from workflows.human.updates import DecisionInput

MAX_WHY = 2000


class ExitClient(ProcessClient[ExitView]):
    """Start, read and act on partner exits. ``await ExitClient.connect(settings)``."""

    noun: ClassVar[str] = "exit"
    view_type: ClassVar[type[Any]] = ExitView

    async def start(
        self, *, actor: str, partner_id: int, exit_type: str, why: str, settle_timeout: float | None = None
    ) -> ExitView:
        """Give ``partner_id`` notice; the view once it is in notice or awaits its approval."""
        problems = start_problems(exit_type, why)
        if problems:
            raise ValidationFailed(problems)
        await self._require_operator(actor)
        number, joined = await asyncio.to_thread(self._next_number, partner_id)
        start = ExitStart(partner_id=partner_id, exit_type=exit_type, why=why.strip(), started_by=actor)
        view = await self.start_settled(
            ExitWorkflow.run,
            start,
            exit_workflow_id(partner_id, number, joined),
            search_attributes=_initial_attributes(partner_id),
            settle_timeout=settle_timeout,
        )
        if view.state == "refused" and not view.history:
            # Another exit of the partner won the race: nothing of this one was stored.
            raise ValidationFailed([FieldProblem("partner_id", view.ended_because)])
        return view

    async def decide(self, workflow_id: str, decision: DecisionInput) -> ExitView:
        """Decide the approval; an approval answers once notice is given (the exit takes effect
        in the moment after the decision is recorded), so the caller reads where it stands."""
        view = await super().decide(workflow_id, decision)
        if view.approved_by is not None and view.state == ExitState.AWAITING_APPROVAL:
            view = await self.wait_until(workflow_id, lambda v: v.state != ExitState.AWAITING_APPROVAL, 10.0)
        return view

    async def cancel(self, workflow_id: str, actor: str, reason: str) -> ExitView:
        if not reason.strip():
            raise ValidationFailed([FieldProblem("reason", "say why the exit is cancelled")])
        acting = await self.acting(actor)
        return await self.update(workflow_id, "cancel", CancelUpdate(CancelInput(actor, reason), acting))

    async def choose_transferee(
        self, workflow_id: str, actor: str, registration_id: str, partner_id: int | None, comment: str = ""
    ) -> ExitView:
        """Partner operations' choice: ``partner_id`` takes the registration over (refused naming
        ``partner_id`` when the rules in force say it may not), or None returns it to direct."""
        await asyncio.to_thread(self._check_transferee, workflow_id, registration_id, partner_id)
        acting = await self.acting(actor)
        choice = TransfereeInput(actor, registration_id, partner_id, comment)
        return await self.update(workflow_id, "choose_transferee", TransfereeUpdate(choice, acting))

    def list(
        self, *, partner_id: int | None = None, state: str | None = None, page: int = 1, per_page: int = 50
    ) -> tuple[list[Exit], int]:
        """Exits from the database projection, newest first, and how many match."""
        with self.session() as session:
            found = list_exits(
                session=session, partner_id=partner_id, state=state, page=page, per_page=per_page
            )
        return list(found.items), found.total

    def dispositions(self, workflow_id: str) -> Sequence[ExitDisposition]:
        with self.session() as session:
            return dispositions_of(session=session, exit_workflow_id=workflow_id)

    # --- checks before anything is sent ------------------------------------------------------

    async def _require_operator(self, actor: str) -> None:
        def read() -> Any:
            with self.session() as session:
                return actor_authority(session=session, username=actor, at=datetime.now(UTC))

        found = await asyncio.to_thread(read)
        if found is None:
            raise DecisionRefused(f"unknown or inactive user {actor!r}")
        if not OPERATOR_ROLES & set(found[0]):
            raise DecisionRefused("only partner operations may start a partner's exit")

    def _next_number(self, partner_id: int) -> tuple[int, datetime]:
        """The partner's next exit number, and when its row was created (see exit_workflow_id)."""
        with self.session() as session:
            partner = check_may_exit(session=session, partner_id=partner_id)
            count = session.exec(
                select(func.count()).select_from(Exit).where(Exit.partner_id == partner_id)
            ).one()
            return int(count) + 1, partner.created_at

    def _check_transferee(self, workflow_id: str, registration_id: str, partner_id: int | None) -> None:
        """The workflow checks again under its pinned rulebook; this names the field first."""
        now = datetime.now(UTC)
        with self.session() as session:
            waiting = {
                d.registration_id
                for d in dispositions_of(session=session, exit_workflow_id=workflow_id)
                if d.state == DispositionState.AWAITING_CHOICE
            }
            if registration_id not in waiting:
                why = "no registration of this exit waits for a transferee"
                raise ValidationFailed([FieldProblem("registration_id", why)])
            if partner_id is None:
                return
            partner = session.get(Partner, partner_id)
            if partner is None:
                raise ValidationFailed([FieldProblem("partner_id", f"no partner with id {partner_id}")])
            pinned = get_exit(session=session, workflow_id=workflow_id).rulebook_version
            rulebook = rulebook_library(self.settings).get(pinned)
            row = get_registration(session=session, workflow_id=registration_id)
            refused = transfer_refusals(rulebook, registration_request(row), partner_facts(partner, now))
        if refused:
            words = "; ".join(r.text for r in refused)
            raise ValidationFailed(
                [FieldProblem("partner_id", f"may not take this registration over: {words}")]
            )


def start_problems(exit_type: str, why: str) -> list[FieldProblem]:
    problems = []
    types = [t.value for t in ExitType]
    if exit_type not in types:
        problems.append(FieldProblem("exit_type", f"must be one of {', '.join(types)} (got {exit_type!r})"))
    if not why or not why.strip():
        problems.append(
            FieldProblem("why", "say why the partnership ends: the audit and the partner read it")
        )
    elif len(why) > MAX_WHY:
        problems.append(FieldProblem("why", f"must be at most {MAX_WHY} characters"))
    elif "\x00" in why:
        problems.append(FieldProblem("why", "must not contain a NUL character"))
    return problems


def _initial_attributes(partner_id: int) -> TypedSearchAttributes:
    def keyword(name: SearchAttribute) -> SearchAttributeKey[str]:
        return SearchAttributeKey.for_keyword(name.value)

    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(keyword(SearchAttribute.PROCESS), PROCESS_TYPE),
        SearchAttributePair(keyword(SearchAttribute.STATE), ExitState.STARTED.value),
        SearchAttributePair(keyword(SearchAttribute.PARTNER), str(partner_id)),
    ]
    return TypedSearchAttributes(pairs)
