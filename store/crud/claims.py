"""The atomic "first to register" hold on an (account key, product line).

Holding is a row in ``account_claims`` whose unique constraint admits one holder however many
submissions race: on SQLite writers queue for the database lock, on PostgreSQL the second insert
waits for the first transaction and then finds the row. The loser learns who holds the account
and since when, which is what ``conflict.first_to_register`` reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from store.crud._common import insert_if_absent, refuse, require_exists, table_of
from store.models import AccountClaim, Partner, as_utc, utcnow

_UNIQUE = ("account_key", "product_line")
_ATTEMPTS = 3  # a holder may release between our insert and our read; then we try again


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of a claim: ``granted`` for the holder, else who holds it and since when."""

    granted: bool
    holder_workflow_id: str
    holder_partner_id: int
    holder_submitted_at: datetime


def get_claim(*, session: Session, account_key: str, product_line: str) -> AccountClaim | None:
    query = select(AccountClaim).where(
        AccountClaim.account_key == account_key, AccountClaim.product_line == product_line
    )
    # populate_existing: a copy already in this session could be stale under concurrency.
    return session.exec(query.execution_options(populate_existing=True)).first()


def claim_account(
    *,
    session: Session,
    account_key: str,
    product_line: str,
    workflow_id: str,
    partner_id: int,
    submitted_at: datetime,
) -> ClaimResult:
    """Try to hold the account for ``workflow_id``. Idempotent for the current holder.

    Commit the session promptly: until then other claimants of the same account wait.
    """
    for path, value in (
        ("account_key", account_key),
        ("product_line", product_line),
        ("workflow_id", workflow_id),
    ):
        if not value or not value.strip():
            raise refuse(path, "must not be empty")
    require_exists(session, Partner, partner_id, "partner_id")
    values = {
        "account_key": account_key,
        "product_line": product_line,
        "workflow_id": workflow_id,
        "partner_id": partner_id,
        "submitted_at": as_utc(submitted_at),
        "claimed_at": utcnow(),
    }
    for _ in range(_ATTEMPTS):
        if insert_if_absent(session, table_of(AccountClaim), values, _UNIQUE):
            return ClaimResult(True, workflow_id, partner_id, as_utc(submitted_at))
        holder = get_claim(session=session, account_key=account_key, product_line=product_line)
        if holder is not None:
            return ClaimResult(
                holder.workflow_id == workflow_id,
                holder.workflow_id,
                holder.partner_id,
                holder.submitted_at,
            )
    raise RuntimeError(f"claim on {account_key}/{product_line} kept changing hands")


def release_account(*, session: Session, account_key: str, product_line: str, workflow_id: str) -> bool:
    """Release the hold if ``workflow_id`` has it; True if a hold was released.

    Releasing a hold one does not have (or twice) does nothing, so retries are safe.
    """
    statement = delete(AccountClaim).where(
        AccountClaim.account_key == account_key,  # type: ignore[arg-type]
        AccountClaim.product_line == product_line,  # type: ignore[arg-type]
        AccountClaim.workflow_id == workflow_id,  # type: ignore[arg-type]
    )
    result = session.execute(statement)
    session.flush()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def transfer_claim(
    *,
    session: Session,
    account_key: str,
    product_line: str,
    from_workflow_id: str,
    to_workflow_id: str,
    to_partner_id: int,
    to_submitted_at: datetime,
) -> bool:
    """Hand the hold from one registration to another in one statement, so at no moment is the
    account free for a third registration (a dispute's award). True if ``from_workflow_id`` held it
    (or ``to_workflow_id`` already does: a retry)."""
    statement = (
        update(AccountClaim)
        .where(
            AccountClaim.account_key == account_key,  # type: ignore[arg-type]
            AccountClaim.product_line == product_line,  # type: ignore[arg-type]
            AccountClaim.workflow_id == from_workflow_id,  # type: ignore[arg-type]
        )
        .values(
            workflow_id=to_workflow_id,
            partner_id=to_partner_id,
            submitted_at=as_utc(to_submitted_at),
            claimed_at=utcnow(),
        )
    )
    moved = bool(session.execute(statement).rowcount)  # type: ignore[attr-defined]
    session.flush()
    if moved:
        return True
    holder = get_claim(session=session, account_key=account_key, product_line=product_line)
    return holder is not None and holder.workflow_id == to_workflow_id
