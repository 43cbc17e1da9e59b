"""What each reader may see of a rulebook version: the one place that decides it for the API.

Staff (approver roles, partner operations among them, and admins) see every version, drafts and
withdrawn ones included, with the YAML as written. Everyone else reads the published versions
only (``web.rulebooks.PARTNER_HIDDEN`` are hidden: a draft or a withdrawn version answers 404,
as for one that does not exist), their playbooks and what changes. A partner's user reads its own
partner's acknowledgement, never another's; partner operations read the roll-out as recorded,
every partner's acknowledgement with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from parley.errors import NotFound
from rules import diff_rulebooks, explain_rulebook
from simulation.results import lead_headline
from store.crud import rulebooks as versions_crud
from store.engine import session_scope
from web import rulebook_rollout as rollout
from web import rulebook_sources as sources
from web.api.rulebook_schemas import (
    AcknowledgementOut,
    OwnAcknowledgementOut,
    RolloutOut,
    RolloutRecordOut,
    RolloutTaskOut,
    RulebookOut,
    RulebookRow,
    WhatIfOut,
)
from web.api.schemas import ReasonOut
from web.identity import Principal
from web.rulebooks import PARTNER_HIDDEN
from workflows.human.authority import OPERATOR_ROLES
from workflows.rollout.types import RolloutState, RolloutView


@dataclass(frozen=True)
class RulebookReader:
    """Who reads a version: ``staff`` every version, ``operator`` the roll-out too, ``partner_id``
    the partner whose acknowledgement the reader sees (a partner's user only)."""

    staff: bool
    operator: bool
    partner_id: int | None


def reader_of(principal: Principal) -> RulebookReader:
    partner_id = principal.partner_id if principal.is_partner else None
    return RulebookReader(
        staff=principal.is_approver or principal.is_admin,
        operator=bool(OPERATOR_ROLES & principal.roles),
        partner_id=partner_id,
    )


def readable(row: sources.VersionRow, reader: RulebookReader) -> bool:
    return reader.staff or row.standing not in PARTNER_HIDDEN


def row_out(row: sources.VersionRow) -> RulebookRow:
    rulebook = row.rulebook
    return RulebookRow(
        version=rulebook.version,
        title=rulebook.title,
        effective_from=rulebook.effective_from,
        standing=row.standing,
    )


def _what_if_headline(run_id: int | None) -> str | None:
    if run_id is None:
        return None
    with session_scope() as db:
        try:
            run = versions_crud.get_simulation_run(session=db, run_id=run_id)
        except NotFound:  # a run deleted since: the id still says which one it was
            return None
    return lead_headline(run.results)


def _record(row: sources.VersionRow) -> RolloutRecordOut:
    stored = row.row
    return RolloutRecordOut(
        submitted_by=stored.created_by,
        comment=stored.comment,
        approved_by=stored.approved_by,
        approved_at=stored.approved_at,
        what_if_run_id=stored.simulation_run_id,
        what_if_headline=_what_if_headline(stored.simulation_run_id),
        acknowledge_by=stored.acknowledge_by,
        withdrawn_by=stored.withdrawn_by,
        withdrawn_reason=stored.withdrawn_reason,
        acknowledgements=[
            AcknowledgementOut.model_validate(a.__dict__)
            for a in rollout.acknowledgement_rows(row.rulebook.version)
        ],
    )


def _own(version: str, partner_id: int) -> OwnAcknowledgementOut:
    asked, own = rollout.own_acknowledgement(version, partner_id)
    return OwnAcknowledgementOut(
        asked=asked,
        due_at=own.due_at if own else None,
        acknowledged_by=own.acknowledged_by if own else None,
        acknowledged_at=own.acknowledged_at if own else None,
    )


def rulebook_out(row: sources.VersionRow, reader: RulebookReader) -> RulebookOut:
    """The version as ``reader`` may see it (the caller has checked ``readable``)."""
    rulebook = row.rulebook
    governing = sources.governing_version()
    changes = []
    if governing and governing != rulebook.version:
        changes = [c.text for c in diff_rulebooks(sources.library().get(governing), rulebook)]
    return RulebookOut(
        **row_out(row).model_dump(),
        governing=governing,
        changes=changes,
        playbook=explain_rulebook(rulebook, "markdown"),
        text=row.text if reader.staff else None,
        acknowledgement=_own(rulebook.version, reader.partner_id) if reader.partner_id is not None else None,
        rollout=_record(row) if reader.operator else None,
    )


WaitsFor = Literal["what_if", "approval"]


def waits_for(view: RolloutView) -> WaitsFor | None:
    if view.state != RolloutState.DRAFT:
        return None
    return "what_if" if view.simulation_required and view.what_if is None else "approval"


def rollout_out(view: RolloutView) -> RolloutOut:
    """A roll-out as its workflow reports it (partner operations read it whole)."""
    what_if = view.what_if
    return RolloutOut(
        workflow_id=view.workflow_id,
        version=view.start.version,
        state=view.state,
        waits_for=waits_for(view),
        effective_from=view.effective_from,
        submitted_by=view.start.submitted_by,
        comment=view.start.comment,
        governed_by=view.rulebook_version,
        simulation_required=view.simulation_required,
        what_if=WhatIfOut.model_validate(what_if.__dict__) if what_if is not None else None,
        gate_reasons=[ReasonOut(code=r.code, text=r.text, facts=dict(r.facts)) for r in view.gate_reasons],
        approval_role=view.approval_role,
        approved_by=view.approved_by,
        approved_at=view.approved_at,
        acknowledge_by=view.acknowledge_by,
        changes=list(view.changes),
        ended_because=view.ended_because,
        open_tasks=[RolloutTaskOut.model_validate(t.__dict__) for t in view.open_tasks],
    )
