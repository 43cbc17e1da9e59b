"""``parley discount request|show|list|decide|revise|renew|withdraw|answer`` against the real stack:
the session's Temporal dev server, a ``parley worker`` process, a SQLite database and the web app
on a real HTTP server; each command is a new ``parley`` process with its user's token, as a person
would run it."""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from parley.cli.discounts import Discount
from tests.fixtures_temporal import TemporalServer
from tests.workflows.cli_web import CliWeb, web_for
from tests.workflows.discount_harness import (
    LONG_PROTECTION,
    DiscountWorld,
    approved_registration,
    seed_discount_world,
)
from tests.workflows.harness import Stack, fast_rulebook_dir, start_stack

pytestmark = pytest.mark.temporal

# Seconds apart, each command a new process: steps that wait for a person and quotes that last.
SLOW = {
    "sla: 2s}": "sla: 300s}",
    "reminder_lead_time: 2s": "reminder_lead_time: 10m",
    "quote_validity: 10s": "quote_validity: 1h",
    "reminder_lead_time: 3s": "reminder_lead_time: 60s",
}


@pytest.fixture(scope="module")
def cli_stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    folder = tmp_path_factory.mktemp("discount-cli")
    shutil.copyfile(sqlite_template, folder / "parley.db")
    rulebooks = fast_rulebook_dir(folder / "rulebooks", SLOW, **LONG_PROTECTION)
    stack = start_stack(
        temporal_server, f"sqlite:///{folder / 'parley.db'}", f"cli-{uuid.uuid4().hex[:8]}", rulebooks, folder
    )
    yield stack
    stack.worker.stop()


@pytest.fixture
def dw(cli_stack: Stack) -> DiscountWorld:
    return seed_discount_world(cli_stack)


@pytest.fixture(scope="module")
def web(cli_stack: Stack) -> Iterator[CliWeb]:
    with web_for(cli_stack) as app:
        yield app


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def open_tasks(output: str) -> dict[str, str]:
    """role -> task id, from a view's ``open task 12: discount.approval for deal_desk`` lines."""
    return {role: task for task, role in re.findall(r"open task (\d+): \S+ for (\w+)", output)}


def request_args(dw: DiscountWorld, registration: str, key: str, discount: str, value: str) -> list[str]:
    return [
        "discount", "request", "--registration", registration, "--key", key, "--discount", discount,
        "--value", value, "--competitor", "Globex", "--justification", "meet Globex's quote",
    ]  # fmt: skip


async def test_request_decide_in_parallel_show_revise_renew_withdraw(
    cli_stack: Stack, web: CliWeb, dw: DiscountWorld
) -> None:
    registration = await approved_registration(cli_stack, dw)
    out = ok(web.parley(dw.partner, *request_args(dw, registration, "q-1", "25%", "600000")))
    workflow_id = out.split(":", 1)[0]
    assert workflow_id == f"discount-{registration}-q-1"
    assert f"{workflow_id}: pending_approval" in out
    # Gold (15%) plus the volume discount of a 600,000 deal (4%), and the exception on top.
    assert "pricing: standard 19.0% + requested 25.0% = total 44.0%" in out
    assert "chain: deal_desk + finance" in out and "discount.approval_required" in out
    tasks = open_tasks(out)
    assert set(tasks) == {"deal_desk", "finance"}  # both at once, in parallel

    finance, desk = dw.approvers["finance"], dw.approvers["deal_desk"]
    out = ok(web.parley(finance, "discount", "decide", workflow_id, "approve", "--task", tasks["finance"]))
    assert f"{workflow_id}: pending_approval" in out and set(open_tasks(out)) == {"deal_desk"}
    assert f"approved by finance ({dw.approvers['finance']}) at 25.0%" in out
    refused = web.parley(desk, "discount", "decide", workflow_id, "reject", "--task", tasks["deal_desk"])
    assert refused.returncode == 1 and "comment" in refused.stderr
    assert "Traceback" not in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
    ok(web.parley(desk, "discount", "decide", workflow_id, "approve", "--task", tasks["deal_desk"]))

    shown = ok(web.parley(dw.partner, "discount", "show", workflow_id))
    assert f"{workflow_id}: approved" in shown and "quotable until" in shown
    assert "open task" not in shown and "discount.approved" in shown
    listed = ok(web.parley(finance, "discount", "list", "--partner-id", str(dw.world.partner_id)))
    assert workflow_id in listed and "approved" in listed and "total  44.0%" in listed

    out = ok(web.parley(dw.partner, "discount", "revise", workflow_id, "--discount", "0.18"))
    assert f"{workflow_id}: approved" in out and "25.0% -> 18.0%, asked again: nobody" in out
    assert "justification: meet Globex's quote" in out  # what the revision left out stays

    out = ok(web.parley(dw.partner, "discount", "renew", workflow_id))
    assert f"{workflow_id}: pending_approval" in out and set(open_tasks(out)) == {"deal_desk"}
    unasked = web.parley(dw.partner, "discount", "answer", workflow_id, "Globex at 30%")
    assert unasked.returncode == 1 and "Traceback" not in unasked.stderr

    out = ok(web.parley(dw.partner, "discount", "withdraw", workflow_id, "--comment", "lost it"))
    assert f"{workflow_id}: withdrawn" in out and "ended: lost it" in out
    again = web.parley(dw.partner, "discount", "withdraw", workflow_id)
    assert again.returncode == 1 and "already" in again.stderr


async def test_bad_requests_are_one_line_naming_the_field(
    cli_stack: Stack, web: CliWeb, dw: DiscountWorld
) -> None:
    registration = await approved_registration(cli_stack, dw)
    for discount, value, field in (
        ("150%", "100000", "--discount"),
        ("1.5", "100000", "--discount"),
        ("a lot", "100000", "--discount"),
        ("25%", "-5", "deal_value"),
        ("60%", "100000", "requested_discount"),  # above what any approver may grant
    ):
        done = web.parley(dw.partner, *request_args(dw, registration, "q-bad", discount, value))
        assert done.returncode in (1, 2), done.stdout
        assert field in done.stderr and "Traceback" not in done.stderr, done.stderr
    done = web.parley(dw.partner, *request_args(dw, "registration-0-nope", "q-2", "25%", "100000"))
    assert done.returncode == 1 and "registration_id" in done.stderr
    done = web.parley(dw.partner, *request_args(dw, registration, "bad key", "25%", "100000"))
    assert done.returncode == 1 and "request_key" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    listed = ok(web.parley(dw.partner, "discount", "list", "--registration", registration))
    assert listed.strip() == "no discount requests found"


def test_a_discount_is_a_fraction_or_a_percentage() -> None:
    discount = Discount()
    assert discount.convert("25%", None, None) == pytest.approx(0.25)
    assert discount.convert("0.25", None, None) == pytest.approx(0.25)
    assert discount.convert(" 7.5 % ", None, None) == pytest.approx(0.075)
    assert discount.convert("0", None, None) == 0
    for bad in ("25", "101%", "-1%", "nan", "inf", "x%"):
        with pytest.raises(click.BadParameter, match=r"discount|between"):
            discount.convert(bad, None, None)
