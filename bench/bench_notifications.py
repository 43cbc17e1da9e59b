"""What announcing a transition costs: its notifications and their planned deliveries, written
in the transition's own transaction (the outbox), beside the same transition's other writes.

A typical human-review transition writes an audit event, opens a task for a role and tells the
partner's submitter. With the outbox it also writes the submitter's notice, the new task's notice
to the role, and a pending delivery per mail address and webhook subscription (here: 20 users
with addresses in the role, the partner's user, one partner and two integrator subscriptions).
The baseline, in the same run on the same database, is that transition with announcing switched
off (audit event and task only). Both run on SQLite (a file, as the default deployment) and on
PostgreSQL when it answers. Run: ``python -m bench notifications``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text

import activities.projection as projection_module
from activities.projection import AuditRecord, NotificationRecord, Projection, TaskOpening, apply_projection
from bench.postgres import throwaway_database
from parley.settings import get_settings
from store.crud import partners as partners_crud
from store.crud import users as users_crud
from store.crud import webhooks as webhooks_crud
from store.engine import create_engine_for, session_scope
from store.models import utcnow
from store.schema import upgrade_database

ROLE = "channel_account_manager"
APPROVERS = 20
TRANSITIONS = 300
ROUNDS = 3


def _seed(url: str) -> None:
    upgrade_database(url)
    with session_scope(create_engine_for(url)) as db:
        partner = partners_crud.create_partner(session=db, data={"name": "Bench Partner", "tier": "gold"})
        users_crud.create_user(
            session=db,
            data={
                "username": "seller",
                "display_name": "Seller",
                "password": "bench-password-1",
                "roles": ["partner"],
                "partner_id": partner.id,
                "email": "seller@partner.test",
            },
        )
        for i in range(APPROVERS):
            users_crud.create_user(
                session=db,
                data={
                    "username": f"cam{i}",
                    "display_name": f"Cam {i}",
                    "password": "bench-password-1",
                    "roles": [ROLE],
                    "email": f"cam{i}@vendor.test",
                },
            )
        hooks = [
            (partner.id, "https://partner.test/hook"),
            (None, "https://crm.test/a"),
            (None, "https://bi.test/b"),
        ]
        for owner, url_ in hooks:
            webhooks_crud.create_subscription(
                session=db,
                data={"url": url_, "event_types": ["registration.decided", "task.assigned"]},
                partner_id=owner,
                created_by="bench",
            )


def _projection(n: int, tag: str) -> Projection:
    now = utcnow()
    return Projection(
        process_type="registration",
        process_id=f"registration-bench-{tag}-{n}",
        key=f"registration-bench-{tag}-{n}#1",
        audit=AuditRecord(
            "rule:auto.review", "review.opened", now, "2026.1", "submitted", "pending_approval"
        ),
        open_tasks=[TaskOpening("registration.review", 0, f"Review {n}", ROLE, now, "a deal to review")],
        notifications=[
            NotificationRecord(
                "registration.decided", "Your registration waits for review", recipient_user="seller"
            )
        ],
    )


def _per_transition(url: str, tag: str) -> float:
    """Milliseconds per transition (median of rounds), each transition its own transaction."""
    engine = create_engine_for(url)
    rounds = []
    for r in range(ROUNDS):
        started = time.perf_counter()
        for n in range(TRANSITIONS):
            with session_scope(engine) as db:
                apply_projection(db, _projection(n, f"{tag}{r}"))
        rounds.append((time.perf_counter() - started) / TRANSITIONS * 1000)
    return statistics.median(rounds)


def _measure(url: str) -> tuple[float, float, int]:
    announce: Callable[..., None] = projection_module.announce
    try:
        projection_module.announce = lambda *_args: None  # the baseline: no outbox
        baseline = _per_transition(url, "plain")
    finally:
        projection_module.announce = announce
    with_outbox = _per_transition(url, "told")
    with session_scope(create_engine_for(url)) as db:
        deliveries = db.execute(text("SELECT count(*) FROM deliveries")).scalar_one()
    return baseline, with_outbox, int(deliveries)


def _report(name: str, url: str) -> None:
    baseline, with_outbox, deliveries = _measure(url)
    per = deliveries / (TRANSITIONS * ROUNDS)
    print(
        f"{name:<11} transition without announcing {baseline:6.2f} ms | with notices and outbox "
        f"{with_outbox:6.2f} ms ({per:.0f} deliveries planned each) | ratio {with_outbox / baseline:4.2f}x",
        flush=True,
    )


def main() -> None:
    os.environ["PARLEY_SMTP_HOST"] = "mail.bench.invalid"  # mail on: plan a delivery per address
    get_settings.cache_clear()
    with tempfile.TemporaryDirectory() as folder:
        sqlite_url = f"sqlite:///{Path(folder) / 'bench.db'}"
        _seed(sqlite_url)
        _report("SQLite", sqlite_url)
    with throwaway_database() as postgres_url:
        if postgres_url is not None:
            _seed(postgres_url)
            _report("PostgreSQL", postgres_url)
