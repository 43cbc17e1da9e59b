"""A rulebook roll-out's writes and the facts it needs: the draft, each transition (the version's
state, a partner's acknowledgement and the projection in one transaction), and who is asked to
acknowledge. Every write is idempotent, so Temporal may retry it after a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.projection import Projection, ProjectionResult, apply_projection
from activities.rulebook import content_hash, rulebook_document
from parley.errors import ValidationFailed
from rules import RulebookInvalid, diff_rulebooks, parse_rulebook
from rules.schema import Rulebook
from store.crud.rollouts import (
    DRAFT_SOURCE,
    active_partners,
    attach_simulation,
    create_draft,
    move_version,
    record_acknowledgement,
)
from store.engine import session_scope
from store.models import Partner, RulebookState, RulebookVersion, Task, TaskState


@dataclass
class RolloutOpening:
    """A draft to store: its YAML as written, why, by whom; compared with the version in force."""

    text: str
    comment: str
    submitted_by: str
    at: datetime
    in_force: dict[str, Any]


@dataclass
class RolloutOpened:
    version: str
    effective_from: datetime
    changes: list[str] = field(default_factory=list)


def _refused(exc: Exception, problems: list[tuple[str, str]]) -> ApplicationError:
    """Not worth retrying; the details name each field for the client."""
    text = "; ".join(f"{path}: {message}" for path, message in problems) or str(exc)
    return ApplicationError(text, [list(p) for p in problems], type=type(exc).__name__, non_retryable=True)


@activity.defn
def record_rollout_opening(opening: RolloutOpening) -> RolloutOpened:
    """Validate and store the draft; refused (nothing stored) naming every field at fault."""
    try:
        draft = parse_rulebook(opening.text, source="draft")
    except RulebookInvalid as exc:
        raise _refused(exc, [(p.path, p.message) for p in exc.problems]) from exc
    try:
        with session_scope() as session:
            create_draft(
                session=session,
                data={
                    "version": draft.version,
                    "effective_from": draft.effective_from,
                    "source": f"{DRAFT_SOURCE}{opening.submitted_by}"[:500],
                    "sha256": content_hash(draft),
                    "document": rulebook_document(draft),
                    "text": opening.text,
                    "created_by": opening.submitted_by,
                },
                comment=opening.comment,
                now=opening.at,
            )
    except ValidationFailed as exc:
        raise _refused(exc, [(p.path, p.message) for p in exc.problems]) from exc
    in_force = Rulebook.model_validate(opening.in_force)
    changes = [change.text for change in diff_rulebooks(in_force, draft)]
    return RolloutOpened(draft.version, draft.effective_from, changes)


@dataclass
class RolloutTransition:
    """One roll-out transition: the version's new state (if it changes) with who and why, a
    partner's acknowledgement (if one), and the projection."""

    version: str
    at: datetime
    projection: Projection
    state: str | None = None
    by: str | None = None
    reason: str | None = None
    simulation_run_id: int | None = None
    acknowledge_by: datetime | None = None
    acknowledged_partner: int | None = None


@activity.defn
def record_rollout_transition(transition: RolloutTransition) -> ProjectionResult:
    with session_scope() as session:
        run_id = transition.simulation_run_id
        if run_id is not None and transition.state is None:
            # A what-if attached to the draft: the version row says which, before any approval.
            attach_simulation(session=session, version=transition.version, run_id=run_id)
        if transition.state is not None:
            move_version(
                session=session,
                version=transition.version,
                state=transition.state,
                at=transition.at,
                by=transition.by,
                reason=transition.reason,
                simulation_run_id=transition.simulation_run_id,
                acknowledge_by=transition.acknowledge_by,
            )
        if transition.acknowledged_partner is not None:
            assert transition.by is not None
            record_acknowledgement(
                session=session,
                version=transition.version,
                partner_id=transition.acknowledged_partner,
                by=transition.by,
                at=transition.at,
            )
        return apply_projection(session, transition.projection)


@dataclass
class AudienceRequest:
    """The partners to address: these (None: every active partner)."""

    partner_ids: list[int] | None = None


@dataclass
class PartnerAudience:
    partner_id: int
    name: str


@activity.defn
def rollout_audience(request: AudienceRequest) -> list[PartnerAudience]:
    """The partners addressed (every active one, unless named)."""
    with session_scope() as session:
        if request.partner_ids is None:
            partners = active_partners(session=session)
        else:
            query = select(Partner).where(col(Partner.id).in_(request.partner_ids)).order_by(col(Partner.id))
            partners = list(session.exec(query).all())
        return [PartnerAudience(partner.id, partner.name) for partner in partners if partner.id is not None]


@dataclass
class SupersededRequest:
    """The roll-out whose version just came into force (its own tasks are not counted), and the
    kind of the acknowledgement tasks (the workflow's own word for them)."""

    workflow_id: str
    task_kind: str


@activity.defn
def superseded_rollouts(request: SupersededRequest) -> list[str]:
    """The roll-outs still asking partners to acknowledge a version that is no longer in force:
    their acknowledgement tasks are open and their version is superseded."""
    with session_scope() as session:
        open_tasks = session.exec(
            select(Task.process_id, Task.payload).where(
                Task.kind == request.task_kind,
                Task.state == TaskState.OPEN,
                Task.process_id != request.workflow_id,
            )
        ).all()
        asking = {str(payload.get("version", "")): process_id for process_id, payload in open_tasks}
        superseded = session.exec(
            select(RulebookVersion.version).where(
                col(RulebookVersion.version).in_(list(asking)),
                RulebookVersion.state == RulebookState.SUPERSEDED,
            )
        ).all()
    return sorted(asking[version] for version in superseded)
