"""Engines and sessions. One engine per URL per process; one short-lived session per unit of work."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlmodel import Session, create_engine

from parley.errors import ConfigurationError
from parley.settings import get_settings


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    # WAL lets the web app read while the worker writes; the busy timeout makes writers queue
    # instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _masked(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def create_engine_for(url: str) -> Engine:
    """A new engine for ``url`` (the caller disposes it); most code wants ``engine_for``."""
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ConfigurationError(
            "PARLEY_DATABASE_URL", _masked(url), f"not a usable database URL ({exc})"
        ) from exc
    return engine


_ENGINES: OrderedDict[str, Engine] = OrderedDict()
_ENGINES_LOCK = threading.Lock()
_ENGINES_KEPT = 8  # a service uses one URL; tests use many


def engine_for(url: str) -> Engine:
    """The process-wide engine for ``url``, created on first use. Past the few kept, the least
    recently used one is disposed of: its pooled connections are closed now rather than left open
    until the garbage collector finds them."""
    with _ENGINES_LOCK:
        engine = _ENGINES.get(url)
        if engine is not None:
            _ENGINES.move_to_end(url)
            return engine
        engine = _ENGINES[url] = create_engine_for(url)
        while len(_ENGINES) > _ENGINES_KEPT:
            _ENGINES.popitem(last=False)[1].dispose()
        return engine


def forget_engines() -> None:
    """Dispose of every kept engine (settings changed: the next use creates them again)."""
    with _ENGINES_LOCK:
        while _ENGINES:
            _ENGINES.popitem()[1].dispose()


def get_engine() -> Engine:
    return engine_for(get_settings().resolved_database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing is half-written."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def database_ping(engine: Engine | None = None) -> tuple[str, bool]:
    engine = engine or get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return engine.dialect.name, False
    return engine.dialect.name, True
