"""What each reader may see of a discount request: the one place that decides it, for the API and
the pages.

Staff (approvers, integrators, admins) see a request whole. A partner user reads its own
partner's requests (others are 404, see ``web.api.access``): the terms, pricing, chain, reasons
and history, with the people in it shown as a partner reads them (its own colleagues and the
rules by name, the vendor's staff by the role they acted in, never by name); who approved each
step is not shown. A request names no other partner, so nothing else is withheld; the listing's
rows are the same for every reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models import DiscountException
from web.api.discount_schemas import (
    ApprovalOut,
    DiscountOut,
    DiscountRow,
    DiscountTaskOut,
    DiscountTermsOut,
    DiscountTransitionOut,
    RevisionOut,
)
from web.api.schemas import ReasonOut
from workflows.discount.types import DiscountTerms, DiscountView


def _terms(terms: DiscountTerms) -> DiscountTermsOut:
    return DiscountTermsOut(
        requested_discount=terms.requested_discount,
        deal_value=terms.deal_value,
        competitor=terms.competitor,
        justification=terms.justification,
    )


@dataclass
class _Actors:
    """How a partner user sees the people in a request's history: their own colleagues and the
    rules by name, the vendor's staff by the role they acted in."""

    own: set[str] = field(default_factory=set)
    roles: dict[str, str] = field(default_factory=dict)

    def shown(self, actor: str) -> str:
        if actor.startswith("rule:") or actor in self.own:
            return actor
        return self.roles.get(actor, "vendor")


def _actors_for_partner(view: DiscountView, partner_id: int) -> _Actors:
    actors = _Actors()
    names = {t.actor for t in view.history if not t.actor.startswith("rule:")}
    with session_scope() as db:
        for task in tasks_crud.list_process_tasks(session=db, process_id=view.workflow_id):
            for name in (task.closed_by, task.on_behalf_of):
                if name:
                    actors.roles.setdefault(name, task.role)
        for name in names:
            user = users_crud.get_user_by_username(session=db, username=name)
            if user is None:
                continue
            if user.partner_id is not None and user.partner_id == partner_id:
                actors.own.add(name)
            elif user.roles:
                actors.roles.setdefault(name, user.roles[0])
    for approval in view.approvals:
        actors.roles.setdefault(approval.by, approval.role)
    return actors


def discount_out(view: DiscountView, *, partner_id: int | None) -> DiscountOut:
    """The request as its reader may see it: whole for staff (``partner_id`` None), otherwise
    as a user of ``partner_id`` (the requesting partner) reads it."""
    submission = view.submission
    staff = partner_id is None
    shown = (lambda actor: actor) if partner_id is None else _actors_for_partner(view, partner_id).shown
    return DiscountOut(
        workflow_id=view.workflow_id,
        state=str(view.state),
        partner_id=submission.partner_id,
        registration_id=submission.registration_id,
        request_key=submission.request_key,
        rulebook_version=view.rulebook_version,
        standard_discount=view.standard_discount,
        total_discount=view.total_discount,
        band=view.band,
        valid_until=view.valid_until,
        decided_at=view.decided_at,
        terms=_terms(submission.terms),
        submitted_at=view.submitted_at,
        chain=view.chain,
        approvals=[
            ApprovalOut(
                role=a.role,
                discount=a.discount,
                at=a.at,
                by=a.by if staff else None,
                on_behalf_of=a.on_behalf_of if staff else None,
            )
            for a in view.approvals
        ],
        revisions=[
            RevisionOut(
                at=r.at,
                before=_terms(r.before),
                after=_terms(r.after),
                asked_again=r.asked_again,
                reasons=[ReasonOut.model_validate(reason.__dict__) for reason in r.reasons],
            )
            for r in view.revisions
        ],
        reasons=[ReasonOut.model_validate(r.__dict__) for r in view.reasons],
        ended_because=view.ended_because,
        open_tasks=[
            DiscountTaskOut(task_id=t.task_id, kind=t.kind, role=t.role, due_at=t.due_at, question=t.question)
            for t in view.open_tasks
        ],
        history=[
            DiscountTransitionOut(
                at=t.at,
                actor=shown(t.actor),
                action=t.action,
                before=t.before,
                after=t.after,
                reason_codes=t.reason_codes,
            )
            for t in view.history
        ],
    )


def discount_row_out(row: DiscountException) -> DiscountRow:
    """One request as the listing and the registration's page show it (the same for every reader)."""
    return DiscountRow(
        workflow_id=row.workflow_id,
        state=row.state,
        partner_id=row.partner_id,
        registration_id=row.registration_workflow_id,
        request_key=row.request_key,
        rulebook_version=row.rulebook_version,
        standard_discount=row.standard_discount,
        total_discount=row.total_discount,
        band=row.band,
        valid_until=row.valid_until,
        decided_at=row.decided_at,
        requested_discount=row.requested_discount,
        deal_value=row.deal_value,
        competitor=row.competitor,
        revisions=row.revisions,
        last_reason_codes=row.last_reason_codes,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )
