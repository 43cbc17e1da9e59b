"""``parley db upgrade|current|reindex-accounts|seed-demo``: the schema, the conflict check's
account keys, and the demo data."""

from __future__ import annotations

import click

from parley.cli.console import friendly_errors


@click.group("db")
def db_group() -> None:
    """The database (PARLEY_DATABASE_URL; default: a SQLite file under PARLEY_DATA_DIR)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@friendly_errors
def upgrade(revision: str) -> None:
    """Apply migrations (safe to run again)."""
    from parley.settings import get_settings
    from store.schema import shown_url, upgrade_database

    reached = upgrade_database(None, revision)
    click.echo(f"{shown_url(get_settings().resolved_database_url)}: at revision {reached}")


@db_group.command("current")
@friendly_errors
def current() -> None:
    """Show the revision the database is at and the newest one this code ships."""
    from store.schema import current_revision, head_revision

    now, head = current_revision(), head_revision()
    state = "up to date" if now == head else "needs `parley db upgrade`"
    click.echo(f"current: {now or 'none (empty database)'}  head: {head}  ({state})")


@db_group.command("reindex-accounts")
@friendly_errors
def reindex_accounts() -> None:
    """Rewrite every registration's and account's blocking keys as the rules core computes them.

    Needed only after an upgrade that changes how accounts are normalised (the conflict check
    finds candidates through these keys); safe to run again: it rewrites only rows that differ.
    """
    from parley.settings import get_settings
    from store.crud.blocks import reindex_blocks
    from store.engine import session_scope
    from store.schema import shown_url, upgrade_database

    upgrade_database()
    with session_scope() as session:
        done = reindex_blocks(session)
    click.echo(
        f"{shown_url(get_settings().resolved_database_url)}: "
        + "; ".join(f"{table}: {d.checked} checked, {d.rewritten} rewritten" for table, d in done.items())
    )


@db_group.command("seed-demo")
@friendly_errors
def seed_demo() -> None:
    """Migrate, then add demo partners, accounts and users (once); print the demo logins.

    The demo passwords are public: use this only on a local demo database.
    """
    from store.demo import ensure_demo_data
    from store.schema import upgrade_database

    upgrade_database()
    click.echo("Demo logins (user / password / role):")
    for login in ensure_demo_data():
        click.echo(f"  {login}")


def register(group: click.Group) -> None:
    group.add_command(db_group)
