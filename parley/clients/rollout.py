"""The typed Python client of the rulebook roll-out process, internal to the web app and the
workers (the CLI and integrators use the JSON API through ``parley.http``).

Reading a roll-out and deciding its approval come from ``parley.clients.base.ProcessClient``;
what is here is the roll-out's own: submitting a draft (partner operations; every problem named by
its field before anything is stored), attaching a what-if, withdrawing, and a partner's
acknowledgement. A roll-out is found by its version: its workflow id follows from the stored text.
The actor must be the authenticated principal; the client reads their roles from the database.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlmodel import Session
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from activities.rulebook import rulebook_library
from parley.clients.base import ProcessClient
from parley.constants import SearchAttribute
from parley.errors import DecisionRefused, FieldProblem, NotFound, ValidationFailed
from rules import RulebookInvalid, parse_rulebook
from rules.rollout import effective_date_problem
from simulation.results import lead_headline
from store.crud.rollouts import DRAFT_SOURCE
from store.crud.rulebooks import get_rulebook_version, get_simulation_run
from store.crud.users import actor_authority
from workflows.human.authority import OPERATOR_ROLES
from workflows.rollout.types import (
    PROCESS_TYPE,
    AcknowledgeInput,
    AcknowledgeUpdate,
    AttachInput,
    AttachUpdate,
    RolloutStart,
    RolloutState,
    RolloutView,
    WhatIfFacts,
    WithdrawInput,
    WithdrawUpdate,
    rollout_workflow_id,
)
from workflows.rollout.workflow import RolloutWorkflow

MAX_COMMENT = 2000
MAX_TEXT = 200_000


class RolloutClient(ProcessClient[RolloutView]):
    """Submit, read and act on rulebook roll-outs. ``await RolloutClient.connect(settings)``."""

    noun: ClassVar[str] = "rulebook roll-out"
    view_type: ClassVar[type[Any]] = RolloutView

    async def submit(self, *, actor: str, text: str, comment: str) -> RolloutView:
        """Store ``text`` as a draft and start its roll-out; the view once it waits for a what-if
        or for approval. ``ValidationFailed`` names every field at fault; nothing is stored then."""
        await self._require_operator(actor, "submit a rulebook version")
        version = await asyncio.to_thread(self._check_draft, text, comment)
        start = RolloutStart(version=version, text=text, comment=comment.strip(), submitted_by=actor)
        view = await self.start_settled(
            RolloutWorkflow.run,
            start,
            rollout_workflow_id(version, text),
            search_attributes=_initial_attributes(),
        )
        if view.state == RolloutState.REFUSED:
            # Lost a race for the version id (or its date passed meanwhile): nothing was stored.
            field = "effective_from" if "effective_from" in view.ended_because else "version"
            raise ValidationFailed([FieldProblem(field, view.ended_because)])
        return view

    def workflow_id_of(self, version: str) -> str:
        with self.session() as session:
            return rollout_id_of(session, version)

    async def of_version(self, version: str) -> RolloutView:
        return await self.get(await asyncio.to_thread(self.workflow_id_of, version))

    async def attach_what_if(self, version: str, actor: str, run_id: int) -> RolloutView:
        """Attach a completed what-if of the draft; the workflow's gate judges it."""
        workflow_id = await asyncio.to_thread(self.workflow_id_of, version)
        facts = await asyncio.to_thread(self._what_if, run_id)
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "attach_what_if", AttachUpdate(AttachInput(actor, facts), acting)
        )

    async def withdraw(self, version: str, actor: str, reason: str) -> RolloutView:
        if not reason.strip():
            raise ValidationFailed([FieldProblem("reason", "say why the version is withdrawn")])
        workflow_id = await asyncio.to_thread(self.workflow_id_of, version)
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "withdraw", WithdrawUpdate(WithdrawInput(actor, reason), acting)
        )

    async def acknowledge(self, version: str, actor: str) -> RolloutView:
        """``actor``'s partner acknowledges ``version`` (the partner is the actor's own)."""
        workflow_id = await asyncio.to_thread(self.workflow_id_of, version)
        acting = await self.acting(actor)
        partner_id = acting.authority.partner_id
        if partner_id is None:
            raise DecisionRefused("only a partner's user acknowledges a rulebook for its partner")
        update = AcknowledgeUpdate(AcknowledgeInput(actor, partner_id), acting)
        return await self.update(workflow_id, "acknowledge", update)

    # --- checks before anything is sent ------------------------------------------------------

    async def _require_operator(self, actor: str, what: str) -> None:
        def read() -> Any:
            with self.session() as session:
                return actor_authority(session=session, username=actor, at=datetime.now(UTC))

        found = await asyncio.to_thread(read)
        if found is None:
            raise DecisionRefused(f"unknown or inactive user {actor!r}")
        if not OPERATOR_ROLES & set(found[0]):
            raise DecisionRefused(f"only partner operations may {what}")

    def _check_draft(self, text: str, comment: str) -> str:
        rulebook_library(self.settings)  # on a new database: the shipped versions are imported first
        with self.session() as session:
            return check_draft(session, text, comment, datetime.now(UTC))

    def _what_if(self, run_id: int) -> WhatIfFacts:
        with self.session() as session:
            try:
                run = get_simulation_run(session=session, run_id=run_id)
            except NotFound:
                raise ValidationFailed([FieldProblem("run_id", f"no what-if run {run_id}")]) from None
            return WhatIfFacts(
                run_id=run_id,
                status=run.status,
                baseline_version=run.baseline_version,
                proposed_version=run.proposed_version,
                headline=lead_headline(run.results),
            )


def rollout_id_of(session: Session, version: str) -> str:
    """The roll-out of ``version``; ``NotFound`` for a version no roll-out started (imported)."""
    row = get_rulebook_version(session=session, version=version)
    if row is None or not row.source.startswith(DRAFT_SOURCE):
        raise NotFound("rulebook roll-out", version)
    return rollout_workflow_id(version, row.text)


def check_draft(session: Session, text: str, comment: str, now: datetime) -> str:
    """The draft's version id, or ``ValidationFailed`` naming every field at fault (the roll-out
    checks again when it stores the draft; this names the problems before anything starts)."""
    problems = draft_problems(text, comment)
    try:
        draft = parse_rulebook(text, source="draft") if text.strip() else None
    except RulebookInvalid as exc:
        raise ValidationFailed(problems + exc.problems) from None
    if draft is None:
        raise ValidationFailed([*problems, FieldProblem("text", "empty: paste or upload a rulebook")])
    late = effective_date_problem(draft.effective_from, now)
    if late:
        problems.append(FieldProblem("effective_from", late))
    used = get_rulebook_version(session=session, version=draft.version)
    if used is not None:
        problems.append(
            FieldProblem("version", f"{draft.version!r} is already used ({used.state}); give it a new id")
        )
    if problems:
        raise ValidationFailed(problems)
    return draft.version


def draft_problems(text: str, comment: str) -> list[FieldProblem]:
    problems = []
    if len(text) > MAX_TEXT:
        problems.append(FieldProblem("text", f"must be at most {MAX_TEXT} characters"))
    if "\x00" in text:
        problems.append(FieldProblem("text", "must not contain a NUL character"))
    if not comment.strip():
        problems.append(FieldProblem("comment", "required: say why this version rolls out"))
    elif len(comment) > MAX_COMMENT:
        problems.append(FieldProblem("comment", f"must be at most {MAX_COMMENT} characters"))
    elif "\x00" in comment:
        problems.append(FieldProblem("comment", "must not contain a NUL character"))
    return problems


def _initial_attributes() -> TypedSearchAttributes:
    def keyword(name: SearchAttribute) -> SearchAttributeKey[str]:
        return SearchAttributeKey.for_keyword(name.value)

    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(keyword(SearchAttribute.PROCESS), PROCESS_TYPE),
        SearchAttributePair(keyword(SearchAttribute.STATE), RolloutState.STARTED),
    ]
    return TypedSearchAttributes(pairs)
