"""Migration 0003 on SQLite and PostgreSQL: rows written by the previous schema keep their identity."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

from store import crud
from store.engine import session_scope
from store.schema import alembic_config, current_revision, head_revision, upgrade_database

OLD_ROW = (
    "INSERT INTO tasks (process_id, kind, title, role, escalation_level, priority, summary, "
    "process_type, state, payload, created_at) VALUES (:pid, :kind, 'Approve', "
    "'channel_account_manager', :level, 0, '', 'registration', :state, '{}', :at)"
)


def _write_previous_schema_rows(engine: Engine) -> None:
    at = datetime(2026, 5, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for pid, level, state in (("wf-a", 0, "closed"), ("wf-a", 1, "open"), ("wf-b", 0, "open")):
            connection.execute(
                text(OLD_ROW),
                {"pid": pid, "kind": "registration.review", "level": level, "state": state, "at": at},
            )


def test_upgrade_keeps_rows_and_admits_parallel_tasks(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "0002")
    assert "slot" not in {c["name"] for c in inspect(engine).get_columns("tasks")}
    _write_previous_schema_rows(engine)

    assert upgrade_database(database_url) == head_revision()
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT process_id, escalation_level, slot, state FROM tasks "
                "ORDER BY process_id, escalation_level"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("wf-a", 0, "", "closed"),
        ("wf-a", 1, "", "open"),
        ("wf-b", 0, "", "open"),
    ]
    indexes = {i["name"] for i in inspect(engine).get_indexes("tasks")}
    assert "ix_tasks_unclaimed_open_state_role_partner_id" in indexes

    with session_scope(engine) as session:
        old = crud.find_task(
            session=session, process_id="wf-a", kind="registration.review", escalation_level=1
        )
        # The old row is found and refreshed under its identity, not duplicated.
        again = crud.open_task(
            session=session,
            data={
                "process_type": "registration",
                "process_id": "wf-a",
                "kind": "registration.review",
                "escalation_level": 1,
                "title": "Approve (again)",
                "role": "channel_account_manager",
            },
        )
        assert again.id == old.id
        for role in ("deal_desk", "finance"):
            crud.open_task(
                session=session,
                data={
                    "process_type": "discount",
                    "process_id": "wf-c",
                    "kind": "discount.approval",
                    "escalation_level": 0,
                    "slot": role,
                    "title": "Approve the discount",
                    "role": role,
                },
            )
        assert len(crud.list_process_tasks(session=session, process_id="wf-c", state="open")) == 2


def test_downgrade_refuses_to_fold_parallel_tasks(database_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config(database_url), "0003")  # later revisions are not the point here
    with session_scope(engine) as session:
        for role in ("deal_desk", "finance"):
            crud.open_task(
                session=session,
                data={
                    "process_type": "discount",
                    "process_id": "wf-d",
                    "kind": "discount.approval",
                    "slot": role,
                    "title": "Approve",
                    "role": role,
                },
            )
    with pytest.raises(RuntimeError, match="cannot be downgraded"):
        command.downgrade(alembic_config(database_url), "0002")
    assert current_revision(database_url) == "0003"
    assert upgrade_database(database_url) == head_revision()
