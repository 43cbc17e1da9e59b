"""Migrations: they run on every database, match the models, and refuse bad URLs clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from parley.errors import ConfigurationError
from store.schema import alembic_config, current_revision, head_revision, upgrade_database


def test_migrated_database_is_at_head_with_every_table(database_url: str, engine: Engine) -> None:
    assert current_revision(database_url) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= tables


def test_migrations_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_upgrade_is_repeatable(database_url: str) -> None:
    assert upgrade_database(database_url) == head_revision()
    assert upgrade_database(database_url) == head_revision()


def test_fresh_sqlite_file_is_created_and_migrated(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert current_revision(url) is None
    assert upgrade_database(url) == head_revision()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "not a usable database URL"),
        ("nosuchdb://x/y", "not a usable database URL"),
        ("sqlite:////no/such/dir/parley.db", "does not exist"),
        ("postgresql+psycopg://nobody:secret@127.0.0.1:1/parley", "cannot open the database"),
    ],
)
def test_bad_url_names_the_setting(url: str, expected: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        upgrade_database(url)
    message = str(caught.value)
    assert message.startswith("PARLEY_DATABASE_URL=")
    assert expected in message
    assert "secret" not in message


def test_downgrade_to_base_and_back(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "base")
    assert current_revision(database_url) is None
    assert not {t.name for t in SQLModel.metadata.sorted_tables} & set(inspect(engine).get_table_names())
    assert upgrade_database(database_url) == head_revision()
