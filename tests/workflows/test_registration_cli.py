"""``parley register`` and ``parley registrations list|show|decide`` through the JSON API, as the
token's user, against the real stack."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.cli_web import CliWeb, web_for
from tests.workflows.harness import Stack, World, fast_rulebook_dir, seed_world, start_stack

# Commands that run on the operator's machine, not as a person through the API.
OPERATOR_GROUPS = frozenset(
    {"db", "server", "worker", "web", "up", "doctor", "user", "token", "mail-sink", "webhook-receiver",
     "simulate", "replay", "rulebook", "sandbox", "demo", "dev"}
)  # fmt: skip


@pytest.fixture(scope="module")
def cli_stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """Minute-long SLAs, hour-long protection: each ``parley`` command is a new process, seconds apart."""
    folder = tmp_path_factory.mktemp("cli")
    shutil.copyfile(sqlite_template, folder / "parley.db")
    rulebooks = fast_rulebook_dir(folder / "rulebooks", {"sla: 2s}": "sla: 60s}"}, protection_period="1h")
    stack = start_stack(
        temporal_server, f"sqlite:///{folder / 'parley.db'}", f"cli-{uuid.uuid4().hex[:8]}", rulebooks, folder
    )
    yield stack
    stack.worker.stop()


@pytest.fixture(scope="module")
def web(cli_stack: Stack) -> Iterator[CliWeb]:
    with web_for(cli_stack) as app:
        yield app


@pytest.fixture
def cli_world(cli_stack: Stack) -> World:
    return seed_world(cli_stack.database_url)


def _register(
    web: CliWeb, world: World, user: str | None, *extra: str, key: str | None = None, value: str = "300000"
):
    sub = world.submission()
    return web.parley(
        user, "register", "--key", key or sub.request_key, "--account", sub.account_name,
        "--domain", str(sub.account_domain), "--territory", sub.territory, "--vertical", sub.vertical,
        "--product-line", sub.product_line, "--value", value, *extra,
    )  # fmt: skip


@pytest.mark.temporal
def test_register_list_show_and_decide(web: CliWeb, cli_world: World) -> None:
    done = _register(web, cli_world, cli_world.partner_user)
    assert done.returncode == 0, done.stderr
    workflow_id = done.stdout.split(":", 1)[0]
    assert f"partner {cli_world.partner_id}," in done.stdout
    assert "pending_approval" in done.stdout and "approval.required" in done.stdout
    task_id = done.stdout.split("open task ", 1)[1].split(":", 1)[0]

    cam = cli_world.approvers["channel_account_manager"]
    refused = web.parley(cam, "registrations", "decide", workflow_id, "reject", "--task", task_id)
    assert refused.returncode == 1 and "comment" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1

    by_partner = web.parley(
        cli_world.partner_user, "registrations", "decide", workflow_id, "approve", "--task", task_id
    )
    assert by_partner.returncode == 1 and "task" in by_partner.stderr  # a partner decides nothing

    approved = web.parley(
        cam, "registrations", "decide", workflow_id, "approve", "--task", task_id, "--comment", "fine"
    )
    assert approved.returncode == 0, approved.stderr
    assert f"{workflow_id}: approved" in approved.stdout

    listed = web.parley(cli_world.partner_user, "registrations", "list")
    assert listed.returncode == 0, listed.stderr
    assert workflow_id in listed.stdout and "approved" in listed.stdout

    shown = web.parley(cli_world.partner_user, "registrations", "show", workflow_id)
    assert shown.returncode == 0 and f"{workflow_id}: approved" in shown.stdout
    assert "registration.approved" in shown.stdout and "protected until" in shown.stdout
    assert f"by {cam}" in shown.stdout  # the history names who decided: the token's user


@pytest.mark.temporal
def test_a_partners_user_cannot_register_for_another_partner(
    web: CliWeb, cli_stack: Stack, cli_world: World
) -> None:
    other = seed_world(cli_stack.database_url)
    done = _register(web, cli_world, cli_world.partner_user, "--partner-id", str(other.partner_id))
    assert done.returncode == 1, done.stdout
    assert "partner_id" in done.stderr and "Traceback" not in done.stderr
    listed = web.parley(other.partner_user, "registrations", "list")
    assert listed.returncode == 0 and "no registrations found" in listed.stdout


@pytest.mark.temporal
def test_without_a_token_the_cli_says_how_to_get_one(web: CliWeb, cli_world: World) -> None:
    done = _register(web, cli_world, None)
    assert done.returncode == 1 and "PARLEY_TOKEN" in done.stderr and "parley token create" in done.stderr


@pytest.mark.temporal
def test_bad_registration_is_one_line_naming_the_field(web: CliWeb, cli_world: World) -> None:
    done = _register(web, cli_world, cli_world.partner_user, key="bad key", value="-5")
    assert done.returncode == 1
    assert "request_key" in done.stderr and "deal_value" in done.stderr and "Traceback" not in done.stderr


def test_no_user_action_command_takes_as() -> None:
    """The acting user is the token's: no command that acts as a person names one."""
    from parley.cli import cli

    def commands(group: click.Group, path: str) -> Iterator[tuple[str, click.Command]]:
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from commands(command, f"{path} {name}")
            else:
                yield f"{path} {name}", command

    acting = [(path, c) for path, c in commands(cli, "parley") if path.split()[1] not in OPERATOR_GROUPS]
    assert len(acting) > 30
    with_as = [path for path, c in acting if any("--as" in p.opts for p in c.params)]
    assert with_as == []


@pytest.mark.temporal
def test_sync_client_for_the_web_app(cli_stack: Stack, cli_world: World) -> None:
    from parley.clients import SyncRegistrationClient

    client = SyncRegistrationClient(cli_stack.settings)
    view = client.start(cli_world.submission(deal_value=300_000))
    assert view.state == "pending_approval"
    assert client.get(view.workflow_id).open_task == view.open_task
    withdrawn = client.withdraw(view.workflow_id, cli_world.partner_user, "duplicate entry")
    assert withdrawn.state == "withdrawn"
    assert client.get(view.workflow_id).state == "withdrawn"  # from the history once it has ended
