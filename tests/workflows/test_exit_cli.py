"""``parley exit start|show|list|cancel|decide|choose`` against the real stack: the session's
Temporal dev server, a ``parley worker`` process, a SQLite database and the web app on a real HTTP
server; each command is a new ``parley`` process with its user's token, as a person would run it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.cli_web import CliWeb, web_for
from tests.workflows.exit_harness import (
    PENDING_STAYS,
    ExitWorld,
    approved_and_pending,
    exit_client,
    exit_stack,
    partner_row,
    register,
    seed_exit_world,
)
from tests.workflows.harness import Stack
from tests.workflows.test_discount_cli import ok, open_tasks
from tests.workflows.test_dispute_cli import one_line_error

pytestmark = pytest.mark.temporal

# Each command is a new process of a few seconds: notice and the approval wait for people.
# A program change keeps its short notice, so a transferee choice comes within the test.
SLOW = {
    **PENDING_STAYS,
    "notice: 4s": "notice: 300s",
    "honour_limit: 4s": "honour_limit: 1h",
    "protection_period: 6s": "protection_period: 30m",
    "approval: {role: vp_channel, sla: 3s}": "approval: {role: vp_channel, sla: 300s}",
    "notice: 1s": "notice: 300s",
    "notice: 6s": "notice: 2s",
}


@pytest.fixture(scope="module")
def cli_stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("exit-cli")
    database = folder / "parley.db"
    database.write_bytes(sqlite_template.read_bytes())
    with exit_stack(temporal_server, f"sqlite:///{database}", folder, SLOW) as s:
        yield s


@pytest.fixture(scope="module")
def web(cli_stack: Stack) -> Iterator[CliWeb]:
    with web_for(cli_stack) as app:
        yield app


@pytest.fixture
def ew(cli_stack: Stack) -> ExitWorld:
    return seed_exit_world(cli_stack.database_url)


def start(partner_id: int, exit_type: str, why: str) -> list[str]:
    return ["exit", "start", "--partner-id", str(partner_id), "--type", exit_type, "--why", why]


async def test_start_show_list_and_cancel(cli_stack: Stack, web: CliWeb, ew: ExitWorld) -> None:
    registrations, leaving = await cli_stack.client(), ew.leaving
    approved, pending = await approved_and_pending(registrations, leaving)
    pid = leaving.partner_id

    # Refused before anything is stored, in one line naming the field or the reason.
    one_line_error(web.parley(ew.ops, *start(pid, "farewell", "Done.")), "exit_type", "voluntary")
    one_line_error(web.parley(leaving.partner_user, *start(pid, "voluntary", "We quit.")), "partner_ops")
    assert partner_row(cli_stack.database_url, pid).status == "active"

    out = ok(web.parley(ew.ops, *start(pid, "voluntary", "Contract not renewed")))
    exit_id = out.split(":", 1)[0]
    assert exit_id.startswith(f"exit-{pid}-1-") and f"{exit_id}: notice (voluntary exit)" in out
    assert f"partner {pid} Acme Resellers {leaving.suffix}, started by {ew.ops}" in out
    assert "why: Contract not renewed" in out
    for label in ("notice given:", "notice ends:", "access revoked:", "MDF ends:", "commission ends:"):
        assert f"  {label}" in out, label
    assert f"{approved.workflow_id}: honour_until_expiry (planned)" in out
    assert f"{pending.workflow_id}: return_to_direct (planned)" in out
    assert "registration approved, protected until" in out
    assert "- exit.honour_until_expiry: approved registration honoured until it expires" in out
    assert "- exit.return_to_direct: pending registrations are returned to direct sales" in out
    assert partner_row(cli_stack.database_url, pid).status == "exiting"

    shown = ok(web.parley(ew.ops, "exit", "show", exit_id))
    assert f"{exit_id}: notice (voluntary exit)" in shown and "registrations (2):" in shown
    assert "exit.notice_given" in shown and f"started -> notice  by {ew.ops}" in shown
    listed = ok(web.parley(ew.ops, "exit", "list", "--partner-id", str(pid)))
    assert exit_id in listed and "notice" in listed and "voluntary" in listed
    assert f"partner {pid}" in listed and "notice ends" in listed

    out = ok(web.parley(ew.ops, "exit", "cancel", exit_id, "--reason", "Renewed after all"))
    assert f"{exit_id}: cancelled (voluntary exit)" in out and "ended: Renewed after all" in out
    assert partner_row(cli_stack.database_url, pid).status == "active"


async def test_for_cause_needs_a_second_person(cli_stack: Stack, web: CliWeb, ew: ExitWorld) -> None:
    pid = ew.leaving.partner_id
    out = ok(web.parley(ew.vp, *start(pid, "for_cause", "Breach of the program agreement")))
    exit_id = out.split(":", 1)[0]
    assert f"{exit_id}: awaiting_approval (for_cause exit)" in out
    assert "approval: vp_channel, not approved yet" in out and "notice given:" not in out
    task = open_tasks(out)["vp_channel"]

    # Whoever started it may not approve it, though they hold the role.
    one_line_error(web.parley(ew.vp, "exit", "decide", exit_id, "approve", "--task", task), "four-eyes")
    second = ew.leaving.approvers["vp_channel"]
    out = ok(web.parley(second, "exit", "decide", exit_id, "approve", "--task", task))
    assert f"approval: vp_channel, approved by {second}" in out and "open task" not in out
    view = await (await exit_client(cli_stack)).wait_until(exit_id, lambda v: v.state == "notice", 10)
    assert view.state == "notice" and view.approved_by == second
    assert partner_row(cli_stack.database_url, pid).status == "exiting"


async def test_choose_a_transferee(cli_stack: Stack, web: CliWeb, ew: ExitWorld) -> None:
    registrations, exits, leaving = await cli_stack.client(), await exit_client(cli_stack), ew.leaving
    pending = await register(registrations, leaving, deal_value=400_000)
    view = await exits.start(
        actor=ew.ops, partner_id=leaving.partner_id, exit_type="program_change", why="Tier retired"
    )
    # Notice ends in seconds; nobody else registered the account, so partner operations choose.
    view = await exits.wait_until(view.workflow_id, lambda v: bool(v.open_tasks), 30)
    exit_id = view.workflow_id
    shown = ok(web.parley(ew.ops, "exit", "show", exit_id))
    assert f"{exit_id}: winding_down (program_change exit)" in shown
    assert f"exit.transferee for partner_ops, registration {pending.workflow_id}" in shown
    assert f"{pending.workflow_id}: transfer (awaiting_choice)" in shown and "exit.no_transferee" in shown
    out = ok(
        web.parley(
            ew.ops,
            "exit",
            "choose",
            exit_id,
            "--registration",
            pending.workflow_id,
            "--direct",
            "--comment",
            "Direct sales knows the customer.",
        )
    )
    assert f"{pending.workflow_id}: return_to_direct (applied)" in out and "open task" not in out
