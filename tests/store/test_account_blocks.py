"""The conflict check's account keys on SQLite and PostgreSQL: written with each registration and
each end-customer account, back-filled by migration 0005 for rows stored before it, rewritten
only where they differ."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import select

from store.crud.blocks import account_blocks, reindex_blocks
from store.engine import session_scope
from store.models import AccountBlock, RegistrationBlock
from store.schema import alembic_config, head_revision, upgrade_database
from tests.store.factories import make_partner, make_registration

OLD_ACCOUNT = (
    "INSERT INTO accounts (name, web_domain, territory, vertical, normalised_name, normalised_domain, "
    "created_at) VALUES (:name, :domain, 'emea', 'retail', :name, :domain, :at)"
)
OLD_ROW = (
    "INSERT INTO registrations (workflow_id, partner_id, request_key, account_name, account_domain, "
    "territory, vertical, product_line, deal_value, submitted_by, rulebook_version, normalised_name, "
    "normalised_domain, account_key, state, submitted_at, extensions_used, last_reason_codes, "
    "updated_at) VALUES (:wid, :pid, :key, :name, :domain, 'emea', 'retail', 'core', 1000, 'u', "
    "'2026.1', :name, :domain, :name, 'approved', :at, 0, '[]', :at)"
)


def _stored(engine: Engine) -> dict[int | None, frozenset[str]]:
    found: dict[int | None, set[str]] = {}
    with session_scope(engine) as session:
        for row in session.exec(select(RegistrationBlock)):
            found.setdefault(row.registration_id, set()).add(row.block)
    return {k: frozenset(v) for k, v in found.items()}


def test_a_stored_registration_carries_the_rules_cores_keys(engine: Engine) -> None:
    with session_scope(engine) as session:
        partner = make_partner(session)
        row = make_registration(
            session, partner, account_name="Mercy Health Partners", account_domain="mercy.org"
        )
        row_id = row.id
    assert _stored(engine)[row_id] == account_blocks("Mercy Health Partners", "mercy.org")


def test_migration_back_fills_older_rows_and_reindexing_again_changes_nothing(
    database_url: str, engine: Engine
) -> None:
    with session_scope(engine) as session:  # before the downgrade: the model is of the head schema
        partner_id = make_partner(session).id
    command.downgrade(alembic_config(database_url), "0004")
    at = datetime(2026, 5, 1, tzinfo=UTC)
    accounts = [("AT&T", None), ("Quorvex", "quorvex.com"), ("zyntrax.io", None)]
    with engine.begin() as connection:
        for i, (name, domain) in enumerate(accounts):
            connection.execute(
                text(OLD_ROW),
                {
                    "wid": f"wf-old-{i}",
                    "pid": partner_id,
                    "key": f"k{i}",
                    "name": name,
                    "domain": domain,
                    "at": at,
                },
            )
            connection.execute(text(OLD_ACCOUNT), {"name": name, "domain": domain, "at": at})
    assert upgrade_database(database_url) == head_revision()
    with engine.connect() as connection:
        ids: dict[str, int] = dict(
            connection.execute(text("SELECT workflow_id, id FROM registrations")).all()
        )
    stored = _stored(engine)
    for i, (name, domain) in enumerate(accounts):
        assert stored[ids[f"wf-old-{i}"]] == account_blocks(name, domain)
    with session_scope(engine) as session:
        by_account = {(a.account_id, a.block) for a in session.exec(select(AccountBlock))}
        named = {name: i for name, i in session.execute(text("SELECT name, id FROM accounts"))}
        again = reindex_blocks(session)
    for name, domain in accounts:
        assert {b for a, b in by_account if a == named[name]} == account_blocks(name, domain)
    assert again["registrations"].checked == len(ids) and again["registrations"].rewritten == 0
    assert again["accounts"].checked == len(accounts) and again["accounts"].rewritten == 0


def test_reindex_rewrites_only_what_differs(engine: Engine, database_url: str, tmp_path: Path) -> None:
    with session_scope(engine) as session:
        partner = make_partner(session)
        kept = make_registration(session, partner, account_name="Kept Widgets", account_domain=None).id
        stale = make_registration(session, partner, account_name="Stale Widgets", account_domain=None).id
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM registration_blocks WHERE registration_id = :id"), {"id": stale})
        connection.execute(
            text("INSERT INTO registration_blocks (block, registration_id) VALUES ('t:obsolete', :id)"),
            {"id": stale},
        )
    env = {**os.environ, "PARLEY_DATABASE_URL": database_url, "PARLEY_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "parley", "db", "reindex-accounts"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "registrations: 2 checked, 1 rewritten; accounts: 0 checked, 0 rewritten" in result.stdout
    stored = _stored(engine)
    assert stored[stale] == account_blocks("Stale Widgets", None)
    assert stored[kept] == account_blocks("Kept Widgets", None)
