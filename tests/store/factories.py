"""Small builders for test rows, each going through the real data-access functions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlmodel import Session, SQLModel

from store import crud
from store.models import Partner, Registration, Task, User

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
_serial = count(1)


def make_partner(session: Session, **overrides: Any) -> Partner:
    data: dict[str, Any] = {
        "name": f"Partner {next(_serial)}",
        "tier": "gold",
        "territories": ["emea"],
        "verticals": ["retail"],
        "certifications": ["network"],
    }
    return crud.create_partner(session=session, data={**data, **overrides})


def make_user(session: Session, username: str, roles: list[str], **overrides: Any) -> User:
    data: dict[str, Any] = {
        "username": username,
        "display_name": username.title(),
        "password": "correct-horse",
        "roles": roles,
    }
    return crud.create_user(session=session, data={**data, **overrides})


def make_registration(session: Session, partner: Partner, **overrides: Any) -> Registration:
    serial = next(_serial)
    data: dict[str, Any] = {
        "workflow_id": f"registration-{partner.id}-{serial}",
        "partner_id": partner.id,
        "request_key": f"req-{serial}",
        "account_name": "Globex Corporation",
        "account_domain": "globex.com",
        "territory": "emea",
        "vertical": "retail",
        "product_line": "network",
        "deal_value": 50_000,
        "submitted_by": "partner-user",
        "rulebook_version": "2026.1",
        "submitted_at": NOW,
    }
    return crud.create_registration(session=session, data={**data, **overrides})


def make_task(session: Session, process_id: str, **overrides: Any) -> Task:
    data: dict[str, Any] = {
        "process_type": "registration",
        "process_id": process_id,
        "kind": "approval",
        "title": f"Approve {process_id}",
        "role": "channel_account_manager",
        "due_at": NOW + timedelta(hours=8),
        "value": 10_000,
        "territory": "emea",
    }
    return crud.open_task(session=session, data={**data, **overrides})


def pk(row: SQLModel) -> int:
    """The primary key of a saved row (typed ``int``, where the model says ``int | None``)."""
    value = getattr(row, "id", None)
    assert isinstance(value, int), f"{row!r} has not been saved"
    return value
