"""The task commands every process's CLI group has: ``decide``, and ``answer`` or ``escalate``.

A process's group adds them with its own vocabulary, its way of reading and showing its process,
and (where it asks questions) of answering one, so deciding a task reads the same whichever
process it belongs to. Decisions go through the API's ``/tasks`` as the token's user; acting for
a delegator is the API's to see (a delegated task is decided on their behalf).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from parley.cli.api import call
from parley.cli.console import fail, friendly_errors
from workflows.human.vocabulary import Vocabulary

if TYPE_CHECKING:
    from parley.http import ParleyClient

Read = Callable[["ParleyClient", str], Any]
Answer = Callable[["ParleyClient", str, str], Any]


def _own_task(client: ParleyClient, workflow_id: str, task_id: int) -> None:
    """Refuse a task of another process (the API decides by task alone)."""
    task = client.task(task_id)
    if task.process_id != workflow_id:
        fail(f"task: task {task_id} belongs to {task.process_id}, not {workflow_id}")


def add_task_commands(
    group: click.Group,
    vocabulary: Vocabulary,
    read: Read,
    echo: Callable[..., None],
    *,
    answer: Answer | None = None,
    escalates: bool = False,
) -> None:
    """``decide`` (and ``answer``, ``escalate`` as asked) on ``group``: ``read`` fetches the
    process through the client, ``echo`` shows it, ``answer`` sends a partner's answer."""

    @group.command("decide")
    @click.argument("workflow_id")
    @click.argument("outcome", type=click.Choice([str(word) for word in vocabulary.outcomes]))
    @click.option("--task", "task_id", type=int, required=True, help="The open task's id (see show).")
    @click.option("--comment", default="")
    @friendly_errors
    def decide_command(workflow_id: str, outcome: str, task_id: int, comment: str) -> None:
        """Decide an open task as the token's user (a rejection or a question needs a comment)."""

        def go(client: ParleyClient) -> Any:
            _own_task(client, workflow_id, task_id)
            decided = client.decide(task_id, outcome, comment)
            click.echo(decided.message)
            return read(client, workflow_id)

        echo(call(go), history=False)

    if escalates:

        @group.command("escalate")
        @click.argument("workflow_id")
        @click.option("--task", "task_id", type=int, required=True, help="The open task's id (see show).")
        @click.option("--comment", default="")
        @friendly_errors
        def escalate_command(workflow_id: str, task_id: int, comment: str) -> None:
            """Send an open task to the next level now, without waiting for its response time."""

            def go(client: ParleyClient) -> Any:
                _own_task(client, workflow_id, task_id)
                click.echo(client.escalate(task_id, comment).message)
                return read(client, workflow_id)

            echo(call(go), history=False)

    if answer is None:
        return
    answering = answer

    @group.command("answer")
    @click.argument("workflow_id")
    @click.argument("text")
    @friendly_errors
    def answer_command(workflow_id: str, text: str) -> None:
        """Answer an approver's question (the review resumes with the SLA time left)."""
        echo(call(lambda client: answering(client, workflow_id, text)), history=False)
