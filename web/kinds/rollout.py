"""Rulebook roll-out tasks in the inbox: a draft's approval, and a partner's acknowledgement of a
published version.

The approval's page shows the draft as submitted (version, effective date, who submitted it and
why: that person may not approve it, the workflow refuses), the what-if attached to it and every
rule it changes from the version in force; its buttons are the roll-out's vocabulary. An
acknowledgement takes no decision word: its page shows what changes and links to the version's
page, where the partner's user reads the playbook and acknowledges (``web.rulebooks.acknowledge``).
"""

from __future__ import annotations

from typing import Any

from flask import g, url_for
from sqlmodel import Session

from parley.clients.rollout import RolloutClient
from parley.errors import NotFound
from simulation.results import lead_headline
from store.crud.rulebooks import get_simulation_run
from store.models.tasks import Task
from web import rulebook_sources as sources
from web.kinds import ProcessKind
from web.ops_access import is_partner_ops
from web.rulebook_rollout import changes_of
from workflows.rollout.types import APPROVAL_TASK, DECISIONS, PROCESS_TYPE


def _version(task: Task) -> str:
    return str(task.payload.get("version", ""))


def _what_if(session: Session, run_id: int | None) -> dict[str, Any] | None:
    if run_id is None:
        return None
    try:
        run = get_simulation_run(session=session, run_id=run_id)
    except NotFound:
        return {"run_id": run_id, "headline": "", "status": "missing"}
    return {"run_id": run_id, "headline": lead_headline(run.results), "status": run.status}


def detail_context(session: Session, task: Task) -> dict[str, Any]:
    try:
        row = sources.version_row(_version(task))
    except NotFound:
        return {"version": None}
    submitted_by = str(task.payload.get("submitted_by") or row.row.created_by or "")
    context: dict[str, Any] = {
        "version": row,
        "comparison": changes_of(row),
        "submitted_by": submitted_by,
        "version_url": url_for("rulebooks.version", version=row.rulebook.version),
    }
    if task.kind != APPROVAL_TASK:
        return context
    return {
        **context,
        "what_if": _what_if(session, row.row.simulation_run_id),
        "runs_linked": is_partner_ops(),  # the sandbox's pages are partner operations'
        "you_submitted": g.user.username == submitted_by,
    }


def approval_words(task: Task) -> tuple[str, ...]:
    """The approval takes the vocabulary; an acknowledgement is given on the version's page."""
    return DECISIONS.outcomes if task.kind == APPROVAL_TASK else ()


def version_page(task: Task) -> str | None:
    version = _version(task)
    return url_for("rulebooks.version", version=version) if version else None


KIND = ProcessKind(
    process_type=PROCESS_TYPE,
    label="Rulebook",
    noun="rulebook version",
    detail_template="inbox/kinds/_rulebook.html",
    vocabulary=DECISIONS,
    client=RolloutClient,
    detail_context=detail_context,
    process_url=version_page,
    task_words=approval_words,
)
