"""``parley register`` and ``parley registrations list|show|decide`` against the real stack."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.harness import Stack, World, fast_rulebook_dir, seed_world, start_stack


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


@pytest.fixture
def cli_world(cli_stack: Stack) -> World:
    return seed_world(cli_stack.database_url)


def parley(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PARLEY_TEMPORAL_ADDRESS": stack.server.address,
        "PARLEY_TASK_QUEUE": stack.task_queue,
        "PARLEY_DATABASE_URL": stack.database_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "parley", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_register_list_show_and_decide(cli_stack: Stack, cli_world: World) -> None:
    sub = cli_world.submission(deal_value=300_000)
    done = parley(
        cli_stack, "register", "--partner-id", str(cli_world.partner_id), "--key", sub.request_key,
        "--account", sub.account_name, "--domain", str(sub.account_domain), "--territory", sub.territory,
        "--vertical", sub.vertical, "--product-line", sub.product_line, "--value", "300000",
        "--as", cli_world.partner_user,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    workflow_id = done.stdout.split(":", 1)[0]
    assert "pending_approval" in done.stdout and "approval.required" in done.stdout
    task_id = done.stdout.split("open task ", 1)[1].split(":", 1)[0]

    refused = parley(
        cli_stack, "registrations", "decide", workflow_id, "reject", "--task", task_id,
        "--as", cli_world.approvers["channel_account_manager"],
    )  # fmt: skip
    assert refused.returncode == 1 and "comment" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1

    approved = parley(
        cli_stack, "registrations", "decide", workflow_id, "approve", "--task", task_id,
        "--as", cli_world.approvers["channel_account_manager"], "--comment", "fine",
    )  # fmt: skip
    assert approved.returncode == 0, approved.stderr
    deadline = time.monotonic() + 20  # the visibility store catches up asynchronously
    while True:
        listed = parley(cli_stack, "registrations", "list", "--partner-id", str(cli_world.partner_id))
        assert listed.returncode == 0, listed.stderr
        if "approved" in listed.stdout or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert workflow_id in listed.stdout and "approved" in listed.stdout

    shown = parley(cli_stack, "registrations", "show", workflow_id)
    assert shown.returncode == 0 and f"{workflow_id}: approved" in shown.stdout
    assert "registration.approved" in shown.stdout and "protected until" in shown.stdout


def test_bad_registration_is_one_line_naming_the_field(cli_stack: Stack, cli_world: World) -> None:
    done = parley(
        cli_stack, "register", "--partner-id", str(cli_world.partner_id), "--key", "bad key",
        "--account", "X", "--territory", "us-west", "--vertical", "retail", "--product-line", "core-platform",
        "--value", "-5", "--as", cli_world.partner_user,
    )  # fmt: skip
    assert done.returncode == 1
    assert "request_key" in done.stderr and "deal_value" in done.stderr and "Traceback" not in done.stderr


def test_sync_client_for_the_web_app(cli_stack: Stack, cli_world: World) -> None:
    from parley.clients import SyncRegistrationClient

    client = SyncRegistrationClient(cli_stack.settings)
    view = client.start(cli_world.submission(deal_value=300_000))
    assert view.state == "pending_approval"
    assert client.get(view.workflow_id).open_task == view.open_task
    withdrawn = client.withdraw(view.workflow_id, cli_world.partner_user, "duplicate entry")
    assert withdrawn.state == "withdrawn"
    assert client.get(view.workflow_id).state == "withdrawn"  # from the history once it has ended
