"""Partner exits: the row each exit workflow writes, the partner's status and access as the exit
moves them, each open registration's disposition, and what pages and the API list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, insert_if_absent, paginate, refuse, require_member, table_of
from store.models import (
    DispositionState,
    Exit,
    ExitDisposition,
    ExitState,
    Partner,
    PartnerStatus,
    Registration,
    RegistrationState,
    as_utc,
    utcnow,
)

EXIT_TYPES = ("voluntary", "for_cause", "program_change")
# A partner in these states can be given notice; an exiting one is already on its way out.
MAY_EXIT = frozenset({PartnerStatus.ACTIVE, PartnerStatus.SUSPENDED})
OPEN_REGISTRATION = (
    RegistrationState.SUBMITTED,
    RegistrationState.PENDING_APPROVAL,
    RegistrationState.INFO_REQUESTED,
    RegistrationState.APPROVED,
)


def check_may_exit(*, session: Session, partner_id: int) -> Partner:
    """The partner, or a refusal naming ``partner_id`` when it cannot be given notice now."""
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise refuse("partner_id", f"no partner with id {partner_id}")
    if partner.status not in MAY_EXIT:
        raise refuse("partner_id", f"partner {partner_id} is {partner.status}: an exit is already under way")
    live = session.exec(select(Exit).where(Exit.live_partner_id == partner_id)).first()
    if live is not None:
        raise refuse("partner_id", f"partner {partner_id} is already exiting ({live.workflow_id})")
    return partner


def create_exit(
    *,
    session: Session,
    workflow_id: str,
    partner_id: int,
    exit_type: str,
    why: str,
    started_by: str,
    rulebook_version: str,
) -> Exit:
    """Record a started exit; a retry with the same ``workflow_id`` returns the first. A second
    live exit of the same partner is refused naming ``partner_id``."""
    existing = session.exec(select(Exit).where(Exit.workflow_id == workflow_id)).first()
    if existing is not None:
        return existing
    require_member("exit_type", exit_type, EXIT_TYPES)
    if not why.strip():
        raise refuse("why", "say why the partnership ends: the audit and the partner read it")
    partner = check_may_exit(session=session, partner_id=partner_id)
    now = utcnow()
    values = {
        "workflow_id": workflow_id,
        "partner_id": partner_id,
        "live_partner_id": partner_id,
        "exit_type": exit_type,
        "why": why.strip()[:2000],
        "started_by": started_by,
        "rulebook_version": rulebook_version,
        "state": ExitState.STARTED,
        "previous_status": partner.status,
        "last_reason_codes": [],
        "opened_at": now,
        "updated_at": now,
    }
    if not insert_if_absent(session, table_of(Exit), values, ("live_partner_id",)):
        raise refuse("partner_id", f"partner {partner_id} is already exiting")
    return get_exit(session=session, workflow_id=workflow_id)


def get_exit(*, session: Session, workflow_id: str) -> Exit:
    query = select(Exit).where(Exit.workflow_id == workflow_id)
    row = session.exec(query.execution_options(populate_existing=True)).first()
    if row is None:
        raise NotFound("exit", workflow_id)
    return row


@dataclass(frozen=True)
class ExitTimeline:
    notice_given_at: datetime
    notice_ends_at: datetime
    access_revoked_at: datetime
    commission_ends_at: datetime
    mdf_ends_at: datetime


def update_exit(
    *,
    session: Session,
    workflow_id: str,
    state: str,
    at: datetime,
    reason_codes: Sequence[str] | None = None,
    timeline: ExitTimeline | None = None,
    ends_at: datetime | None = None,
) -> Exit:
    """Move the exit's row, and the partner's status and access with it: in notice the partner is
    exiting (access revoked now when the rulebook says so); winding down it has exited and has no
    access; cancelled, its status and access are what they were before."""
    require_member("state", state, list(ExitState))
    row = get_exit(session=session, workflow_id=workflow_id)
    partner = session.get(Partner, row.partner_id)
    assert partner is not None
    at = as_utc(at)
    if timeline is not None:
        row.notice_given_at = timeline.notice_given_at
        row.notice_ends_at = timeline.notice_ends_at
        row.access_revoked_at = timeline.access_revoked_at
        row.commission_ends_at = timeline.commission_ends_at
        row.mdf_ends_at = timeline.mdf_ends_at
    if ends_at is not None:
        row.ends_at = ends_at
    if state == ExitState.NOTICE:
        partner.status = PartnerStatus.EXITING
        if row.access_revoked_at is not None and as_utc(row.access_revoked_at) <= at:
            partner.access_revoked_at = partner.access_revoked_at or at
    elif state in (ExitState.WINDING_DOWN, ExitState.COMPLETED):
        partner.status = PartnerStatus.EXITED
        partner.access_revoked_at = partner.access_revoked_at or at
    elif state == ExitState.CANCELLED and row.state in (ExitState.NOTICE, ExitState.CANCELLED):
        partner.status = row.previous_status
        partner.access_revoked_at = None
    if state in ExitState.FINAL:
        row.live_partner_id = None
    row.state = state
    row.updated_at = at
    if reason_codes is not None:
        row.last_reason_codes = list(reason_codes)
    session.add(row)
    session.add(partner)
    session.flush()
    return row


@dataclass(frozen=True)
class DispositionRecord:
    registration_id: str
    disposition: str
    state: str
    effective_at: datetime
    reason_codes: list[str]
    transferee_partner_id: int | None = None
    transferee_registration_id: str | None = None


def record_dispositions(
    *, session: Session, exit_workflow_id: str, records: Sequence[DispositionRecord], at: datetime
) -> None:
    """Write each registration's disposition as it stands now (a retry writes the same)."""
    for record in records:
        require_member("state", record.state, list(DispositionState))
        query = select(ExitDisposition).where(
            ExitDisposition.exit_workflow_id == exit_workflow_id,
            ExitDisposition.registration_id == record.registration_id,
        )
        row = session.exec(query).first() or ExitDisposition(
            exit_workflow_id=exit_workflow_id,
            registration_id=record.registration_id,
            disposition=record.disposition,
            effective_at=record.effective_at,
        )
        row.disposition = record.disposition
        row.state = record.state
        row.effective_at = record.effective_at
        row.reason_codes = list(record.reason_codes)
        row.transferee_partner_id = record.transferee_partner_id
        row.transferee_registration_id = record.transferee_registration_id
        row.updated_at = as_utc(at)
        session.add(row)
    session.flush()


def dispositions_of(*, session: Session, exit_workflow_id: str) -> list[ExitDisposition]:
    query = select(ExitDisposition).where(ExitDisposition.exit_workflow_id == exit_workflow_id)
    return list(session.exec(query.order_by(col(ExitDisposition.id))).all())


def open_registrations(*, session: Session, partner_id: int) -> list[Registration]:
    """The partner's registrations that may still need a disposition, oldest first."""
    query = select(Registration).where(
        Registration.partner_id == partner_id, col(Registration.state).in_(OPEN_REGISTRATION)
    )
    return list(session.exec(query.order_by(col(Registration.submitted_at), col(Registration.id))).all())


def other_registrations_of_account(*, session: Session, registration: Registration) -> list[Registration]:
    """Other partners' registrations of the same account and product line (the transfer's
    candidates), in the order they were submitted."""
    query = select(Registration).where(
        Registration.account_key == registration.account_key,
        Registration.product_line == registration.product_line,
        Registration.partner_id != registration.partner_id,
    )
    return list(session.exec(query.order_by(col(Registration.submitted_at), col(Registration.id))).all())


def list_exits(
    *,
    session: Session,
    partner_id: int | None = None,
    state: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Exit]:
    query = select(Exit)
    if partner_id is not None:
        query = query.where(Exit.partner_id == partner_id)
    if state is not None:
        query = query.where(Exit.state == require_member("state", state, list(ExitState)))
    rows, total = paginate(session, query.order_by(col(Exit.id).desc()), page, per_page)
    return Page(rows, total, page, per_page)
