"""The typed Python client of the dispute process, internal to the web app and the workers (the
CLI and integrators use the JSON API through ``parley.http``).

Reading a dispute and deciding or escalating its level tasks come from
``parley.clients.base.ProcessClient``; what is here is the dispute's own: opening one (who may
contest what, until when, against whom, every problem named by its field before anything is
stored), statements, withdrawal, and the lists.

Who may open: a partner's user contests the conflict decision on its own registration; an
approver or partner operations opens one for the partner from the registration; direct sales
contests a partner's protected registration. The actor must be the authenticated principal
(the web app passes its signed-in user's username); the client reads their roles from the
database.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlmodel import Session
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

from activities.rulebook import rulebook_library
from parley.clients.base import ProcessClient, temporal_errors
from parley.constants import SearchAttribute
from parley.errors import DecisionRefused, FieldProblem, NotFound, ValidationFailed
from rules.dispute import (
    Side,
    contest_refusal,
    contested_codes,
    direct_contest_refusal,
    holder_registration,
    respondent_of,
)
from store.crud.disputes import (
    contest_key,
    dispute_of_contest,
    disputes_of_registration,
    list_disputes,
    thread,
)
from store.crud.partners import get_partner
from store.crud.records import list_audit_events
from store.crud.registrations import get_registration
from store.crud.users import actor_authority
from store.models import (
    APPROVER_ROLES,
    Dispute,
    DisputeState,
    DisputeStatement,
    Registration,
    Role,
)
from store.rules_view import STANDING
from workflows.dispute.types import (
    PROCESS_TYPE,
    DisputeOpening,
    DisputeView,
    PartyView,
    StatementInput,
    StatementUpdate,
    WithdrawInput,
    WithdrawUpdate,
    dispute_workflow_id,
)
from workflows.dispute.validation import MAX_STATEMENT
from workflows.dispute.workflow import DisputeWorkflow
from workflows.registration.types import RegistrationView

_DECISIONS = ("registration.approved", "registration.rejected")
_ON_BEHALF = frozenset({*(str(r) for r in APPROVER_ROLES), str(Role.ADMIN)})


class DisputeClient(ProcessClient[DisputeView]):
    """Open, read and act on disputes. ``await DisputeClient.connect(settings)``."""

    noun: ClassVar[str] = "dispute"
    view_type: ClassVar[type[Any]] = DisputeView

    async def open(
        self, *, actor: str, registration_id: str, statement: str, settle_timeout: float | None = None
    ) -> DisputeView:
        """Contest ``registration_id``'s decision; the view once the parties' tasks are open."""
        problems = statement_problems(statement)
        if not registration_id.strip():
            problems.append(FieldProblem("registration_id", "must not be empty"))
        if problems:
            raise ValidationFailed(problems)
        reasons_view = await self._registration_view(registration_id)
        opening = await asyncio.to_thread(self._opening, actor, registration_id, statement, reasons_view)
        workflow_id = dispute_workflow_id(opening.contest_key)
        return await self.start_settled(
            DisputeWorkflow.run,
            opening,
            workflow_id,
            search_attributes=_initial_attributes(opening),
            settle_timeout=settle_timeout,
        )

    async def statement(self, workflow_id: str, actor: str, text: str) -> DisputeView:
        problems = statement_problems(text)
        if problems:
            raise ValidationFailed(problems)
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "statement", StatementUpdate(StatementInput(actor, text), acting)
        )

    async def withdraw(self, workflow_id: str, actor: str, comment: str = "") -> DisputeView:
        acting = await self.acting(actor)
        return await self.update(
            workflow_id, "withdraw", WithdrawUpdate(WithdrawInput(actor, comment), acting)
        )

    def list(
        self, *, partner_id: int | None = None, state: str | None = None, page: int = 1, per_page: int = 50
    ) -> tuple[list[Dispute], int]:
        """Disputes from the database projection, newest first, and how many match."""
        with self.session() as session:
            found = list_disputes(
                session=session, partner_id=partner_id, state=state, page=page, per_page=per_page
            )
        return list(found.items), found.total

    def of_registration(self, registration_id: str) -> Sequence[Dispute]:
        with self.session() as session:
            return disputes_of_registration(session=session, registration_id=registration_id)

    def thread(self, workflow_id: str) -> Sequence[DisputeStatement]:
        with self.session() as session:
            return thread(session=session, dispute_workflow_id=workflow_id)

    # --- opening ------------------------------------------------------------------------------

    async def _registration_view(self, registration_id: str) -> RegistrationView | None:
        """The registration's reasons with their facts (who held the account); None if unknown."""
        handle = self.temporal.get_workflow_handle(registration_id, result_type=RegistrationView)
        try:
            with temporal_errors("registration", registration_id):
                view: RegistrationView = await asyncio.wait_for(
                    handle.query("view_state", result_type=RegistrationView, rpc_timeout=self._rpc_timeout),
                    timeout=self.bounded(),
                )
                return view
        except (NotFound, DecisionRefused):
            return None

    def _opening(
        self, actor: str, registration_id: str, statement: str, view: RegistrationView | None
    ) -> DisputeOpening:
        now = datetime.now(UTC)
        with self.session() as session:
            found = actor_authority(session=session, username=actor, at=now)
            if found is None:
                raise DecisionRefused(f"unknown or inactive user {actor!r}")
            roles, partner_id, _ = found
            try:
                row = get_registration(session=session, workflow_id=registration_id)
            except NotFound:
                row = None
            direct = Role.DIRECT_SALES in roles and partner_id is None
            own = row is not None and partner_id is not None and row.partner_id == partner_id
            if row is None or view is None or not (own or direct or (_ON_BEHALF & set(roles))):
                # Another partner's registration looks exactly like one that does not exist.
                raise ValidationFailed([FieldProblem("registration_id", "no such registration of yours")])
            rulebook = rulebook_library(self.settings).get(row.rulebook_version)
            codes = [*row.last_reason_codes, *view.reason_codes]
            if direct:
                claimant = PartyView(side=Side.DIRECT)
                respondent = _party(session, row, view)
                refusal = direct_contest_refusal(
                    rulebook, standing=STANDING[row.state], decided_at=row.decided_at, now=now
                )
                contested = ["direct.contests_registration"]
            else:
                claimant = _party(session, row, view)
                refusal = contest_refusal(rulebook, reason_codes=codes, decided_at=row.decided_at, now=now)
                contested = contested_codes(codes)
            if refusal is not None:
                raise ValidationFailed([FieldProblem("registration_id", f"cannot be contested: {refusal}")])
            if not direct:
                respondent = self._respondent(session, codes, view)
            key = contest_key(claimant.registration_id, respondent.registration_id)
            earlier = dispute_of_contest(session=session, key=key)
            if earlier is not None:
                said = (
                    "this decision is already disputed"
                    if earlier.state in DisputeState.LIVE
                    else f"this decision was disputed already ({earlier.state}); a dispute over it is final"
                )
                raise ValidationFailed([FieldProblem("registration_id", said)])
            return DisputeOpening(
                contest_key=key,
                claimant=claimant,
                respondent=respondent,
                product_line=row.product_line,
                contested_codes=list(dict.fromkeys(contested)),
                statement=statement,
                opened_by=actor,
                decided_by=_decider(session, row.workflow_id),
            )

    def _respondent(self, session: Session, codes: Sequence[str], view: RegistrationView) -> PartyView:
        if respondent_of(codes) is Side.DIRECT:
            return PartyView(side=Side.DIRECT)
        holder_id = holder_registration(view.reasons)
        if holder_id is None:
            raise ValidationFailed(
                [FieldProblem("registration_id", "cannot be contested: no holder is on record")]
            )
        holder = get_registration(session=session, workflow_id=holder_id)
        return _party(session, holder, None)


def _party(session: Session, row: Registration, view: RegistrationView | None) -> PartyView:
    return PartyView(
        side=Side.PARTNER,
        partner_id=row.partner_id,
        partner_name=get_partner(session=session, partner_id=row.partner_id).name,
        registration_id=row.workflow_id,
        account_name=row.account_name,
        account_domain=row.account_domain,
        state=row.state,
        submitted_at=row.submitted_at,
        decided_at=row.decided_at,
        expires_at=row.expires_at,
        reasons=list(view.reasons) if view is not None else [],
        contact=row.submitted_by,
    )


def _decider(session: Session, registration_id: str) -> str | None:
    """The person who made the registration's decision (None when a rule made it)."""
    events = list_audit_events(session=session, process_id=registration_id, per_page=200).items
    for event in reversed(events):
        if event.action in _DECISIONS and not event.actor.startswith("rule:"):
            return event.actor
    return None


def statement_problems(text: str) -> list[FieldProblem]:
    if not text or not text.strip():
        return [FieldProblem("statement", "must not be empty")]
    if len(text) > MAX_STATEMENT:
        return [FieldProblem("statement", f"must be at most {MAX_STATEMENT} characters")]
    if "\x00" in text:
        return [FieldProblem("statement", "must not contain a NUL character")]
    return []


def _initial_attributes(opening: DisputeOpening) -> TypedSearchAttributes:
    def keyword(name: SearchAttribute) -> SearchAttributeKey[str]:
        return SearchAttributeKey.for_keyword(name.value)

    partner = opening.claimant.partner_id or opening.respondent.partner_id
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(keyword(SearchAttribute.PROCESS), PROCESS_TYPE),
        SearchAttributePair(keyword(SearchAttribute.STATE), "opened"),
    ]
    if partner is not None:
        pairs.append(SearchAttributePair(keyword(SearchAttribute.PARTNER), str(partner)))
    return TypedSearchAttributes(pairs)
