"""A rulebook version's roll-out in the database: the draft, each state it moves through, and the
partners' acknowledgements. The roll-out workflow is the only caller of the writers (through its
activities), so every change is also an audited transition.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from parley.errors import NotFound
from rules.rollout import effective_date_problem
from store.crud._common import insert_if_absent, parse, refuse, require_member, table_of
from store.crud.rulebooks import get_rulebook_version, sync_standing
from store.models import (
    Partner,
    PartnerStatus,
    RulebookAcknowledgement,
    RulebookState,
    RulebookVersion,
    RulebookVersionCreate,
    as_utc,
)

DRAFT_SOURCE = "draft by "  # a draft row's source, then who submitted it (an import's: "import:")

# What a roll-out may move a version to from each state.
_NEXT: dict[str, tuple[str, ...]] = {
    RulebookState.DRAFT: (RulebookState.APPROVED, RulebookState.WITHDRAWN),
    RulebookState.APPROVED: (RulebookState.SCHEDULED, RulebookState.WITHDRAWN),
    RulebookState.SCHEDULED: (RulebookState.IN_FORCE, RulebookState.WITHDRAWN),
    RulebookState.IN_FORCE: (RulebookState.SUPERSEDED,),
    RulebookState.SUPERSEDED: (),
    RulebookState.WITHDRAWN: (),
}


def create_draft(
    *, session: Session, data: RulebookVersionCreate | dict[str, Any], comment: str, now: datetime
) -> RulebookVersion:
    """Store a validated rulebook as a draft; refused, naming the field, when its effective date
    has passed or its version id was ever used (a withdrawn version's id stays used)."""
    draft = parse(RulebookVersionCreate, data)
    if not draft.created_by:
        raise refuse("created_by", "required: who submits the draft")
    late = effective_date_problem(as_utc(draft.effective_from), now)
    if late:
        raise refuse("effective_from", f"{late}; a new version must take effect after it is approved")
    inserted = insert_if_absent(
        session,
        table_of(RulebookVersion),
        {
            "version": draft.version,
            "effective_from": as_utc(draft.effective_from),
            "source": draft.source,
            "sha256": draft.sha256,
            "document": draft.document,
            "text": draft.text,
            "comment": comment[:2000],
            "created_by": draft.created_by,
            "state": RulebookState.DRAFT,
            "loaded_at": now,
            "updated_at": now,
        },
        ("version",),
    )
    row = get_rulebook_version(session=session, version=draft.version)
    assert row is not None
    if not inserted and not (row.state == RulebookState.DRAFT and row.sha256 == draft.sha256):
        raise refuse(
            "version", f"{draft.version!r} is already used ({row.state}); give the new rulebook a new id"
        )
    return row


def require_version(session: Session, version: str) -> RulebookVersion:
    row = get_rulebook_version(session=session, version=version)
    if row is None:
        raise NotFound("rulebook version", version)
    return row


def move_version(
    *,
    session: Session,
    version: str,
    state: str,
    at: datetime,
    by: str | None = None,
    reason: str | None = None,
    simulation_run_id: int | None = None,
    acknowledge_by: datetime | None = None,
) -> RulebookVersion:
    """Move a version to ``state`` (and record who and why); moving it to where it already is
    does nothing (a retried activity), any other move not in the roll-out's order is refused."""
    require_member("state", state, RulebookState)
    row = require_version(session, version)
    if row.state == state:
        return row
    if state == RulebookState.IN_FORCE and row.state == RulebookState.SUPERSEDED:
        # A later-dated version came into force before this one's timer was handled: this one
        # governed from its own date (dates decide) and is superseded already.
        return row
    if state not in _NEXT[row.state]:
        raise refuse("state", f"version {version} is {row.state}; it cannot become {state}")
    row.state = state
    row.updated_at = at
    if state == RulebookState.APPROVED:
        row.approved_by, row.approved_at = by, at
        if simulation_run_id is not None:  # else the one attached before stands
            row.simulation_run_id = simulation_run_id
        row.acknowledge_by = acknowledge_by
    elif state == RulebookState.WITHDRAWN:
        row.withdrawn_by, row.withdrawn_at, row.withdrawn_reason = by, at, (reason or "")[:2000]
    elif state == RulebookState.IN_FORCE:
        row.in_force_at = at
    session.add(row)
    session.flush()
    if state == RulebookState.IN_FORCE:
        sync_standing(session=session, now=at)
    return row


def attach_simulation(*, session: Session, version: str, run_id: int | None) -> RulebookVersion:
    row = require_version(session, version)
    row.simulation_run_id = run_id
    session.add(row)
    session.flush()
    return row


def active_partners(*, session: Session) -> list[Partner]:
    """The partners asked to acknowledge a new version: every active one."""
    query = select(Partner).where(Partner.status == PartnerStatus.ACTIVE).order_by(col(Partner.id))
    return list(session.exec(query).all())


def record_acknowledgement(*, session: Session, version: str, partner_id: int, by: str, at: datetime) -> bool:
    """A partner's acknowledgement of ``version``; True if it is new (a repeat changes nothing)."""
    return insert_if_absent(
        session,
        table_of(RulebookAcknowledgement),
        {"version": version, "partner_id": partner_id, "acknowledged_by": by, "acknowledged_at": at},
        ("version", "partner_id"),
    )


def acknowledgements(*, session: Session, version: str) -> list[RulebookAcknowledgement]:
    query = (
        select(RulebookAcknowledgement)
        .where(RulebookAcknowledgement.version == version)
        .order_by(col(RulebookAcknowledgement.acknowledged_at), col(RulebookAcknowledgement.id))
    )
    return list(session.exec(query).all())


def unacknowledged(*, session: Session, partner_id: int, version: str) -> bool:
    """True when ``version`` was published with a request to acknowledge it and the partner has
    not (a version imported without a roll-out asks nobody)."""
    row = get_rulebook_version(session=session, version=version)
    if row is None or row.acknowledge_by is None:
        return False
    query = select(RulebookAcknowledgement.id).where(
        RulebookAcknowledgement.version == version, RulebookAcknowledgement.partner_id == partner_id
    )
    return session.exec(query).first() is None
