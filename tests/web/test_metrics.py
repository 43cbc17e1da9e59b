"""``GET /metrics``: exact figures against rows written through the data layer, request latency by
route template, access by token or loopback, and no partner identity anywhere in the text."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update
from sqlmodel import col

from parley.settings import get_settings
from store.crud import deliveries as deliveries_crud
from store.crud import discounts as discounts_crud
from store.crud import disputes as disputes_crud
from store.crud import exits as exits_crud
from store.crud import notifications as notifications_crud
from store.crud import records as records_crud
from store.crud import registrations as registrations_crud
from store.crud import tasks as tasks_crud
from store.crud import users as users_crud
from store.crud import webhooks as webhooks_crud
from store.engine import forget_engines, session_scope
from store.models import Role, Task
from store.models.types import utcnow
from tests.fixtures_temporal import free_port
from tests.web.conftest import PASSWORD, World
from web import create_app

Figures = dict[tuple[str, frozenset[tuple[str, str]]], float]

ROUTE = "/api/v1/registrations/<workflow_id>"
LABELS = {"method", "route", "status", "le", "role", "age", "process_type", "state", "cause", "channel"}


def parse(text: str) -> Figures:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: FlaskClient, **kwargs: Any) -> Figures:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    return parse(response.get_data(as_text=True))


def value(figures: Figures, name: str, **labels: str) -> float:
    return figures[name, frozenset(labels.items())]


def family(figures: Figures, name: str) -> dict[frozenset[tuple[str, str]], float]:
    return {labels: v for (sample, labels), v in figures.items() if sample == name}


def open_task(
    db: Any,
    process_id: str,
    role: str,
    *,
    process_type: str = "registration",
    due_in: timedelta = timedelta(hours=8),
    opened_ago: timedelta | None = None,
) -> Task:
    task = tasks_crud.open_task(
        session=db,
        data={
            "process_type": process_type,
            "process_id": process_id,
            "kind": f"{process_type}.review",
            "title": "Review",
            "role": role,
            "due_at": utcnow() + due_in,
        },
    )
    if opened_ago is not None:  # the store stamps created_at itself; age the row afterwards
        db.execute(update(Task).where(col(Task.id) == task.id).values(created_at=utcnow() - opened_ago))
    return task


def test_open_tasks_by_role_and_age_band(world: World, client: FlaskClient) -> None:
    # The world holds three tasks opened just now: two for channel account managers (one of
    # them two hours overdue) and one for a regional director.
    with session_scope() as db:
        open_task(db, "registration-a", "finance", opened_ago=timedelta(hours=2))
        open_task(db, "registration-b", "finance", opened_ago=timedelta(days=2), due_in=timedelta(days=-1))
        open_task(db, "registration-c", "finance", opened_ago=timedelta(days=5))
        done = open_task(db, "registration-d", "deal_desk", opened_ago=timedelta(hours=5))
        tasks_crud.close_task(
            session=db, process_id=done.process_id, kind=done.kind, escalation_level=0, outcome="approved"
        )

    figures = scrape(client)

    opened = family(figures, "parley_open_tasks")
    assert len(opened) == len(Role) * 5  # every role and band, zeros included
    assert {(dict(k)["role"], dict(k)["age"]): v for k, v in opened.items() if v} == {
        ("channel_account_manager", "lt_1h"): 2,
        ("regional_channel_director", "lt_1h"): 1,
        ("finance", "1h_4h"): 1,
        ("finance", "1d_3d"): 1,
        ("finance", "gt_3d"): 1,
    }
    overdue = family(figures, "parley_open_tasks_overdue")
    assert len(overdue) == len(Role)
    assert {dict(k)["role"]: v for k, v in overdue.items() if v} == {
        "channel_account_manager": 1,
        "finance": 1,
    }
    assert value(figures, "parley_metrics_database_up") == 1


def test_sla_breaches_and_escalations(world: World, client: FlaskClient) -> None:
    now = utcnow()
    with session_scope() as db:
        late = open_task(db, "registration-late", "channel_account_manager", due_in=timedelta(hours=-1))
        lapsed = open_task(db, "dispute-lapsed", "vp_channel", process_type="dispute")
        on_time = open_task(db, "registration-on-time", "channel_account_manager")
        # Closed an hour late, exactly at the due time (the SLA timer firing), and in time.
        for task, outcome, at in (
            (late, "escalated", now),
            (lapsed, "expired", lapsed.due_at),
            (on_time, "approved", now),
        ):
            tasks_crud.close_task(
                session=db,
                process_id=task.process_id,
                kind=task.kind,
                escalation_level=0,
                outcome=outcome,
                at=at,
            )
        events = [
            ("registration", "registration-late", "rule:sla.escalated", "review.escalated"),
            ("registration", "registration-x", "rule:sla.escalated", "review.escalated"),
            ("discount", "discount-y", "cam", "review.escalated"),
            ("registration", "registration-late", "cam", "review.opened"),
        ]
        for n, (process_type, process_id, actor, action) in enumerate(events):
            records_crud.append_audit_event(
                session=db,
                data={
                    "process_type": process_type,
                    "process_id": process_id,
                    "actor": actor,
                    "action": action,
                    "idempotency_key": f"metrics-test-{n}",
                },
            )

    figures = scrape(client)

    assert family(figures, "parley_sla_breached_tasks_total") == {
        frozenset({("process_type", "registration"), ("role", "channel_account_manager")}): 1,
        frozenset({("process_type", "dispute"), ("role", "vp_channel")}): 1,
    }
    assert family(figures, "parley_escalations_total") == {
        frozenset({("process_type", "registration"), ("cause", "sla")}): 2,
        frozenset({("process_type", "discount"), ("cause", "by_hand")}): 1,
    }


def _other_processes(world: World) -> None:
    with session_scope() as db:
        registrations_crud.create_registration(
            session=db,
            data={
                "workflow_id": f"registration-{world.partner_id}-hooli-1",
                "partner_id": world.partner_id,
                "request_key": "hooli-1",
                "account_name": "Hooli Labs",
                "account_domain": "hooli.example",
                "territory": "emea-north",
                "vertical": "healthcare",
                "product_line": "analytics",
                "deal_value": 50000,
                "submitted_by": "pat_partner",
                "rulebook_version": "2026.1",
                "state": "approved",
            },
        )
        for key in ("d-1", "d-2"):
            discounts_crud.create_discount(
                session=db,
                data={
                    "workflow_id": f"discount-{world.partner_id}-{key}",
                    "partner_id": world.partner_id,
                    "registration_workflow_id": world.workflows["acme"],
                    "request_key": key,
                    "requested_discount": 0.3,
                    "deal_value": 120000,
                    "submitted_by": "pat_partner",
                    "rulebook_version": "2026.1",
                },
            )
        disputes_crud.create_dispute(
            session=db,
            data={
                "workflow_id": "dispute-metrics-1",
                "contest_key": "metrics-contest-1",
                "claimant_side": "partner",
                "respondent_side": "partner",
                "claimant_partner_id": world.other_partner_id,
                "respondent_partner_id": world.partner_id,
                "claimant_registration_id": world.workflows["globex"],
                "respondent_registration_id": world.workflows["acme"],
                "product_line": "analytics",
                "opened_by": "olga_other",
                "rulebook_version": "2026.1",
            },
        )
        exits_crud.create_exit(
            session=db,
            workflow_id=f"exit-{world.other_partner_id}",
            partner_id=world.other_partner_id,
            exit_type="voluntary",
            why="The partner is leaving the program.",
            started_by="ops",
            rulebook_version="2026.1",
        )


def test_processes_by_type_and_state(world: World, client: FlaskClient) -> None:
    _other_processes(world)

    figures = scrape(client)

    processes = family(figures, "parley_processes")
    assert {(dict(k)["process_type"], dict(k)["state"]): v for k, v in processes.items() if v} == {
        ("registration", "pending_approval"): 3,  # the world's three
        ("registration", "approved"): 1,
        ("discount", "requested"): 2,
        ("dispute", "opened"): 1,
        ("exit", "started"): 1,
    }
    assert value(figures, "parley_processes", process_type="registration", state="won") == 0
    assert value(figures, "parley_processes", process_type="exit", state="completed") == 0


def test_no_partner_identity_in_the_text(world: World, client: FlaskClient) -> None:
    _other_processes(world)
    with session_scope() as db:
        open_task(db, world.workflows["acme"], "finance", due_in=timedelta(hours=-1))
    client.get(f"/api/v1/registrations/{world.workflows['acme']}")

    text = client.get("/metrics").get_data(as_text=True)

    for secret in ("Northwind", "Contoso", "Acme", "acme-health.com", "Hooli", "pat_partner", "olga_other"):
        assert secret.lower() not in text.lower()
    for workflow_id in world.workflows.values():
        assert workflow_id not in text
    labels = {name for (_, pairs) in parse(text) for name, _ in pairs}
    assert labels <= LABELS, labels - LABELS


def test_deliveries_by_channel_and_state_and_failed_attempts(world: World, client: FlaskClient) -> None:
    with session_scope() as db:
        for name in ("mia_mail", "max_mail"):
            users_crud.create_user(
                session=db,
                data={
                    "username": name,
                    "display_name": name,
                    "password": PASSWORD,
                    "roles": ["channel_account_manager"],
                    "email": f"{name}@northwind-mail.example",
                },
            )
        webhooks_crud.create_subscription(
            session=db,
            data={"url": "https://hooks.northwind.example/parley", "event_types": ["task.assigned"]},
            partner_id=None,
            created_by="ops",
        )
        notification = notifications_crud.append_notification(
            session=db,
            data={
                "event_type": "task.assigned",
                "recipient_role": "channel_account_manager",
                "subject": "A task for you",
                "event_key": "metrics-event-1",
                "idempotency_key": "metrics-notification-1",
            },
        )
        planned = deliveries_crud.plan_deliveries(session=db, notification=notification, email=True)
        rows = {deliveries_crud.get_delivery(session=db, delivery_id=i).target: i for i in planned}
        mia, maximilian = rows["mia_mail@northwind-mail.example"], rows["max_mail@northwind-mail.example"]
        hook = rows["https://hooks.northwind.example/parley"]
        deliveries_crud.record_attempt(session=db, delivery_id=mia, attempt=1, error=None)
        for attempt in (1, 2):
            deliveries_crud.record_attempt(
                session=db, delivery_id=maximilian, attempt=attempt, error="refused"
            )
        deliveries_crud.dead_letter(session=db, delivery_id=maximilian, error="refused")
        deliveries_crud.record_attempt(session=db, delivery_id=hook, attempt=1, error="HTTP 500")

    response = client.get("/metrics")
    figures = parse(response.get_data(as_text=True))

    deliveries = family(figures, "parley_notification_deliveries")
    assert len(deliveries) == 6  # every channel and state
    assert {(dict(k)["channel"], dict(k)["state"]): v for k, v in deliveries.items() if v} == {
        ("email", "delivered"): 1,
        ("email", "dead"): 1,
        ("webhook", "pending"): 1,
    }
    # Mail: max's two attempts failed, mia's one succeeded; the webhook's one attempt failed.
    assert family(figures, "parley_notification_delivery_failed_attempts") == {
        frozenset({("channel", "email")}): 2,
        frozenset({("channel", "webhook")}): 1,
    }
    assert "northwind" not in response.get_data(as_text=True).lower()


def test_request_latency_is_labelled_by_route_template(world: World, client: FlaskClient) -> None:
    workflow_id = world.workflows["acme"]
    assert client.get(f"/api/v1/registrations/{workflow_id}").status_code == 401  # no token
    assert client.get(f"/api/v1/registrations/{world.workflows['globex']}").status_code == 401
    assert client.get("/no/such/page/4711").status_code == 404
    assert client.open("/healthz", method="BREW").status_code == 405

    first = scrape(client)
    api = {"method": "GET", "route": ROUTE, "status": "401"}
    assert value(first, "parley_http_request_duration_seconds_count", **api) == 2
    assert value(first, "parley_http_request_duration_seconds_bucket", **api, le="+Inf") == 2
    assert value(first, "parley_http_request_duration_seconds_sum", **api) > 0
    assert value(first, "parley_http_requests_total", **api) == 2
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(first, "parley_http_requests_total", **unmatched) == 1
    # A method nobody routes is counted without naming it: a client cannot invent series.
    assert value(first, "parley_http_requests_total", method="other", route="unmatched", status="405") == 1
    routes = {dict(labels)["route"] for labels in family(first, "parley_http_requests_total")}
    assert routes == {ROUTE, "unmatched"}

    client.get(f"/api/v1/registrations/{workflow_id}")
    second = scrape(client)
    assert value(second, "parley_http_request_duration_seconds_count", **api) == 3
    assert value(second, "parley_http_requests_total", method="GET", route="/metrics", status="200") == 1
    text = client.get("/metrics").get_data(as_text=True)
    assert workflow_id not in text and "4711" not in text


def test_each_app_counts_its_own_requests(world: World) -> None:
    one = create_app({"TESTING": True}).test_client()
    two = create_app({"TESTING": True}).test_client()  # a second registry: no duplicate names
    for _ in range(3):
        one.get("/no/such/page")
    two.get("/no/such/page")

    assert (
        value(scrape(one), "parley_http_requests_total", method="GET", route="unmatched", status="404") == 3
    )
    assert (
        value(scrape(two), "parley_http_requests_total", method="GET", route="unmatched", status="404") == 1
    )


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, setting in env.items():
        monkeypatch.setenv(f"PARLEY_{name.upper()}", setting)
    get_settings.cache_clear()  # the database fixture clears it again afterwards


def test_a_token_is_required_once_set(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _settings(monkeypatch, metrics_token="s3cret-metrics-token")
    client = create_app({"TESTING": True}).test_client()

    refused = client.get("/metrics")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert "parley_" not in refused.get_data(as_text=True)
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Basic s3cret-metrics-token"}).status_code == 401

    bearer = {"Authorization": "Bearer s3cret-metrics-token"}
    assert client.get("/metrics", headers=bearer).status_code == 200
    remote = {"REMOTE_ADDR": "203.0.113.9"}
    assert value(scrape(client, headers=bearer, environ_base=remote), "parley_metrics_database_up") == 1


def test_without_a_token_only_loopback_clients_read_it(world: World, client: FlaskClient) -> None:
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.8"}).status_code == 403
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200


def test_production_without_a_token_serves_no_metrics(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    _settings(monkeypatch, environment="production", secret_key="a-real-secret-for-this-test")
    client = create_app({"TESTING": True}).test_client()

    response = client.get("/metrics")

    assert response.status_code == 403
    assert "PARLEY_METRICS_TOKEN" in response.get_data(as_text=True)


def test_a_database_that_does_not_answer_is_a_figure(
    parley_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(monkeypatch, database_url=f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none")
    client = create_app({"TESTING": True}).test_client()

    figures = scrape(client)

    assert value(figures, "parley_metrics_database_up") == 0
    assert not family(figures, "parley_processes")
    forget_engines()


SCRIPT = """
import sys
from web import create_app
client = create_app({"TESTING": True}).test_client()
for _ in range(int(sys.argv[1])):
    client.get("/no/such/page")
if sys.argv[2] == "scrape":
    sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def test_gunicorn_workers_are_summed_in_multiprocess_mode(parley_database: str, tmp_path: Path) -> None:
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus"), "PYTHONPATH": str(Path.cwd())}

    def worker(requests: int, then: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(requests), then],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return done.stdout

    worker(2, "exit")
    figures = parse(worker(3, "scrape"))

    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert value(figures, "parley_http_requests_total", **unmatched) == 5
    assert value(figures, "parley_http_request_duration_seconds_count", **unmatched) == 5
    assert value(figures, "parley_metrics_database_up") == 1
    assert value(figures, "parley_processes", process_type="registration", state="submitted") == 0
