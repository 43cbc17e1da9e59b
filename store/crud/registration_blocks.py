"""The blocking keys of every registration's account, as the rules core computes them.

``registration_blocks`` holds ``rules.matching.AccountKey.blocks`` of each registration, written
with the registration itself, so the live conflict check asks the database for exactly the
registrations ``rules.RegistrationIndex`` would give for the same rows: those sharing a key.
``reindex_blocks`` rewrites them for rows stored before the table existed or under an older
key definition (``parley db reindex-accounts``); run again, it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from rules.matching import AccountKey
from store.models import Registration, RegistrationBlock

_BATCH = 2_000  # registrations read and rewritten per round trip


def account_blocks(account_name: str, account_domain: str | None) -> frozenset[str]:
    """The blocking keys of an account as a registration carries it."""
    return AccountKey.of(account_name, account_domain or "").block_keys


def write_blocks(session: Session, registration: Registration) -> None:
    """Store the keys of a newly stored registration (in the caller's transaction)."""
    assert registration.id is not None, "flush the registration first"
    rows = [
        {"block": block, "registration_id": registration.id}
        for block in sorted(account_blocks(registration.account_name, registration.account_domain))
    ]
    if rows:
        session.execute(insert(RegistrationBlock), rows)


@dataclass(frozen=True)
class Reindexed:
    checked: int  # registrations looked at
    rewritten: int  # registrations whose stored keys differed from the rules core's


def reindex_blocks(session: Session) -> Reindexed:
    """Make every registration's stored keys the rules core's; only differing rows are written."""
    checked = rewritten = 0
    after = 0
    while True:
        rows = session.exec(
            select(Registration.id, Registration.account_name, Registration.account_domain)
            .where(col(Registration.id) > after)
            .order_by(col(Registration.id))
            .limit(_BATCH)
        ).all()
        if not rows:
            return Reindexed(checked, rewritten)
        ids = [row[0] for row in rows if row[0] is not None]
        stored = _stored(session, ids)
        for registration_id, name, domain in rows:
            assert registration_id is not None
            wanted = account_blocks(name, domain)
            if stored.get(registration_id, frozenset()) != wanted:
                _replace(session, registration_id, wanted)
                rewritten += 1
        checked += len(rows)
        after = ids[-1]


def _stored(session: Session, ids: Iterable[int]) -> dict[int, frozenset[str]]:
    found: dict[int, set[str]] = {}
    for block, registration_id in session.exec(
        select(RegistrationBlock.block, RegistrationBlock.registration_id).where(
            col(RegistrationBlock.registration_id).in_(list(ids))
        )
    ):
        found.setdefault(registration_id, set()).add(block)
    return {key: frozenset(blocks) for key, blocks in found.items()}


def _replace(session: Session, registration_id: int, blocks: frozenset[str]) -> None:
    session.execute(
        delete(RegistrationBlock).where(col(RegistrationBlock.registration_id) == registration_id)
    )
    if blocks:
        session.execute(
            insert(RegistrationBlock),
            [{"block": block, "registration_id": registration_id} for block in sorted(blocks)],
        )
