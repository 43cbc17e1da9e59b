"""``parley dispute open|show|statement|list|decide|escalate|withdraw`` against the real stack: the
session's Temporal dev server, a ``parley worker`` process and a SQLite database; each command is
a new ``parley`` process, as a person would run it."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fixtures_temporal import TemporalServer
from tests.workflows.dispute_harness import (
    DisputeWorld,
    contested_pair,
    seed_dispute_world,
    sqlite_dispute_stack,
)
from tests.workflows.harness import Stack
from tests.workflows.test_discount_cli import ok, open_tasks, parley

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


@pytest.fixture
def dw(cli_stack: Stack) -> DisputeWorld:
    return seed_dispute_world(cli_stack.database_url)


def one_line_error(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 1, done.stdout
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr, done.stderr


async def test_open_show_statements_list_and_an_award(cli_stack: Stack, dw: DisputeWorld) -> None:
    held, refused = await contested_pair(cli_stack.settings, dw)
    out = ok(
        parley(cli_stack, "dispute", "open", "--registration", refused.workflow_id,
               "--statement", "We met the customer in March.", "--as", dw.late.partner_user)
    )  # fmt: skip
    dispute_id = out.split(":", 1)[0]
    assert dispute_id.startswith("dispute-") and f"{dispute_id}: hearing" in out
    assert "contests conflict.first_to_register (another partner registered the account" in out
    assert f"contesting: Acme Resellers {dw.late.suffix} (partner {dw.late.partner_id})" in out
    assert f"holding:    Acme Resellers {dw.holder.suffix}" in out and held.workflow_id in out
    assert "path: channel_account_manager -> regional_channel_director -> vp_channel" in out
    assert set(open_tasks(out)) == {"partner"}  # one call for each side's statement, both partners
    assert f"contesting side {dw.late.partner_user}: We met the customer in March." in out

    # Someone not in the dispute, and an empty statement: one line naming why, nothing stored.
    one_line_error(
        parley(cli_stack, "dispute", "statement", dispute_id, "Me too.", "--as", dw.third.partner_user),
        "only the parties",
    )
    one_line_error(
        parley(cli_stack, "dispute", "statement", dispute_id, "  ", "--as", dw.holder.partner_user),
        "statement",
    )
    out = ok(
        parley(
            cli_stack, "dispute", "statement", dispute_id, "Ours came first.", "--as", dw.holder.partner_user
        )
    )
    assert f"holding side    {dw.holder.partner_user}: Ours came first." in out
    ok(parley(cli_stack, "dispute", "statement", dispute_id, "NDA of 3 March.", "--as", dw.late.partner_user))

    shown = ok(parley(cli_stack, "dispute", "show", dispute_id))
    for _ in range(50):  # the hearing closes once both have spoken; the first level opens
        if "in_review" in shown.splitlines()[0]:
            break
        shown = ok(parley(cli_stack, "dispute", "show", dispute_id))
    assert f"{dispute_id}: in_review, level 1 of 3 (channel_account_manager)" in shown
    assert "dispute.opened" in shown and "dispute.statement" in shown
    task = open_tasks(shown)["channel_account_manager"]

    listed = ok(parley(cli_stack, "dispute", "list", "--partner-id", str(dw.holder.partner_id)))
    assert dispute_id in listed and "in_review" in listed and "level 1" in listed
    assert f"partner {dw.late.partner_id} vs partner {dw.holder.partner_id}" in listed

    cam = dw.approvers["channel_account_manager"]
    one_line_error(
        parley(cli_stack, "dispute", "decide", dispute_id, "award_claimant", "--task", task, "--as", cam),
        "comment",
    )
    out = ok(
        parley(cli_stack, "dispute", "decide", dispute_id, "award_claimant", "--task", task, "--as", cam,
               "--comment", "The NDA predates the holder.")
    )  # fmt: skip
    assert f"{dispute_id}: resolved" in out
    assert "outcome: dispute.awarded_to_claimant: the account is awarded to the contesting partner" in out
    assert "The NDA predates the holder." in out and "open task" not in out
    assert f"registration {refused.workflow_id}" in out and ", now approved, protected until" in out
    assert f"registration {held.workflow_id}" in out and ", now released" in out
    listed = ok(parley(cli_stack, "dispute", "list", "--state", "resolved"))
    assert dispute_id in listed and "award_claimant" in listed


async def test_escalate_by_hand_then_withdraw(cli_stack: Stack, dw: DisputeWorld) -> None:
    _, refused = await contested_pair(cli_stack.settings, dw)
    out = ok(
        parley(cli_stack, "dispute", "open", "--registration", refused.workflow_id, "--statement", "Ours.",
               "--as", dw.late.partner_user)
    )  # fmt: skip
    dispute_id = out.split(":", 1)[0]
    again = parley(
        cli_stack, "dispute", "open", "--registration", refused.workflow_id, "--statement", "Ours!",
        "--as", dw.late.partner_user,
    )  # fmt: skip
    one_line_error(again, "registration_id", "already disputed")
    for user in (dw.holder.partner_user, dw.late.partner_user):
        ok(parley(cli_stack, "dispute", "statement", dispute_id, "Heard.", "--as", user))
    shown = ok(parley(cli_stack, "dispute", "show", dispute_id))
    for _ in range(50):
        if "channel_account_manager" in open_tasks(shown):
            break
        shown = ok(parley(cli_stack, "dispute", "show", dispute_id))
    task = open_tasks(shown)["channel_account_manager"]
    out = ok(
        parley(cli_stack, "dispute", "escalate", dispute_id, "--task", task,
               "--as", dw.approvers["channel_account_manager"], "--comment", "For the director.")
    )  # fmt: skip
    assert f"{dispute_id}: in_review, level 2 of 3 (regional_channel_director)" in out
    assert set(open_tasks(out)) == {"regional_channel_director"}

    one_line_error(
        parley(cli_stack, "dispute", "withdraw", dispute_id, "--as", dw.holder.partner_user), "contesting"
    )
    out = ok(
        parley(
            cli_stack,
            "dispute",
            "withdraw",
            dispute_id,
            "--as",
            dw.late.partner_user,
            "--comment",
            "Settled.",
        )
    )
    assert f"{dispute_id}: withdrawn" in out and "ended: Settled." in out and "open task" not in out
    one_line_error(
        parley(cli_stack, "dispute", "withdraw", dispute_id, "--as", dw.late.partner_user), "already"
    )
    assert "no disputes found" in ok(
        parley(cli_stack, "dispute", "list", "--partner-id", str(dw.third.partner_id))
    )
