"""Database fixtures shared by every test suite (listed in tests/conftest.py ``pytest_plugins``).

``database_url`` runs a test once per database: SQLite always (a fresh, migrated file per test)
and PostgreSQL when ``PARLEY_TEST_POSTGRES_URL`` names a server. On PostgreSQL each test session
creates its own throwaway database (``parley_test_<time>_<random>``) on that server, migrates it once,
empties every table before each test and drops the database at the end, so several people can run
the suite against one server at the same time.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel

import store.models  # noqa: F401  (registers every table)
from parley.settings import get_settings
from store.engine import create_engine_for, engine_for, forget_engines
from store.schema import upgrade_database

POSTGRES_ENV = "PARLEY_TEST_POSTGRES_URL"
PREFIX = "parley_test_"
ABANDONED_AFTER = 6 * 3600  # seconds; a test session never lasts this long


def _backends() -> list[object]:
    backends: list[object] = [pytest.param("sqlite", id="sqlite")]
    if os.environ.get(POSTGRES_ENV):
        backends.append(pytest.param("postgres", id="postgres", marks=pytest.mark.postgres))
    return backends


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


def _drop_abandoned(connection: Connection) -> None:
    """Drop test databases left by killed sessions (named with their creation time)."""
    names = connection.execute(
        text("SELECT datname FROM pg_database WHERE datname LIKE :pattern"),
        {"pattern": PREFIX.replace("_", r"\_") + "%"},
    ).scalars()
    for name in list(names):
        created = name[len(PREFIX) :].split("_", 1)[0]
        if created.isdigit() and time.time() - int(created) > ABANDONED_AFTER:
            with contextlib.suppress(DBAPIError):  # still in use: leave it
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture(scope="session")
def postgres_engine() -> Iterator[Engine]:
    """An engine on this session's own migrated PostgreSQL database, dropped afterwards."""
    server_url = os.environ.get(POSTGRES_ENV)
    if not server_url:
        pytest.skip(f"{POSTGRES_ENV} is not set")
    name = f"{PREFIX}{int(time.time())}_{secrets.token_hex(4)}"
    admin = create_engine_for(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        _drop_abandoned(connection)
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    engine = create_engine_for(url)
    try:
        upgrade_database(url)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.engine.dispose()


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE TABLE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """An empty, migrated SQLite database only: for slow tests of workflow logic that reads and
    writes nothing a database could differ on (the same paths run on both elsewhere)."""
    path = tmp_path / "parley.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=_backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty, migrated database (once per backend)."""
    if request.param == "sqlite":
        path = tmp_path / "parley.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    engine: Engine = request.getfixturevalue("postgres_engine")
    _truncate_all(engine)
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine of the test's own (disposed at the end of the test)."""
    engine = create_engine_for(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test database; the test commits what it wants to keep."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def parley_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Point Parley's settings (``PARLEY_DATABASE_URL``) at the test database for this test.

    For code that finds its database through ``get_settings()``/``get_engine()`` (web app, CLI,
    activities run in-process).
    """
    monkeypatch.setenv("PARLEY_DATABASE_URL", database_url)
    get_settings.cache_clear()
    forget_engines()
    yield database_url
    engine_for(database_url).dispose()
    forget_engines()
    get_settings.cache_clear()
