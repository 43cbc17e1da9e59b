"""Record workflow histories into ``tests/histories/`` for the replay tests.

    .venv/bin/python -m tests.workflows.record_histories

Runs each scenario whose file does not exist yet to its end on a fresh dev server and in-process
worker, with a database per group holding the fast test rulebook (adjusted per group: the library
is imported from the group's folder on the database's first use, and a roll-out changes which
version governs it), and saves its histories as JSON. A history is re-recorded only on purpose, by
deleting its file first: the point of the stored histories is that code changes must keep
replaying them (see docs/registration.md).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from sqlmodel import Session, col, select

from parley.clients import (
    DecisionInput,
    DecisionOutcome,
    ExtendInput,
    ProvideInfoInput,
    RegistrationClient,
)
from parley.clients.discount import DiscountClient
from parley.clients.rollout import RolloutClient
from parley.errors import DecisionRefused
from parley.settings import Settings, get_settings
from parley.temporal_server import headless_dev_server
from store.engine import engine_for, forget_engines
from store.models import User
from store.schema import upgrade_database
from tests.fixtures_temporal import free_port
from tests.notify.history_scenario import dispatched_retried_and_dead_lettered
from tests.workflows.discount_harness import DiscountWorld, decide
from tests.workflows.discount_harness import submission as discount_submission
from tests.workflows.dispute_harness import (
    DECIDING,
    LONG_PROTECTION,
    contested_pair,
    decide_level,
    hear_both,
    seed_dispute_world,
)
from tests.workflows.dispute_harness import clients as dispute_clients
from tests.workflows.exit_harness import PENDING_STAYS, SHORT_NOTICE
from tests.workflows.exit_scenarios import ALSO as EXIT_ALSO
from tests.workflows.exit_scenarios import SCENARIOS as EXIT_SCENARIOS
from tests.workflows.harness import World, add_user, fast_rulebook_dir, seed_world
from tests.workflows.rollout_harness import completed_what_if, draft_text, new_version, soon
from workflows.rollout.types import RolloutState, RolloutView

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
RegistrationScenario = Callable[[RegistrationClient, World], Awaitable[str]]
GroupScenario = Callable[[Settings, World], Awaitable[list[str]]]


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


async def _approved_registration(world: World, settings: Settings) -> str:
    registrations = await RegistrationClient.connect(settings)
    view = await registrations.start(world.submission())
    assert view.state == "approved", view
    return view.workflow_id


async def _discounts(settings: Settings, world: World) -> tuple[DiscountClient, DiscountWorld, str]:
    from tests.workflows.discount_harness import DISCOUNT_ROLES

    approvers = {}
    for role in DISCOUNT_ROLES:
        approvers[role] = f"{role.replace('_', '')}-{world.suffix}"
        add_user(settings.resolved_database_url, approvers[role], [role])
    dw = DiscountWorld(world, approvers)
    return await DiscountClient.connect(settings), dw, await _approved_registration(world, settings)


async def discount_two_steps_with_a_question(settings: Settings, world: World) -> list[str]:
    client, dw, registration = await _discounts(settings, world)
    view = await client.request(discount_submission(dw, registration, requested_discount=0.40))
    await decide(client, view.workflow_id, dw, "finance", "approve")
    await decide(client, view.workflow_id, dw, "deal_desk", "request_info", comment="Which competitor?")
    await client.provide_info(view.workflow_id, ProvideInfoInput(dw.partner, "Globex at 38%"))
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    await decide(client, view.workflow_id, dw, "vp_channel", "approve")
    await client.withdraw(view.workflow_id, dw.partner, "quoted elsewhere")
    return [view.workflow_id]


async def discount_revised_then_closed_with_its_registration(settings: Settings, world: World) -> list[str]:
    client, dw, registration = await _discounts(settings, world)
    view = await client.request(discount_submission(dw, registration, requested_discount=0.25))
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    await decide(client, view.workflow_id, dw, "finance", "approve")
    terms = view.submission.terms
    await client.revise(view.workflow_id, dw.partner, replace(terms, requested_discount=0.18))
    await client.revise(view.workflow_id, dw.partner, replace(terms, requested_discount=0.40))
    await decide(client, view.workflow_id, dw, "deal_desk", "approve")
    await decide(client, view.workflow_id, dw, "finance", "approve")
    await decide(client, view.workflow_id, dw, "vp_channel", "approve")
    registrations = await RegistrationClient.connect(settings)
    await registrations.close(registration, dw.partner, "won")
    await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=20)
    await registrations.wait_until(registration, lambda v: v.finished, timeout=20)
    return [view.workflow_id, registration]


async def discount_found_on_file_by_its_ending_registration(settings: Settings, world: World) -> list[str]:
    """Recorded once the stored row, not a signal, linked a request to its registration."""
    client, dw, registration = await _discounts(settings, world)
    pending = await client.request(discount_submission(dw, registration, requested_discount=0.25))
    approved = await client.request(discount_submission(dw, registration, requested_discount=0.05))
    registrations = await RegistrationClient.connect(settings)
    await registrations.close(registration, dw.partner, "won")
    for view in (pending, approved):
        await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=20)
    await registrations.wait_until(registration, lambda v: v.finished, timeout=20)
    return [pending.workflow_id, registration, approved.workflow_id]


async def discount_expired_then_renewed(settings: Settings, world: World) -> list[str]:
    client, dw, registration = await _discounts(settings, world)
    view = await client.request(discount_submission(dw, registration, requested_discount=0.05))
    await client.wait_until(view.workflow_id, lambda v: v.state == "expired", timeout=30)
    await client.renew(view.workflow_id, dw.partner, "signing next week")
    await client.withdraw(view.workflow_id, dw.partner)
    return [view.workflow_id]


async def discount_escalated_to_default_action(settings: Settings, world: World) -> list[str]:
    client, dw, registration = await _discounts(settings, world)
    view = await client.request(discount_submission(dw, registration, requested_discount=0.15))
    await client.wait_until(view.workflow_id, lambda v: v.finished, timeout=30)
    return [view.workflow_id]


async def dispute_awarded_after_both_statements(settings: Settings, world: World) -> list[str]:
    """The holder released and the claimant approved through their own workflows (closed won,
    so every history ends)."""
    dw = seed_dispute_world(settings.resolved_database_url)
    disputes, registrations = await dispute_clients(settings)
    held, refused = await contested_pair(settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    await hear_both(disputes, view.workflow_id, dw)
    await decide_level(disputes, view.workflow_id, dw.approvers["channel_account_manager"], "award_claimant")
    await registrations.close(refused.workflow_id, dw.late.partner_user, "won")
    await registrations.wait_until(refused.workflow_id, lambda v: v.finished, timeout=20)
    return [view.workflow_id, held.workflow_id, refused.workflow_id]


async def dispute_award_refused_then_upheld(settings: Settings, world: World) -> list[str]:
    dw = seed_dispute_world(settings.resolved_database_url)
    disputes, registrations = await dispute_clients(settings)
    _, refused = await contested_pair(settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    await hear_both(disputes, view.workflow_id, dw)
    await registrations.withdraw(refused.workflow_id, dw.late.partner_user, "lost the deal")
    cam = dw.approvers["channel_account_manager"]
    with contextlib.suppress(DecisionRefused):  # the award cannot be made: the level hears it again
        await decide_level(disputes, view.workflow_id, cam, "award_claimant")
    await decide_level(disputes, view.workflow_id, cam, "uphold")
    return [view.workflow_id, refused.workflow_id]


async def dispute_escalated_to_default_resolution(settings: Settings, world: World) -> list[str]:
    dw = seed_dispute_world(settings.resolved_database_url)
    disputes, registrations = await dispute_clients(settings)
    _, refused = await contested_pair(settings, dw)
    view = await disputes.open(
        actor=dw.late.partner_user, registration_id=refused.workflow_id, statement="Ours."
    )
    await disputes.wait_until(view.workflow_id, lambda v: v.finished, timeout=30)
    await registrations.wait_until(
        refused.workflow_id, lambda v: v.finished and v.appeal_until is None, timeout=20
    )
    return [view.workflow_id, refused.workflow_id]


async def _rollout(settings: Settings, world: World, effective_in: float) -> tuple[RolloutClient, str, str]:
    """A draft of the fast rulebook submitted by partner operations (also a VP: four-eyes shows)
    with its what-if attached: the client, the author, the version.

    Two versions of a group that come into force do so many seconds apart: one whose timer fires
    after a later-dated one came into force finds itself superseded and cannot move (the
    transition is retried for ever)."""
    author, version = f"author-{world.suffix}", new_version()
    add_user(settings.resolved_database_url, author, ["partner_ops", "vp_channel"])
    client = await RolloutClient.connect(settings)
    text = draft_text(version, soon(effective_in))
    await client.submit(actor=author, text=text, comment="Recorded for replay")
    run_id = completed_what_if(settings.resolved_database_url, version, by=author)
    await client.attach_what_if(version, author, run_id)
    return client, author, version


async def _approved(client: RolloutClient, version: str, approver: str) -> RolloutView:
    view = await client.of_version(version)
    decision = DecisionInput(view.open_tasks[0].task_id, approver, DecisionOutcome.APPROVE, "ok")
    await client.decide(view.workflow_id, decision)
    return await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.SCHEDULED, 15)


def _partner_users(url: str, view: RolloutView) -> list[str]:
    """A user of every partner asked to acknowledge (added where its partner has none: every
    active partner of the database is asked)."""
    with Session(engine_for(url)) as session:
        users = session.exec(select(User).where(col(User.partner_id).is_not(None)).order_by(col(User.id)))
        found = {u.partner_id: u.username for u in users if "partner" in u.roles}
    for item in view.acknowledgements:
        if item.partner_id not in found:
            found[item.partner_id] = f"acker-{item.partner_id}"
            add_user(url, found[item.partner_id], ["partner"], partner_id=item.partner_id)
    return [found[item.partner_id] for item in view.acknowledgements]


async def _acknowledged_by(client: RolloutClient, version: str, users: list[str]) -> None:
    for user in users:
        await client.acknowledge(version, user)


async def rollout_approved_then_in_force(settings: Settings, world: World) -> list[str]:
    """Every partner but one acknowledges before the effective date; that one is reminded, passes
    the deadline and acknowledges once the version is in force, which ends the workflow.

    (Not every partner before the deadline: with the deadline before the effective date the
    workflow then writes ``rulebook.acknowledgement_overdue`` over and over until that date.)"""
    # Well after the version below: each comes into force in its turn (see _rollout).
    client, _, version = await _rollout(settings, world, 30)
    view = await _approved(client, version, world.approvers["vp_channel"])
    *early, late = _partner_users(settings.resolved_database_url, view)
    await _acknowledged_by(client, version, early)
    await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 45)
    await _acknowledged_by(client, version, [late])
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def rollout_approval_refused_for_the_author_then_approved(
    settings: Settings, world: World
) -> list[str]:
    """The author holds the approving role and is refused (four-eyes; a refused update leaves no
    trace); the VP approves; partners are reminded, pass the deadline, and acknowledge late."""
    client, author, version = await _rollout(settings, world, 15)
    view = await client.of_version(version)
    task = view.open_tasks[0].task_id
    with contextlib.suppress(DecisionRefused):
        await client.decide(view.workflow_id, DecisionInput(task, author, DecisionOutcome.APPROVE))
        raise AssertionError("the author approved its own draft")
    view = await _approved(client, version, world.approvers["vp_channel"])
    await client.wait_until(view.workflow_id, lambda v: v.state == RolloutState.IN_FORCE, 30)
    view = await client.get(view.workflow_id)
    assert view.reminded and all(item.overdue for item in view.acknowledgements), view
    await _acknowledged_by(client, version, _partner_users(settings.resolved_database_url, view))
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def rollout_withdrawn_while_scheduled(settings: Settings, world: World) -> list[str]:
    """One partner acknowledged; partner operations withdraw it before its date (the others'
    acknowledgement tasks are cancelled)."""
    client, author, version = await _rollout(settings, world, 120)
    view = await _approved(client, version, world.approvers["vp_channel"])
    await client.acknowledge(version, world.partner_user)
    await client.withdraw(version, author, "Found a mistake in the SLA")
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def rollout_refused_by_default(settings: Settings, world: World) -> list[str]:
    """Nobody approves within the SLA: the draft lapses (the default is reject)."""
    client, _, version = await _rollout(settings, world, 120)
    view = await client.of_version(version)
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def rollout_declined_by_the_approver(settings: Settings, world: World) -> list[str]:
    client, _, version = await _rollout(settings, world, 120)
    view = await client.of_version(version)
    vp = world.approvers["vp_channel"]
    decision = DecisionInput(view.open_tasks[0].task_id, vp, DecisionOutcome.REJECT, "Too risky")
    await client.decide(view.workflow_id, decision)
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def rollout_withdrawn_waiting_for_a_what_if(settings: Settings, world: World) -> list[str]:
    author, version = f"author-{world.suffix}", new_version()
    add_user(settings.resolved_database_url, author, ["partner_ops"])
    client = await RolloutClient.connect(settings)
    view = await client.submit(actor=author, text=draft_text(version, soon(120)), comment="Second thoughts")
    await client.withdraw(version, author, "Superseded by another draft")
    await _ended(client, view.workflow_id)
    return [view.workflow_id]


async def _ended(client: RolloutClient, workflow_id: str) -> None:
    """Until the workflow has ended (its history then ends with its completion)."""
    handle = client.temporal.get_workflow_handle(workflow_id)
    await asyncio.wait_for(handle.result(), timeout=60)


def _registration(scenario: RegistrationScenario) -> GroupScenario:
    async def run(settings: Settings, world: World) -> list[str]:
        return [await scenario(await RegistrationClient.connect(settings), world)]

    return run


# Each group runs on its own rulebook (lines replaced, then text substituted); a scenario saves one
# file per workflow it names: the first as ``<group>_<scenario>.json``, others by ``ALSO`` (or
# ``<process type>_<scenario>.json``).
GROUPS: dict[str, tuple[dict[str, str], dict[str, str], dict[str, GroupScenario]]] = {
    "registration": (
        {},
        {},
        {
            "auto_approved_then_expired": _registration(auto_approved_then_expired),
            "approved_after_request_info": _registration(approved_after_request_info),
            "escalated_to_default_action": _registration(escalated_to_default_action),
            "extended_then_withdrawn": _registration(extended_then_withdrawn),
        },
    ),
    "discount": (
        {"protection_period": "1h", "request_window": "30m"},
        {},
        {
            "two_steps_with_a_question": discount_two_steps_with_a_question,
            "revised_then_closed_with_its_registration": discount_revised_then_closed_with_its_registration,
            "expired_then_renewed": discount_expired_then_renewed,
            "found_on_file_by_its_ending_registration": discount_found_on_file_by_its_ending_registration,
            "escalated_to_default_action": discount_escalated_to_default_action,
        },
    ),
    "dispute": (
        LONG_PROTECTION,
        DECIDING,
        {
            "awarded_after_both_statements": dispute_awarded_after_both_statements,
            "award_refused_then_upheld": dispute_award_refused_then_upheld,
        },
    ),
    "dispute_lapsing": (
        LONG_PROTECTION,
        {},
        {"escalated_to_default_resolution": dispute_escalated_to_default_resolution},
    ),
    "exit": ({}, {**PENDING_STAYS, **SHORT_NOTICE}, dict(EXIT_SCENARIOS)),
    "notification": ({}, {}, {"dispatched_retried_and_dead_lettered": dispatched_retried_and_dead_lettered}),
    # An approval SLA that leaves time to approve on a loaded machine; then it lapses.
    "rollout": (
        {"approval_sla": "8s"},
        {},
        {
            "approved_then_in_force": rollout_approved_then_in_force,
            "approval_refused_for_the_author_then_approved": (
                rollout_approval_refused_for_the_author_then_approved
            ),
            "withdrawn_while_scheduled": rollout_withdrawn_while_scheduled,
            "refused_by_default": rollout_refused_by_default,
            "declined_by_the_approver": rollout_declined_by_the_approver,
            "withdrawn_waiting_for_a_what_if": rollout_withdrawn_waiting_for_a_what_if,
        },
    ),
}


ALSO = {
    ("revised_then_closed_with_its_registration", 1): "registration_won_with_a_revised_discount",
    ("found_on_file_by_its_ending_registration", 1): "registration_won_ending_its_discounts_on_file",
    ("found_on_file_by_its_ending_registration", 2): "discount_approved_then_closed_with_its_registration",
    ("awarded_after_both_statements", 1): "registration_released_by_a_dispute",
    ("awarded_after_both_statements", 2): "registration_approved_by_a_dispute_then_won",
    ("award_refused_then_upheld", 1): "registration_withdrawn_while_disputed",
    ("escalated_to_default_resolution", 1): "registration_rejection_upheld_by_default",
    **EXIT_ALSO,
}


def _file(group: str, scenario: str, index: int, workflow_id: str) -> Path:
    if index == 0:
        return HISTORIES / f"{group}_{scenario}.json"
    name = ALSO.get((scenario, index), f"{workflow_id.split('-', 1)[0]}_{scenario}")
    return HISTORIES / f"{name}.json"


async def _record(settings: Settings, group: str, scenarios: dict[str, GroupScenario]) -> None:
    from parley.worker import build_worker

    client = await RegistrationClient.connect(settings)
    with concurrent.futures.ThreadPoolExecutor(max_workers=32) as executor:
        async with build_worker(client.temporal, settings, executor):
            names = list(scenarios)
            url = settings.resolved_database_url
            found = await asyncio.gather(*(scenarios[n](settings, seed_world(url)) for n in names))
            for name, workflow_ids in zip(names, found, strict=True):
                for index, named in enumerate(workflow_ids):
                    # "<id>@<run id>" names one run of a workflow that continues as new.
                    workflow_id, _, run_id = named.partition("@")
                    handle = client.temporal.get_workflow_handle(workflow_id, run_id=run_id or None)
                    history = await handle.fetch_history()
                    _file(group, name, index, workflow_id).write_text(history.to_json())
                    print(f"recorded {group} {name}: {workflow_id} ({len(history.events)} events)")


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="parley-record-"))
    port = free_port()
    server = Settings(temporal_address=f"127.0.0.1:{port}")
    HISTORIES.mkdir(exist_ok=True)
    with headless_dev_server(server, folder / "temporal.db"):
        for group, (replace_lines, substitutions, scenarios) in GROUPS.items():
            missing = {n: s for n, s in scenarios.items() if not (HISTORIES / f"{group}_{n}.json").exists()}
            if not missing:
                continue
            rulebooks = fast_rulebook_dir(folder / f"rulebooks-{group}", substitutions, **replace_lines)
            url = f"sqlite:///{folder / f'parley-{group}.db'}"
            upgrade_database(url)
            # The in-process activities read the settings: the group's rulebook and database.
            os.environ.update(PARLEY_DATABASE_URL=url, PARLEY_RULEBOOK_DIR=str(rulebooks))
            get_settings.cache_clear()
            forget_engines()
            settings = Settings(
                temporal_address=server.temporal_address,
                task_queue=f"record-{group}",
                database_url=url,
                rulebook_dir=rulebooks,
            )
            asyncio.run(_record(settings, group, missing))


if __name__ == "__main__":
    main()
