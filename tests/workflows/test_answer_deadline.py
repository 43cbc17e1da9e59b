"""An answer after a task's response time is refused, even before the workflow has handled the
timer: the live engine judges an answer against the SLA as the sandbox does (an approver who
finishes after the deadline has let it lapse), not by which of the two events it sees first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from workflows.human.authority import Acting, ActorAuthority, Refusal
from workflows.human.commands import CommandQueue
from workflows.human.journal import TaskView, TransitionView
from workflows.human.updates import DecideUpdate, DecisionInput
from workflows.human.validation import validate_decide
from workflows.registration.types import REVIEW_TASK, TASKS, RegistrationState

DUE = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


@dataclass
class Record:
    workflow_id: str = "registration-1-crm-1"
    state: str = RegistrationState.PENDING_APPROVAL
    rulebook_version: str = "2026.1"
    open_tasks: list[TaskView] = field(
        default_factory=lambda: [
            TaskView(7, REVIEW_TASK, "channel_account_manager", 0, DUE - timedelta(hours=48), DUE)
        ]
    )
    history: list[TransitionView] = field(default_factory=list)
    sla_paused_remaining_seconds: float | None = None


class Host:
    view = Record()
    requester = "pat"

    def check_answerer(self, authority: ActorAuthority) -> None:
        return None

    def check_decision(self, authority: ActorAuthority, outcome: str) -> None:
        return None


def _approve(now: datetime) -> None:
    acting = Acting(ActorAuthority("cam", ["channel_account_manager"]), not_after=now + timedelta(minutes=1))
    update = DecideUpdate(DecisionInput(7, "cam", "approve"), acting)
    validate_decide(TASKS, Host(), CommandQueue(), update, now)


def test_an_answer_within_the_response_time_is_taken() -> None:
    _approve(DUE - timedelta(milliseconds=1))
    _approve(DUE)  # at the deadline itself it still counts, as in the sandbox


def test_an_answer_after_the_response_time_is_refused_before_its_timer_is_handled() -> None:
    with pytest.raises(Refusal, match="response time ran out at 7 Dec 2026, 12:00 UTC"):
        _approve(DUE + timedelta(milliseconds=155))
