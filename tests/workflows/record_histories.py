"""Record registration workflow histories into ``tests/histories/`` for the replay tests.

    .venv/bin/python -m tests.workflows.record_histories

Runs each scenario to its end on a fresh dev server, database and in-process worker with the
fast test rulebook, and saves every history as JSON. Re-record only on purpose: the point of the
stored histories is that code changes must keep replaying them (see docs/registration.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from parley.clients import (
    DecisionInput,
    DecisionOutcome,
    ExtendInput,
    ProvideInfoInput,
    RegistrationClient,
)
from parley.settings import Settings, get_settings
from parley.temporal_server import headless_dev_server
from store.engine import engine_for
from store.schema import upgrade_database
from tests.fixtures_temporal import free_port
from tests.workflows.harness import World, fast_rulebook_dir, seed_world

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
Scenario = Callable[[RegistrationClient, World], Awaitable[str]]


async def auto_approved_then_expired(client: RegistrationClient, world: World) -> str:
    view = await client.start(world.submission())
    await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=20)
    return view.workflow_id


async def approved_after_request_info(client: RegistrationClient, world: World) -> str:
    view = await client.start(world.submission(deal_value=300_000))
    assert view.open_task is not None
    cam = world.approvers["channel_account_manager"]
    task = view.open_task.task_id
    await client.decide(view.workflow_id, DecisionInput(task, cam, DecisionOutcome.REQUEST_INFO, "Budget?"))
    await client.provide_info(view.workflow_id, ProvideInfoInput(world.partner_user, "Approved in Q3"))
    await client.decide(view.workflow_id, DecisionInput(task, cam, DecisionOutcome.APPROVE, "ok"))
    await client.close(view.workflow_id, world.partner_user, "won")
    return view.workflow_id


async def escalated_to_default_action(client: RegistrationClient, world: World) -> str:
    view = await client.start(world.submission(deal_value=300_000))
    await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=30)
    return view.workflow_id


async def extended_then_withdrawn(client: RegistrationClient, world: World) -> str:
    view = await client.start(world.submission())
    await client.extend(view.workflow_id, ExtendInput(world.partner_user, "too early"))
    await asyncio.sleep(2.5)
    await client.extend(view.workflow_id, ExtendInput(world.partner_user, "legal review"))
    await client.withdraw(view.workflow_id, world.partner_user, "customer paused")
    return view.workflow_id


SCENARIOS: dict[str, Scenario] = {
    "auto_approved_then_expired": auto_approved_then_expired,
    "approved_after_request_info": approved_after_request_info,
    "escalated_to_default_action": escalated_to_default_action,
    "extended_then_withdrawn": extended_then_withdrawn,
}


async def _record(settings: Settings, url: str) -> None:
    from parley.worker import build_worker

    client = await RegistrationClient.connect(settings)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        async with build_worker(client.temporal, settings, executor):
            names = list(SCENARIOS)
            ids = await asyncio.gather(*(SCENARIOS[n](client, seed_world(url)) for n in names))
            for name, workflow_id in zip(names, ids, strict=True):
                history = await client.temporal.get_workflow_handle(workflow_id).fetch_history()
                (HISTORIES / f"registration_{name}.json").write_text(history.to_json())
                print(f"recorded {name} ({len(history.events)} events)")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="parley-record-"))
    url = f"sqlite:///{folder / 'parley.db'}"
    upgrade_database(url)
    rulebooks = fast_rulebook_dir(folder / "rulebooks")
    os.environ.update(PARLEY_DATABASE_URL=url, PARLEY_RULEBOOK_DIR=str(rulebooks))
    get_settings.cache_clear()
    engine_for.cache_clear()
    port = free_port()
    settings = Settings(
        temporal_address=f"127.0.0.1:{port}", task_queue="record", database_url=url, rulebook_dir=rulebooks
    )
    with headless_dev_server(settings, folder / "temporal.db"):
        HISTORIES.mkdir(exist_ok=True)
        asyncio.run(_record(settings, url))


if __name__ == "__main__":
    main()
