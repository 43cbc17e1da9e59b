"""Exit scenarios for the recorded histories (``tests.workflows.record_histories``): each runs one
exit to its end on the second-scale test rulebook and names the workflows whose histories to keep
(the exit first, then the registrations it disposed of)."""

from __future__ import annotations

from parley.clients.exit import ExitClient
from parley.clients.registration import RegistrationClient
from parley.settings import Settings
from tests.workflows.exit_harness import seed_exit_world
from tests.workflows.harness import World
from workflows.human.updates import DecisionInput

DONE = 60.0


async def _clients(settings: Settings) -> tuple[RegistrationClient, ExitClient]:
    return await RegistrationClient.connect(settings), await ExitClient.connect(settings)


async def voluntary_honoured_and_returned(settings: Settings, world: World) -> list[str]:
    registrations, exits = await _clients(settings)
    ew = seed_exit_world(settings.resolved_database_url)
    leaving = ew.leaving
    approved = await registrations.start(leaving.submission())
    pending = await registrations.start(
        leaving.submission(deal_value=400_000, account_name="Globex Rec", account_domain="globex-rec.com")
    )
    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="voluntary", why="Not renewed"
    )
    await exits.wait_until(view.workflow_id, lambda v: v.finished, DONE)
    await registrations.wait_until(approved.workflow_id, lambda v: v.finished, DONE)
    return [view.workflow_id, approved.workflow_id, pending.workflow_id]


async def program_change_transferred_and_chosen(settings: Settings, world: World) -> list[str]:
    registrations, exits = await _clients(settings)
    ew = seed_exit_world(settings.resolved_database_url)
    leaving, other = ew.leaving, ew.other
    wanted = await registrations.start(leaving.submission(deal_value=400_000))
    same = wanted.submission
    await registrations.start(
        other.submission(
            deal_value=90_000, account_name=same.account_name, account_domain=same.account_domain
        )
    )
    alone = await registrations.start(
        leaving.submission(deal_value=400_000, account_name="Umbrella Rec", account_domain="umbrella-rec.com")
    )
    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="program_change", why="Retired"
    )
    await exits.wait_until(view.workflow_id, lambda v: bool(v.open_tasks), DONE)
    await exits.choose_transferee(view.workflow_id, ew.ops, alone.workflow_id, None, "nobody fits")
    await exits.wait_until(view.workflow_id, lambda v: v.finished, DONE)
    return [view.workflow_id, wanted.workflow_id, alone.workflow_id]


async def for_cause_approved(settings: Settings, world: World) -> list[str]:
    registrations, exits = await _clients(settings)
    ew = seed_exit_world(settings.resolved_database_url)
    leaving = ew.leaving
    await registrations.start(leaving.submission())
    view = await exits.start(actor=ew.vp, partner_id=leaving.partner_id, exit_type="for_cause", why="Breach")
    task = view.open_tasks[0].task_id
    await exits.decide(
        view.workflow_id, DecisionInput(task, leaving.approvers["vp_channel"], "approve", "agreed")
    )
    await exits.wait_until(view.workflow_id, lambda v: v.finished, DONE)
    return [view.workflow_id]


async def for_cause_lapsed(settings: Settings, world: World) -> list[str]:
    _, exits = await _clients(settings)
    ew = seed_exit_world(settings.resolved_database_url)
    view = await exits.start(
        actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="for_cause", why="Audit"
    )
    await exits.wait_until(view.workflow_id, lambda v: v.finished, DONE)
    return [view.workflow_id]


async def cancelled_during_notice(settings: Settings, world: World) -> list[str]:
    registrations, exits = await _clients(settings)
    ew = seed_exit_world(settings.resolved_database_url)
    await registrations.start(ew.leaving.submission(deal_value=400_000))
    view = await exits.start(
        actor=ew.ops, partner_id=ew.leaving.partner_id, exit_type="program_change", why="Merger"
    )
    await exits.cancel(view.workflow_id, ew.ops, "Merger called off")
    await exits.wait_until(view.workflow_id, lambda v: v.finished, DONE)
    return [view.workflow_id]


SCENARIOS = {
    "voluntary_honoured_and_returned": voluntary_honoured_and_returned,
    "program_change_transferred_and_chosen": program_change_transferred_and_chosen,
    "for_cause_approved": for_cause_approved,
    "for_cause_lapsed": for_cause_lapsed,
    "cancelled_during_notice": cancelled_during_notice,
}
# The registrations' histories are kept beside the exits' under names that say what happened.
ALSO = {
    ("voluntary_honoured_and_returned", 1): "registration_honoured_by_an_exit",
    ("voluntary_honoured_and_returned", 2): "registration_returned_to_direct_by_an_exit",
    ("program_change_transferred_and_chosen", 1): "registration_transferred_by_an_exit",
    ("program_change_transferred_and_chosen", 2): "registration_returned_to_direct_by_partner_ops",
}
