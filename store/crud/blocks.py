"""The blocking keys of every stored account and registration, as the rules core computes them.

``registration_blocks`` and ``account_blocks`` hold ``rules.matching.AccountKey.blocks`` of each
registration's account and of each end-customer account, written with the row itself, so the
live conflict check asks the database for exactly the rows ``rules.RegistrationIndex`` would give
for the same data: those sharing a key. ``reindex_blocks`` rewrites them for rows stored before the
tables existed or under an older key definition (``parley db reindex-accounts``); run again, it
changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from rules.matching import AccountKey
from store.models import Account, AccountBlock, Registration, RegistrationBlock

_BATCH = 2_000  # rows read and rewritten per round trip


def account_blocks(account_name: str, account_domain: str | None) -> frozenset[str]:
    """The blocking keys of an account as a row carries it."""
    return AccountKey.of(account_name, account_domain or "").block_keys


@dataclass(frozen=True)
class _Keyed:
    """A table whose rows carry an account, and the table holding their keys."""

    rows: Any  # the model: Registration or Account
    name: Any  # its account name column
    domain: Any  # its account domain column
    blocks: Any  # the key table: RegistrationBlock or AccountBlock
    owner: Any  # the key table's column naming the row


REGISTRATIONS = _Keyed(
    Registration, Registration.account_name, Registration.account_domain,
    RegistrationBlock, RegistrationBlock.registration_id,
)  # fmt: skip
ACCOUNTS = _Keyed(Account, Account.name, Account.web_domain, AccountBlock, AccountBlock.account_id)


def write_blocks(session: Session, row: Registration | Account) -> None:
    """Store the keys of a newly stored registration or account (in the caller's transaction)."""
    assert row.id is not None, "flush the row first"
    if isinstance(row, Registration):
        _insert(session, REGISTRATIONS, row.id, account_blocks(row.account_name, row.account_domain))
    else:
        _insert(session, ACCOUNTS, row.id, account_blocks(row.name, row.web_domain))


@dataclass(frozen=True)
class Reindexed:
    checked: int  # rows looked at
    rewritten: int  # rows whose stored keys differed from the rules core's


def reindex_blocks(session: Session) -> dict[str, Reindexed]:
    """Make every registration's and account's stored keys the rules core's; only rows whose keys
    differ are written. Returns the counts per table."""
    return {keyed.rows.__tablename__: _reindex(session, keyed) for keyed in (REGISTRATIONS, ACCOUNTS)}


def _reindex(session: Session, keyed: _Keyed) -> Reindexed:
    checked = rewritten = 0
    after = 0
    while True:
        rows = session.exec(
            select(keyed.rows.id, keyed.name, keyed.domain)
            .where(col(keyed.rows.id) > after)
            .order_by(col(keyed.rows.id))
            .limit(_BATCH)
        ).all()
        if not rows:
            return Reindexed(checked, rewritten)
        ids = [row[0] for row in rows if row[0] is not None]
        stored = _stored(session, keyed, ids)
        for row_id, name, domain in rows:
            wanted = account_blocks(name, domain)
            if stored.get(row_id, frozenset()) != wanted:
                session.execute(delete(keyed.blocks).where(col(keyed.owner) == row_id))
                _insert(session, keyed, row_id, wanted)
                rewritten += 1
        checked += len(rows)
        after = ids[-1]


def _stored(session: Session, keyed: _Keyed, ids: Iterable[int]) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = {}
    for block, owner in session.exec(
        select(keyed.blocks.block, keyed.owner).where(col(keyed.owner).in_(list(ids)))
    ):
        found.setdefault(owner, set()).add(block)
    return {key: frozenset(blocks) for key, blocks in found.items()}


def _insert(session: Session, keyed: _Keyed, row_id: int, blocks: frozenset[str]) -> None:
    if blocks:
        column = keyed.owner.key
        session.execute(insert(keyed.blocks), [{"block": b, column: row_id} for b in sorted(blocks)])
