"""The task commands every process's CLI group has: ``decide``, and ``answer`` or ``escalate``.

A process's group adds them with its own vocabulary, client call and way of showing its view, so
deciding a task reads the same whichever process it belongs to. A process that asks no questions
(a dispute) leaves ``answer`` out; one whose levels a person may send up by hand adds ``escalate``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import click

from parley.cli.console import friendly_errors
from workflows.human.vocabulary import Vocabulary

Call = Callable[[Callable[[Any], Awaitable[Any]]], Any]


def add_task_commands(
    group: click.Group,
    vocabulary: Vocabulary,
    call: Call,
    echo: Callable[..., None],
    *,
    answers: bool = True,
    escalates: bool = False,
) -> None:
    """``decide`` (and ``answer``, ``escalate`` as asked) on ``group``: ``call`` runs one client
    call, ``echo`` shows a view."""

    @group.command("decide")
    @click.argument("workflow_id")
    @click.argument("outcome", type=click.Choice([str(word) for word in vocabulary.outcomes]))
    @click.option("--task", "task_id", type=int, required=True, help="The open task's id (see show).")
    @click.option("--as", "actor", required=True)
    @click.option("--comment", default="")
    @click.option("--on-behalf-of", default=None, help="The approver you stand in for (delegation).")
    @friendly_errors
    def decide_command(
        workflow_id: str, outcome: str, task_id: int, actor: str, comment: str, on_behalf_of: str | None
    ) -> None:
        """Decide an open task (a rejection or a question needs a comment)."""
        from workflows.human.updates import DecisionInput

        decision = DecisionInput(task_id, actor, outcome, comment, on_behalf_of)
        echo(call(lambda c: c.decide(workflow_id, decision)), history=False)

    if escalates:

        @group.command("escalate")
        @click.argument("workflow_id")
        @click.option("--task", "task_id", type=int, required=True, help="The open task's id (see show).")
        @click.option("--as", "actor", required=True)
        @click.option("--comment", default="")
        @friendly_errors
        def escalate_command(workflow_id: str, task_id: int, actor: str, comment: str) -> None:
            """Send an open task to the next level now, without waiting for its response time."""
            from workflows.human.updates import EscalateInput

            escalation = EscalateInput(task_id, actor, comment)
            echo(call(lambda c: c.escalate(workflow_id, escalation)), history=False)

    if not answers:
        return

    @group.command("answer")
    @click.argument("workflow_id")
    @click.argument("answer")
    @click.option("--as", "actor", required=True)
    @friendly_errors
    def answer_command(workflow_id: str, answer: str, actor: str) -> None:
        """Answer an approver's question (the review resumes with the SLA time left)."""
        from workflows.human.updates import ProvideInfoInput

        echo(call(lambda c: c.provide_info(workflow_id, ProvideInfoInput(actor, answer))), history=False)
