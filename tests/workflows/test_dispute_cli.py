"""``parley dispute open|show|statement|list|decide|escalate|withdraw`` against the real stack: the
session's Temporal dev server, a ``parley worker`` process and a SQLite database; each command is
a new ``parley`` process, as a person would run it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.cli_web import CliWeb, web_for
from tests.workflows.dispute_harness import (
    DisputeWorld,
    contested_pair,
    seed_dispute_world,
    sqlite_dispute_stack,
)
from tests.workflows.harness import Stack
from tests.workflows.test_discount_cli import ok, open_tasks

pytestmark = pytest.mark.temporal

# Each command is a new process of a few seconds: levels and hearings that wait for a person.
SLOW = {"response_sla: 2s": "response_sla: 300s", "party_response: 2s": "party_response: 120s"}


@pytest.fixture(scope="module")
def cli_stack(
    temporal_server: TemporalServer, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    with sqlite_dispute_stack(
        temporal_server, sqlite_template, tmp_path_factory.mktemp("dispute-cli"), SLOW
    ) as s:
        yield s


@pytest.fixture(scope="module")
def web(cli_stack: Stack) -> Iterator[CliWeb]:
    with web_for(cli_stack) as app:
        yield app


@pytest.fixture
def dw(cli_stack: Stack) -> DisputeWorld:
    return seed_dispute_world(cli_stack.database_url)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


async def test_open_show_statements_list_and_an_award(
    cli_stack: Stack, web: CliWeb, dw: DisputeWorld
) -> None:
    held, refused = await contested_pair(cli_stack.settings, dw)
    out = ok(
        web.parley(
            dw.late.partner_user,
            "dispute",
            "open",
            "--registration",
            refused.workflow_id,
            "--statement",
            "We met the customer in March.",
        )
    )
    dispute_id = out.split(":", 1)[0]
    assert dispute_id.startswith("dispute-") and f"{dispute_id}: hearing" in out
    assert "contests conflict.first_to_register (another partner registered the account" in out
    assert f"contesting: Acme Resellers {dw.late.suffix} (partner {dw.late.partner_id})" in out
    # The contesting partner reads the other side unnamed; staff read both (below).
    assert "holding:    another partner" in out and held.workflow_id not in out
    assert f"Acme Resellers {dw.holder.suffix}" not in out
    assert "path: channel_account_manager -> regional_channel_director -> vp_channel" in out
    assert set(open_tasks(out)) == {"partner"}  # one call for each side's statement, both partners
    assert f"contesting side {dw.late.partner_user}: We met the customer in March." in out

    # Someone not in the dispute, and an empty statement: one line naming why, nothing stored.
    one_line_error(web.parley(dw.third.partner_user, "dispute", "statement", dispute_id, "Me too."))
    one_line_error(
        web.parley(dw.holder.partner_user, "dispute", "statement", dispute_id, "  "),
        "statement",
    )
    out = ok(web.parley(dw.holder.partner_user, "dispute", "statement", dispute_id, "Ours came first."))
    assert f"holding side    {dw.holder.partner_user}: Ours came first." in out
    ok(web.parley(dw.late.partner_user, "dispute", "statement", dispute_id, "NDA of 3 March."))

    shown = ok(web.parley(dw.approvers["channel_account_manager"], "dispute", "show", dispute_id))
    for _ in range(50):  # the hearing closes once both have spoken; the first level opens
        if "in_review" in shown.splitlines()[0]:
            break
        shown = ok(web.parley(dw.approvers["channel_account_manager"], "dispute", "show", dispute_id))
    assert f"{dispute_id}: in_review, level 1 of 3 (channel_account_manager)" in shown
    assert f"holding:    Acme Resellers {dw.holder.suffix}" in shown and held.workflow_id in shown
    assert "dispute.opened" in shown and "dispute.statement" in shown
    task = open_tasks(shown)["channel_account_manager"]

    listed = ok(
        web.parley(
            dw.approvers["channel_account_manager"],
            "dispute",
            "list",
            "--partner-id",
            str(dw.holder.partner_id),
        )
    )
    assert dispute_id in listed and "in_review" in listed and "level 1" in listed
    assert f"partner {dw.late.partner_id} vs partner {dw.holder.partner_id}" in listed

    cam = dw.approvers["channel_account_manager"]
    one_line_error(
        web.parley(cam, "dispute", "decide", dispute_id, "award_claimant", "--task", task),
        "comment",
    )
    out = ok(
        web.parley(
            cam,
            "dispute",
            "decide",
            dispute_id,
            "award_claimant",
            "--task",
            task,
            "--comment",
            "The NDA predates the holder.",
        )
    )
    assert f"{dispute_id}: resolved" in out
    assert "outcome: dispute.awarded_to_claimant: the account is awarded to the contesting partner" in out
    assert "The NDA predates the holder." in out and "open task" not in out
    assert f"registration {refused.workflow_id}" in out and ", now approved, protected until" in out
    assert f"registration {held.workflow_id}" in out and ", now released" in out
    listed = ok(web.parley(dw.approvers["channel_account_manager"], "dispute", "list", "--state", "resolved"))
    assert dispute_id in listed and "award_claimant" in listed


async def test_escalate_by_hand_then_withdraw(cli_stack: Stack, web: CliWeb, dw: DisputeWorld) -> None:
    _, refused = await contested_pair(cli_stack.settings, dw)
    out = ok(
        web.parley(
            dw.late.partner_user,
            "dispute",
            "open",
            "--registration",
            refused.workflow_id,
            "--statement",
            "Ours.",
        )
    )
    dispute_id = out.split(":", 1)[0]
    again = web.parley(
        dw.late.partner_user, "dispute", "open", "--registration", refused.workflow_id, "--statement", "Ours!"
    )
    one_line_error(again, "registration_id", "already disputed")
    for user in (dw.holder.partner_user, dw.late.partner_user):
        ok(web.parley(user, "dispute", "statement", dispute_id, "Heard."))
    shown = ok(web.parley(dw.approvers["channel_account_manager"], "dispute", "show", dispute_id))
    for _ in range(50):
        if "channel_account_manager" in open_tasks(shown):
            break
        shown = ok(web.parley(dw.approvers["channel_account_manager"], "dispute", "show", dispute_id))
    task = open_tasks(shown)["channel_account_manager"]
    out = ok(
        web.parley(
            dw.approvers["channel_account_manager"],
            "dispute",
            "escalate",
            dispute_id,
            "--task",
            task,
            "--comment",
            "For the director.",
        )
    )
    assert f"{dispute_id}: in_review, level 2 of 3 (regional_channel_director)" in out
    assert set(open_tasks(out)) == {"regional_channel_director"}

    one_line_error(web.parley(dw.holder.partner_user, "dispute", "withdraw", dispute_id), "contesting")
    out = ok(web.parley(dw.late.partner_user, "dispute", "withdraw", dispute_id, "--comment", "Settled."))
    assert f"{dispute_id}: withdrawn" in out and "ended: Settled." in out and "open task" not in out
    one_line_error(web.parley(dw.late.partner_user, "dispute", "withdraw", dispute_id), "already")
    assert "no disputes found" in ok(
        web.parley(
            dw.approvers["channel_account_manager"],
            "dispute",
            "list",
            "--partner-id",
            str(dw.third.partner_id),
        )
    )
