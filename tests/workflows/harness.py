"""A registration test world: a database with partners and approvers, a worker, a client.

Each test seeds its own partner and users with a unique suffix, so tests can share one worker
and one database (SQLite) and run their processes side by side.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, col, select

from parley.clients import RegistrationClient, RegistrationSubmission
from parley.settings import Settings
from store import crud
from store.engine import engine_for
from store.models import AuditEvent, Notification, Registration, Task, utcnow
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env

ROOT = Path(__file__).resolve().parents[2]
FAST_RULEBOOK = ROOT / "rulebooks" / "testing" / "fast.yaml"
APPROVER_ROLES = ("channel_account_manager", "regional_channel_director", "vp_channel")


def fast_rulebook_dir(target: Path, substitutions: dict[str, str] | None = None, **replace: str) -> Path:
    """A rulebook folder holding only the second-scale test rulebook, adjusted as asked:
    ``protection_period="1h"`` replaces the value of the ``protection_period:`` line and
    ``substitutions`` replaces text anywhere (``{"sla: 2s}": "sla: 60s}"}``)."""
    target.mkdir(parents=True, exist_ok=True)
    text = FAST_RULEBOOK.read_text()
    for old, new in (substitutions or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    lines = text.splitlines()
    for key, value in replace.items():
        [index] = [i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:")]
        indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
        lines[index] = f"{indent}{key}: {value}"
    (target / "fast.yaml").write_text("\n".join(lines) + "\n")
    return target


@dataclass
class Stack:
    """A running worker on one database, and the settings a client uses to reach it."""

    server: TemporalServer
    database_url: str
    task_queue: str
    rulebook_dir: Path
    worker: WorkerProcess

    @property
    def settings(self) -> Settings:
        return Settings(
            temporal_address=self.server.address,
            task_queue=self.task_queue,
            database_url=self.database_url,
            rulebook_dir=self.rulebook_dir,
        )

    async def client(self) -> RegistrationClient:
        return await RegistrationClient.connect(self.settings)

    def session(self) -> Session:
        return Session(engine_for(self.database_url), expire_on_commit=False)


def start_stack(
    server: TemporalServer, database_url: str, task_queue: str, rulebook_dir: Path, log_dir: Path
) -> Stack:
    env = worker_env(server, database_url, task_queue, PARLEY_RULEBOOK_DIR=str(rulebook_dir))
    worker = WorkerProcess(env, task_queue, log_dir / f"worker-{task_queue}.log")
    worker.start()
    return Stack(server, database_url, task_queue, rulebook_dir, worker)


@dataclass
class World:
    """One partner (gold, us-west, healthcare, platform-certified) and people around it."""

    suffix: str
    partner_id: int
    partner_user: str
    approvers: dict[str, str]  # role -> username
    ops: str

    def submission(self, **overrides: Any) -> RegistrationSubmission:
        data: dict[str, Any] = {
            "partner_id": self.partner_id,
            "request_key": f"req-{uuid.uuid4().hex[:10]}",
            "account_name": f"Initech {self.suffix} Holdings",
            "account_domain": f"initech-{self.suffix}.com",
            "territory": "us-west",
            "vertical": "healthcare",
            "product_line": "core-platform",
            "deal_value": 100_000,
            "submitted_by": self.partner_user,
        }
        return RegistrationSubmission(**{**data, **overrides})


def seed_world(database_url: str, *, tier: str = "gold") -> World:
    suffix = uuid.uuid4().hex[:8]
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        partner = crud.create_partner(
            session=session,
            data={
                "name": f"Acme Resellers {suffix}",
                "tier": tier,
                "territories": ["us-west", "us-east"],
                "verticals": ["healthcare", "retail"],
                "certifications": ["platform-sales", "analytics-specialist"],
            },
        )
        assert partner.id is not None

        def user(name: str, roles: list[str], **extra: Any) -> str:
            crud.create_user(
                session=session,
                data={
                    "username": name,
                    "display_name": name,
                    "password": "correct-horse",
                    "roles": roles,
                    **extra,
                },
            )
            return name

        partner_user = user(f"seller-{suffix}", ["partner"], partner_id=partner.id)
        approvers = {role: user(f"{role.split('_')[0]}-{suffix}", [role]) for role in APPROVER_ROLES}
        ops = user(f"ops-{suffix}", ["partner_ops"])
        session.commit()
    return World(suffix, partner.id, partner_user, approvers, ops)


def add_user(database_url: str, username: str, roles: list[str], **extra: Any) -> int:
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        user = crud.create_user(
            session=session,
            data={
                "username": username,
                "display_name": username,
                "password": "correct-horse",
                "roles": roles,
                **extra,
            },
        )
        session.commit()
        assert user.id is not None
        return user.id


def delegate(database_url: str, from_user: str, to_user: str) -> None:
    with Session(engine_for(database_url), expire_on_commit=False) as session:
        source = crud.get_user_by_username(session=session, username=from_user)
        target = crud.get_user_by_username(session=session, username=to_user)
        assert source is not None and target is not None
        now = utcnow()
        crud.create_delegation(
            session=session,
            data={
                "user_id": source.id,
                "delegate_id": target.id,
                "starts_at": now - timedelta(minutes=1),
                "ends_at": now + timedelta(hours=1),
            },
        )
        session.commit()


def tasks_of(database_url: str, workflow_id: str) -> list[Task]:
    with Session(engine_for(database_url)) as session:
        query = select(Task).where(Task.process_id == workflow_id).order_by(col(Task.id))
        return list(session.exec(query).all())


def audit_of(database_url: str, workflow_id: str) -> list[AuditEvent]:
    with Session(engine_for(database_url)) as session:
        query = select(AuditEvent).where(AuditEvent.process_id == workflow_id).order_by(col(AuditEvent.id))
        return list(session.exec(query).all())


def notifications_of(database_url: str, workflow_id: str) -> list[Notification]:
    with Session(engine_for(database_url)) as session:
        query = (
            select(Notification).where(Notification.process_id == workflow_id).order_by(col(Notification.id))
        )
        return list(session.exec(query).all())


def registration_row(database_url: str, workflow_id: str) -> Registration:
    with Session(engine_for(database_url)) as session:
        row = session.exec(select(Registration).where(Registration.workflow_id == workflow_id)).one()
        return row
