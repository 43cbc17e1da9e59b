"""Schema management: apply Alembic migrations and report the database's revision.

Alembic is configured here in code (``script_location = store:migrations``), so the package
carries its migrations and no alembic.ini is needed wherever Parley is installed.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from parley.errors import ConfigurationError
from parley.settings import get_settings
from store.engine import create_engine_for

SETTING = "PARLEY_DATABASE_URL"


def _resolve(url: str | None) -> str:
    if url is not None:
        return url
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.resolved_database_url


def shown_url(url: str) -> str:
    """The URL as safe to print: any password is masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", "store:migrations")
    # Passed as an attribute, not a main option: ConfigParser would mangle a '%' in a password.
    config.attributes["url"] = url
    return config


def _unreachable(url: str, exc: Exception) -> ConfigurationError:
    # The driver's own message (without SQLAlchemy's wrapping), first line only.
    text = str(getattr(exc, "orig", None) or exc).strip()
    first_line = text.splitlines()[0] if text else type(exc).__name__
    return ConfigurationError(SETTING, shown_url(url), f"cannot open the database ({first_line})")


def _check_sqlite_parent(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        parent = Path(parsed.database).parent
        if not parent.is_dir():
            raise ConfigurationError(SETTING, shown_url(url), f"directory {parent} does not exist")


def upgrade_database(url: str | None = None, revision: str = "head") -> str | None:
    """Migrate the database at ``url`` (default: the settings) to ``revision``; return the new one.

    An unusable URL or an unreachable database raises ``ConfigurationError`` naming the setting.
    """
    url = _resolve(url)
    engine = create_engine_for(url)  # raises ConfigurationError for a malformed URL
    try:
        _check_sqlite_parent(url)
        with engine.begin() as connection:
            config = alembic_config(url)
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise _unreachable(url, exc) from exc
    finally:
        engine.dispose()


def current_revision(url: str | None = None) -> str | None:
    """The revision the database is at (``None`` when it has never been migrated)."""
    url = _resolve(url)
    engine = create_engine_for(url)
    try:
        _check_sqlite_parent(url)
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        raise _unreachable(url, exc) from exc
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision shipped with this code."""
    return ScriptDirectory.from_config(alembic_config("")).get_current_head()
