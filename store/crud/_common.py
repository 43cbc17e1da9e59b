"""Helpers shared by the data-access functions: input validation, paging, conflict-free inserts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy import Table, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select
from sqlmodel import Session, SQLModel

from parley.errors import FieldProblem, ValidationFailed

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

MAX_PER_PAGE = 200


def refuse(path: str, message: str) -> ValidationFailed:
    """A ``ValidationFailed`` for one field (``raise refuse("state", "unknown state 'x'")``)."""
    return ValidationFailed([FieldProblem(path, message)])


def parse(model: type[M], data: M | Mapping[str, Any]) -> M:
    """Validate ``data`` as ``model``; every problem is reported with the field it concerns."""
    try:
        if isinstance(data, model):
            return model.model_validate(data.model_dump())
        return model.model_validate(dict(data))
    except PydanticValidationError as exc:
        problems = [
            FieldProblem(".".join(str(part) for part in error["loc"]) or "input", error["msg"])
            for error in exc.errors()
        ]
        raise ValidationFailed(problems) from None


def require_member(path: str, value: str, allowed: Iterable[str]) -> str:
    options = [str(option) for option in allowed]
    if value not in options:
        raise refuse(path, f"must be one of {', '.join(options)} (got {value!r})")
    return str(value)


def require_exists(session: Session, model: type[SQLModel], key: object, path: str) -> None:
    if key is not None and session.get(model, key) is None:
        raise refuse(path, f"no {model.__tablename__} row with id {key!r}")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, with the total across all pages."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def check_paging(page: int, per_page: int) -> None:
    if page < 1:
        raise refuse("page", "must be 1 or more")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise refuse("per_page", f"must be between 1 and {MAX_PER_PAGE}")


def paginate(session: Session, query: Select[Any], page: int, per_page: int) -> tuple[list[Any], int]:
    """Run ``query`` for one page; return the rows and the total count."""
    check_paging(page, per_page)
    counting = select(func.count()).select_from(query.order_by(None).subquery())
    total = session.execute(counting).scalar_one()
    rows = list(session.exec(query.limit(per_page).offset((page - 1) * per_page)).all())  # type: ignore[call-overload]
    return rows, int(total)


def insert_if_absent(
    session: Session, table: Table, values: Mapping[str, Any], conflict_columns: Sequence[str]
) -> bool:
    """Insert one row unless a row with the same ``conflict_columns`` exists; True if inserted.

    The unique constraint decides, atomically, even under concurrent writers. ``ON CONFLICT DO
    NOTHING`` is used rather than catching an IntegrityError because on PostgreSQL a failed
    statement aborts the caller's whole transaction. SQLite and PostgreSQL are supported.
    """
    dialect = session.get_bind().dialect.name
    dialects = {"sqlite": sqlite, "postgresql": postgresql}
    if dialect not in dialects:
        raise NotImplementedError(f"Parley supports SQLite and PostgreSQL, not {dialect}")
    statement = dialects[dialect].insert(table).values(**values)
    statement = statement.on_conflict_do_nothing(index_elements=list(conflict_columns))
    # RETURNING yields a row only when the insert happened (rowcount is not reliable here:
    # psycopg reports -1 for INSERT ... RETURNING).
    returned = statement.returning(*(table.c[name] for name in conflict_columns))
    return session.execute(returned).first() is not None


def insert_all_if_absent(
    session: Session, table: Table, rows: Sequence[Mapping[str, Any]], conflict_columns: Sequence[str]
) -> list[Any]:
    """Insert each row whose ``conflict_columns`` are not taken yet, in one statement; returns
    the primary keys of the rows inserted (the same unique-constraint rule as ``insert_if_absent``)."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    dialects = {"sqlite": sqlite, "postgresql": postgresql}
    if dialect not in dialects:
        raise NotImplementedError(f"Parley supports SQLite and PostgreSQL, not {dialect}")
    statement = dialects[dialect].insert(table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    key = next(iter(table.primary_key.columns))
    # Executed for many parameter sets: SQLAlchemy batches them into one INSERT ... RETURNING
    # ("insertmanyvalues") and caches the compiled statement, whatever the number of rows.
    return [row[0] for row in session.execute(statement.returning(key), list(rows)).all()]


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel table class."""
    return cast(Table, model.__table__)  # type: ignore[attr-defined]
