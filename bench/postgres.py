"""A throwaway database on the PostgreSQL server the benchmarks use (``PARLEY_BENCH_POSTGRES_URL``,
default the local server): created for one measurement and dropped after it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

POSTGRES_URL = os.environ.get("PARLEY_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def throwaway_database(prefix: str = "parley_bench") -> Iterator[str | None]:
    """A new, empty database's URL, dropped on leaving; None (and a line saying so) when the
    server does not answer, so a benchmark measures SQLite alone rather than failing."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from store.engine import create_engine_for, forget_engines

    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = create_engine_for(POSTGRES_URL).execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # any failure to reach the server means: skip PostgreSQL
        print(f"[postgres] not measured: {POSTGRES_URL} did not answer ({type(exc).__name__})")
        admin.engine.dispose()
        yield None
        return
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        forget_engines()  # the measurement's pooled connections would hold the database open
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.engine.dispose()
