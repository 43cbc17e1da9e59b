"""Determinism: histories recorded from real runs of every process (``tests/histories/``) must
keep replaying.

A change to the workflow code that would break a process already running fails here; such a
change must be guarded with ``workflow.patched`` (see docs/registration.md). The recorder
(``python -m tests.workflows.record_histories``) records only scenarios without a file: re-record
one by deleting its file, only when the change is meant to be incompatible and no old process can
still be running.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from workflows.catalog import ALL_WORKFLOWS

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "histories").glob("*.json"))


def test_histories_cover_every_phase() -> None:
    names = {path.stem for path in HISTORIES}
    assert {
        "registration_auto_approved_then_expired",
        "registration_approved_after_request_info",
        "registration_escalated_to_default_action",
        "registration_extended_then_withdrawn",
        "registration_won_with_a_revised_discount",
        "discount_two_steps_with_a_question",
        "discount_revised_then_closed_with_its_registration",
        "discount_expired_then_renewed",
        "discount_escalated_to_default_action",
        "discount_found_on_file_by_its_ending_registration",
        "discount_approved_then_closed_with_its_registration",
        "registration_won_ending_its_discounts_on_file",
        "dispute_awarded_after_both_statements",
        "dispute_award_refused_then_upheld",
        "dispute_lapsing_escalated_to_default_resolution",
        "registration_released_by_a_dispute",
        "registration_approved_by_a_dispute_then_won",
        "registration_withdrawn_while_disputed",
        "registration_rejection_upheld_by_default",
        "exit_voluntary_honoured_and_returned",
        "exit_program_change_transferred_and_chosen",
        "exit_for_cause_approved",
        "exit_for_cause_lapsed",
        "exit_cancelled_during_notice",
        "registration_honoured_by_an_exit",
        "registration_returned_to_direct_by_an_exit",
        "registration_transferred_by_an_exit",
        "registration_returned_to_direct_by_partner_ops",
        "notification_dispatched_retried_and_dead_lettered",
        "rollout_approved_then_in_force",
        "rollout_approval_refused_for_the_author_then_approved",
        "rollout_withdrawn_while_scheduled",
        "rollout_refused_by_default",
        "rollout_declined_by_the_approver",
        "rollout_withdrawn_waiting_for_a_what_if",
    } <= names


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_recorded_history_replays(path: Path) -> None:
    text = path.read_text()
    events = json.loads(text)["events"]
    workflow_id = f"replay-{path.stem}"
    assert events[0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
    # A long-lived workflow's run ends by continuing as new.
    assert events[-1]["eventType"] in {
        "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
        "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
    }
    result = await Replayer(workflows=ALL_WORKFLOWS).replay_workflow(
        WorkflowHistory.from_json(workflow_id, text), raise_on_replay_failure=True
    )
    assert result.replay_failure is None
