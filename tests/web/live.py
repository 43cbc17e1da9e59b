"""A live stack for web tests: the session's Temporal dev server, a real ``parley worker`` child
process on the test database, a rulebook with SLAs long enough for a person (or a browser) to
act, and the app's settings pointing at all of it."""

from __future__ import annotations

import secrets
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.engine import Engine

from parley.settings import get_settings
from store.crud import tasks as tasks_crud
from store.engine import engine_for, forget_engines, session_scope
from store.models import Task
from tests.fixtures_db import _truncate_all
from tests.fixtures_temporal import TemporalServer, WorkerProcess, worker_env

ROOT = Path(__file__).resolve().parents[2]
# The settings the app reads to reach the test's worker, database and rulebooks.
SETTINGS = ("PARLEY_TEMPORAL_ADDRESS", "PARLEY_DATABASE_URL", "PARLEY_TASK_QUEUE", "PARLEY_RULEBOOK_DIR")
FAST_RULEBOOK = ROOT / "rulebooks" / "testing" / "fast.yaml"


def web_rulebook(
    directory: Path,
    *,
    first_sla: str = "300s",
    later_sla: str = "300s",
    discount_sla: str | None = None,
    quote_validity: str | None = None,
    party_response: str | None = None,
    dispute_slas: tuple[str, ...] | None = None,
) -> Path:
    """The fast test rulebook with approval SLAs of our choosing (version ``testing-web``).

    The discount matrix keeps the fast rulebook's second-scale SLAs and quote validity unless
    ``discount_sla`` (every step of every band) or ``quote_validity`` is given; the dispute path
    its parties' time and levels' response SLAs unless ``party_response`` or ``dispute_slas``
    (one per level, in order) is."""
    document: dict[str, Any] = yaml.safe_load(FAST_RULEBOOK.read_text())
    document["version"] = "testing-web"
    route = document["registration"]["approval_route"]
    for index, step in enumerate(route):
        step["sla"] = first_sla if index == 0 else later_sla
    document["registration"]["protection_period"] = "3600s"
    document["registration"]["reminder_lead_time"] = "60s"
    if discount_sla is not None:
        for band in document["discount"]["matrix"]:
            for discount_step in band["steps"]:
                discount_step["sla"] = discount_sla
    if quote_validity is not None:
        document["discount"]["quote_validity"] = quote_validity
    if party_response is not None:
        document["escalation"]["party_response"] = party_response
    for level, response_sla in zip(document["escalation"]["levels"], dispute_slas or (), strict=False):
        level["response_sla"] = response_sla
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "web.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    return directory


@dataclass
class Live:
    worker: WorkerProcess
    env: dict[str, str]


def start_live(
    monkeypatch: pytest.MonkeyPatch,
    server: TemporalServer,
    database_url: str,
    task_queue: str,
    tmp_path: Path,
    **sla: Any,
) -> Live:
    rulebooks = web_rulebook(tmp_path / "rulebooks", **sla)
    return start_app_worker(monkeypatch, server, database_url, task_queue, rulebooks, tmp_path / "worker.log")


def start_app_worker(
    monkeypatch: pytest.MonkeyPatch,
    server: TemporalServer,
    database_url: str,
    task_queue: str,
    rulebooks: Path,
    log: Path,
) -> Live:
    """A started worker on the stack, and the app's settings (``SETTINGS``) pointing at it."""
    env = worker_env(server, database_url, task_queue, PARLEY_RULEBOOK_DIR=str(rulebooks))
    for name in SETTINGS:
        monkeypatch.setenv(name, env[name])
    get_settings.cache_clear()
    worker = WorkerProcess(env, task_queue, log)
    worker.start()
    return Live(worker, env)


@contextmanager
def module_stack(
    request: pytest.FixtureRequest, server: TemporalServer, folder: Path, rulebooks: Path
) -> Iterator[str]:
    """For a module-scoped fixture parametrized over ``_backends()``: a database of the module's
    own (SQLite in ``folder``, or the session's PostgreSQL emptied), a worker on it and the app's
    settings pointing at both; yields the database URL."""
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), folder / "parley.db")
        url = f"sqlite:///{folder / 'parley.db'}"
    else:
        engine: Engine = request.getfixturevalue("postgres_engine")
        _truncate_all(engine)
        url = engine.url.render_as_string(hide_password=False)
    task_queue = f"parley-test-{uuid.uuid4().hex[:12]}"
    with pytest.MonkeyPatch.context() as patch:
        forget_engines()
        live = start_app_worker(patch, server, url, task_queue, rulebooks, folder / "worker.log")
        try:
            yield url
        finally:
            live.worker.stop()
            forget_engines()
            get_settings.cache_clear()


@pytest.fixture
def live(
    monkeypatch: pytest.MonkeyPatch,
    temporal_server: TemporalServer,
    parley_database: str,
    task_queue: str,
    tmp_path: Path,
) -> Iterator[Live]:
    stack = start_live(monkeypatch, temporal_server, parley_database, task_queue, tmp_path)
    try:
        yield stack
    finally:
        stack.worker.stop()
        engine_for(parley_database).dispose()


@dataclass
class LiveWorld:
    """A partner the test rulebook accepts, its user, and one approver per route level."""

    partner_id: int
    partner_user: str
    approvers: dict[str, str]


def seed_live_world(*, dual_role_user: bool = False) -> LiveWorld:
    from sqlalchemy import update
    from sqlmodel import col

    from store.crud import partners as partners_crud
    from store.crud import users as users_crud
    from store.engine import session_scope
    from store.models.partners import Partner
    from tests.web.conftest import PASSWORD

    with session_scope() as db:
        partner = partners_crud.create_partner(
            session=db,
            data={
                "name": "Northwind Systems",
                "tier": "gold",
                "territories": ["us-west", "us-east"],
                "verticals": ["healthcare", "retail"],
                "certifications": ["platform-sales", "analytics-specialist"],
            },
        )
        assert partner.id is not None
        # Workflow ids derive from (partner id, request key) and the Temporal server outlives
        # each test database, whose ids restart at 1: a random partner id keeps tests apart.
        fresh_id = secrets.randbelow(2_000_000_000) + 1_000
        db.execute(update(Partner).where(col(Partner.id) == partner.id).values(id=fresh_id))
        db.expire_all()
        partner = partners_crud.get_partner(session=db, partner_id=fresh_id)
        assert partner.id is not None

        def user(name: str, display: str, roles: list[str], **extra: Any) -> str:
            users_crud.create_user(
                session=db,
                data={
                    "username": name,
                    "display_name": display,
                    "password": PASSWORD,
                    "roles": roles,
                    **extra,
                },
            )
            return name

        approvers = {
            "channel_account_manager": user("cam", "Casey Account", ["channel_account_manager"]),
            "regional_channel_director": user("director", "Dana Director", ["regional_channel_director"]),
            "vp_channel": user("vp", "Val President", ["vp_channel"]),
        }
        user("cam2", "Chris Account", ["channel_account_manager"])
        user("finance", "Fran Finance", ["finance"])
        partner_user = user("pat", "Pat Partner", ["partner"], partner_id=partner.id)
        if dual_role_user:  # a partner seller who is also a channel account manager (four-eyes)
            user("dual", "Drew Dual", ["partner", "channel_account_manager"], partner_id=partner.id)
    return LiveWorld(partner.id, partner_user, approvers)


@dataclass
class DiscountPeople:
    """Who a discount request needs besides ``seed_live_world``'s: deal desk, finance, and a user
    of another partner (who must never see the first partner's requests)."""

    deal_desk: str
    finance: str
    other_partner_id: int
    other_partner_user: str


def seed_discount_people() -> DiscountPeople:
    """Add deal desk (``desk``), finance (``fin``) and another partner with its user ``olga``
    (after ``seed_live_world``, whose partner asks)."""
    from store.crud import partners as partners_crud
    from store.crud import users as users_crud
    from tests.web.conftest import PASSWORD

    def user(db: Any, name: str, roles: list[str], partner_id: int | None = None) -> str:
        if users_crud.get_user_by_username(session=db, username=name) is None:
            users_crud.create_user(
                session=db,
                data={
                    "username": name,
                    "display_name": name.title(),
                    "password": PASSWORD,
                    "roles": roles,
                    "partner_id": partner_id,
                },
            )
        return name

    with session_scope() as db:
        other = partners_crud.create_partner(
            session=db, data={"name": "Contoso Partners", "tier": "silver", "territories": ["us-west"]}
        )
        assert other.id is not None
        return DiscountPeople(
            deal_desk=user(db, "desk", ["deal_desk"]),
            finance=user(db, "fin", ["finance"]),
            other_partner_id=other.id,
            other_partner_user=user(db, "olga", ["partner"], other.id),
        )


@dataclass
class DisputePeople:
    """Who a dispute needs besides ``seed_live_world``'s: a second eligible partner that
    registers the account first (``holder``, user ``fran``), a direct-sales user, and a user of
    a third partner that stands in no dispute (``stranger``)."""

    holder_partner_id: int
    holder_partner_name: str
    holder_user: str
    direct: str
    stranger: str


def seed_dispute_people() -> DisputePeople:
    """After ``seed_live_world``: Fabrikam Resellers (gold, eligible like Northwind) with its
    user ``fran``, ``dsales`` of direct sales, and ``tess`` of Tailspin Traders."""
    from sqlalchemy import update
    from sqlmodel import col

    from store.crud import partners as partners_crud
    from store.crud import users as users_crud
    from store.models.partners import Partner
    from tests.web.conftest import PASSWORD

    with session_scope() as db:
        partner = partners_crud.create_partner(
            session=db,
            data={
                "name": "Fabrikam Resellers",
                "tier": "gold",
                "territories": ["us-west", "us-east"],
                "verticals": ["healthcare", "retail"],
                "certifications": ["platform-sales", "analytics-specialist"],
            },
        )
        # A random id, as for seed_live_world's partner: workflow ids derive from it.
        fresh_id = secrets.randbelow(2_000_000_000) + 1_000
        db.execute(update(Partner).where(col(Partner.id) == partner.id).values(id=fresh_id))
        db.expire_all()
        third = partners_crud.create_partner(
            session=db, data={"name": "Tailspin Traders", "tier": "silver", "territories": ["us-west"]}
        )
        for name, roles, partner_id in (
            ("fran", ["partner"], fresh_id),
            ("dsales", ["direct_sales"], None),
            ("tess", ["partner"], third.id),
        ):
            users_crud.create_user(
                session=db,
                data={
                    "username": name,
                    "display_name": name.title(),
                    "password": PASSWORD,
                    "roles": roles,
                    "partner_id": partner_id,
                },
            )
    return DisputePeople(fresh_id, "Fabrikam Resellers", "fran", "dsales", "tess")


def registration_body(key: str, value: float = 300_000, name: str = "Initech Holdings") -> dict[str, Any]:
    """A submission that needs a person: above the rulebook's auto-approval limit."""
    return {
        "request_key": key,
        "account_name": name,
        "account_domain": f"{name.split()[0].lower()}-{key}.com",
        "territory": "us-west",
        "vertical": "healthcare",
        "product_line": "core-platform",
        "deal_value": value,
    }


def wait_for_open_task(workflow_id: str, role: str, timeout: float = 20) -> Task:
    """The process's open task for ``role`` once the workflow's projection has written it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with session_scope() as db:
            for task in tasks_crud.list_process_tasks(session=db, process_id=workflow_id, state="open"):
                if task.role == role:
                    return task
        time.sleep(0.1)
    raise AssertionError(f"no open {role} task for {workflow_id}")
