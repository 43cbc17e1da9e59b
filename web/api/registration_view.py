"""What each reader may see of a registration: the one place that decides it, for the API and the pages.

Staff (approvers, integrators, admins) see a registration whole. A partner user reads its own
partner's registrations (others are 404, see ``web.api.access``) with the rulebook's reasons as
the partner may read them: a reason that names another registration (a conflict, a flagged
duplicate, an exit's transferee) gives the rule's meaning in words ("another partner registered
the account and product line first", "direct sales was engaged with the account first") with its
dates and how alike the accounts were, never the other partner's id, its registration (whose id
carries its request key) or its spelling of the account. The audit events of the registration
are read the same way: the partner keeps the comments and the ids of the dispute or exit it
stands in, not the holders an approver judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rules.reasons import Reason, meaning
from store.crud import discounts as discounts_crud
from store.crud import disputes as disputes_crud
from store.crud.webhooks import INTEGRATOR_ROLES
from store.engine import session_scope
from store.models.records import AuditEvent
from web.api.schemas import AuditEventOut, DisputeLink, ReasonOut, RegistrationOut
from web.identity import Principal
from workflows.dispute.types import CLAIMANT, RESPONDENT

# Facts that name another registration or partner, or carry its spelling of the account.
_NAMING = frozenset({"registration_id", "holder", "account", "partner"})
# What a partner reads of an audit event's detail (the rest names judged holders or transferees).
_PARTNER_DETAIL = frozenset({"comment", "dispute_id", "exit_id", "resolution"})


def partner_view(principal: Principal) -> bool:
    """Whether ``principal`` reads registrations as a partner (a partner user and nothing more)."""
    return bool(principal.is_partner and not principal.is_approver and not INTEGRATOR_ROLES & principal.roles)


def reason_out(reason: Reason, *, partner: bool) -> ReasonOut:
    """``reason`` as its reader may see it (``partner``: as the registering partner)."""
    if not partner or not _NAMING & reason.facts.keys():
        return ReasonOut(code=reason.code, text=reason.text, facts=dict(reason.facts))
    facts = {k: v for k, v in reason.facts.items() if k not in _NAMING}
    since = f" (since {facts['since']})" if "since" in facts else ""
    return ReasonOut(code=reason.code, text=f"{meaning(reason.code)}{since}", facts=facts)


def code_reasons(codes: Iterable[str]) -> list[ReasonOut]:
    """Reasons known only by their codes (a registration whose process cannot be read now): the
    rule's meaning, which names nobody, for every reader."""
    return [ReasonOut(code=code, text=meaning(code)) for code in codes]


def audit_event_out(event: AuditEvent, *, partner: bool) -> AuditEventOut:
    """One audit event of a registration as its reader may see it."""
    out = AuditEventOut.model_validate(event)
    if not partner:
        return out
    return out.model_copy(update={"detail": {k: v for k, v in out.detail.items() if k in _PARTNER_DETAIL}})


def registration_out(view: Any, *, partner: bool) -> RegistrationOut:
    """The registration (a ``RegistrationView``) as its reader may see it."""
    submission = view.submission
    return RegistrationOut(
        workflow_id=view.workflow_id,
        state=str(view.state),
        partner_id=submission.partner_id,
        request_key=submission.request_key,
        account_name=submission.account_name,
        account_domain=submission.account_domain,
        territory=submission.territory,
        vertical=submission.vertical,
        product_line=submission.product_line,
        deal_value=submission.deal_value,
        notes=submission.notes,
        rulebook_version=view.rulebook_version,
        submitted_at=view.submitted_at,
        decided_at=view.decided_at,
        expires_at=view.expires_at,
        extensions_used=view.extensions_used,
        reasons=[reason_out(r, partner=partner) for r in view.reasons],
        open_task=view.open_task.__dict__ if view.open_task else None,
        extensions=[e.__dict__ for e in view.extensions],
        history=[t.__dict__ for t in view.history],
        discounts=_discounts(view.workflow_id, view.discounts),
        disputes=_disputes(view.workflow_id),
    )


def _discounts(workflow_id: str, signalled: list[str]) -> list[str]:
    """The discount requests on file for it (and, from histories recorded before those rows were
    the link, any the registration was told of by a signal)."""
    with session_scope() as db:
        on_file = discounts_crud.discount_ids(session=db, registration_workflow_id=workflow_id)
    return [*signalled, *(d for d in on_file if d not in signalled)]


def _disputes(workflow_id: str) -> list[DisputeLink]:
    """The disputes it stands in, from their rows (the dispute's id names neither side)."""
    with session_scope() as db:
        rows = disputes_crud.disputes_of_registration(session=db, registration_id=workflow_id)
    return [
        DisputeLink(
            workflow_id=row.workflow_id,
            side=CLAIMANT if row.claimant_registration_id == workflow_id else RESPONDENT,
            state=row.state,
            resolution=row.resolution,
        )
        for row in rows
    ]
