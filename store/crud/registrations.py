"""Deal registrations as recorded by their workflows, and searches over them for pages and facts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from parley.errors import NotFound
from store.crud._common import Page, paginate, parse, refuse, require_exists, require_member
from store.crud.blocks import write_blocks
from store.keys import account_key, normalised_domain, normalised_name
from store.models import (
    Account,
    Partner,
    Registration,
    RegistrationCreate,
    RegistrationState,
    as_utc,
    utcnow,
)


def create_registration(*, session: Session, data: RegistrationCreate | Mapping[str, Any]) -> Registration:
    """Record a submitted registration; a retry with the same ``workflow_id`` returns the first.

    The normalised account fields and the claim key are derived from the submitted ones.
    """
    reg_in = parse(RegistrationCreate, data)
    existing = session.exec(
        select(Registration).where(Registration.workflow_id == reg_in.workflow_id)
    ).first()
    if existing is not None:
        return existing
    require_exists(session, Partner, reg_in.partner_id, "partner_id")
    require_exists(session, Account, reg_in.account_id, "account_id")
    duplicate = session.exec(
        select(Registration).where(
            Registration.partner_id == reg_in.partner_id,
            Registration.request_key == reg_in.request_key,
        )
    ).first()
    if duplicate is not None:
        raise refuse(
            "request_key",
            f"already used by this partner for process {duplicate.workflow_id}",
        )
    domain = reg_in.account_domain.strip() if reg_in.account_domain else None
    now = utcnow()
    registration = Registration(
        **reg_in.model_dump(exclude={"account_domain", "submitted_at", "state", "deal_value"}),
        account_domain=domain,
        normalised_name=normalised_name(reg_in.account_name),
        normalised_domain=normalised_domain(domain),
        account_key=account_key(reg_in.account_name, domain),
        state=reg_in.state.value,
        submitted_at=as_utc(reg_in.submitted_at) if reg_in.submitted_at else now,
        updated_at=now,
        deal_value=round(reg_in.deal_value, 2),
    )
    session.add(registration)
    session.flush()
    write_blocks(session, registration)
    return registration


def get_registration(*, session: Session, workflow_id: str, lock: bool = False) -> Registration:
    """The registration; ``lock`` holds its row until the session ends (PostgreSQL), so a state
    change by another transaction waits for this one, or this read waits for it and sees it."""
    query = select(Registration).where(Registration.workflow_id == workflow_id)
    registration = session.exec(query.with_for_update() if lock else query).first()
    if registration is None:
        raise NotFound("registration", workflow_id)
    return registration


def get_registration_by_id(*, session: Session, registration_id: int) -> Registration:
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound("registration", registration_id)
    return registration


def update_registration(
    *,
    session: Session,
    workflow_id: str,
    state: str | None = None,
    at: datetime | None = None,
    decided_at: datetime | None = None,
    expires_at: datetime | None = None,
    extensions_used: int | None = None,
    reason_codes: Sequence[str] | None = None,
    account_id: int | None = None,
) -> Registration:
    """Project a workflow transition: new state and whichever timestamps/counters changed.

    Idempotent: applying the same update twice leaves the same row.
    """
    registration = get_registration(session=session, workflow_id=workflow_id)
    if state is not None:
        registration.state = require_member("state", state, RegistrationState)
    if decided_at is not None:
        registration.decided_at = as_utc(decided_at)
    if expires_at is not None:
        registration.expires_at = as_utc(expires_at)
    if extensions_used is not None:
        if extensions_used < 0:
            raise refuse("extensions_used", "must not be negative")
        registration.extensions_used = extensions_used
    if reason_codes is not None:
        registration.last_reason_codes = [str(code) for code in reason_codes]
    if account_id is not None:
        require_exists(session, Account, account_id, "account_id")
        registration.account_id = account_id
    registration.updated_at = as_utc(at) if at else utcnow()
    session.add(registration)
    session.flush()
    return registration


def _states(states: str | Iterable[str] | None) -> list[str] | None:
    if states is None:
        return None
    values = [states] if isinstance(states, str) else list(states)
    return [require_member("state", value, RegistrationState) for value in values]


def list_registrations(
    *,
    session: Session,
    partner_id: int | None = None,
    account: str | None = None,
    state: str | Iterable[str] | None = None,
    territory: str | None = None,
    product_line: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[Registration]:
    """Registrations, newest first. ``account`` matches the submitted or normalised name, or the
    domain, as a case-insensitive substring."""
    query = select(Registration).order_by(col(Registration.submitted_at).desc(), col(Registration.id).desc())
    if partner_id is not None:
        query = query.where(Registration.partner_id == partner_id)
    if (states := _states(state)) is not None:
        query = query.where(col(Registration.state).in_(states))
    if territory is not None:
        query = query.where(Registration.territory == territory)
    if product_line is not None:
        query = query.where(Registration.product_line == product_line)
    if account and account.strip():
        needle, name_needle = account.strip(), normalised_name(account)
        query = query.where(
            or_(
                col(Registration.account_name).icontains(needle, autoescape=True),
                col(Registration.normalised_name).icontains(name_needle, autoescape=True),
                col(Registration.account_domain).icontains(needle, autoescape=True),
            )
        )
    items, total = paginate(session, query, page, per_page)
    return Page(items, total, page, per_page)


def open_registrations(
    *,
    session: Session,
    product_line: str | None = None,
    exclude_workflow_id: str | None = None,
) -> list[Registration]:
    """Registrations that hold or may hold their account: the candidates a conflict check needs."""
    query = select(Registration).where(col(Registration.state).in_(sorted(RegistrationState.LIVE)))
    if product_line is not None:
        query = query.where(Registration.product_line == product_line)
    if exclude_workflow_id is not None:
        query = query.where(Registration.workflow_id != exclude_workflow_id)
    return list(session.exec(query.order_by(col(Registration.submitted_at))).all())


def count_prior_submissions(
    *, session: Session, partner_id: int, account_key: str, product_line: str, before: datetime
) -> int:
    """How many times this partner registered this account and product line before ``before``."""
    query = select(func.count()).where(
        col(Registration.partner_id) == partner_id,
        col(Registration.account_key) == account_key,
        col(Registration.product_line) == product_line,
        col(Registration.submitted_at) < as_utc(before),
    )
    return int(session.exec(query).one())
