"""What each reader may see of a dispute: the one place that decides it, for the API and the pages.

Staff (approver roles, partner operations, admins; direct sales where direct sales is a side)
see a dispute whole. A partner standing in it sees its own side in full; the other side only as
"another partner" or "direct sales" with its dates; the outcome's reason (worded by sides); and
the thread's entries of its own side and of those hearing the case. It never sees the other
side's statements, identity, registration, request key or spelling of the account. Anyone else
may not see the dispute at all (the callers answer 404, as for what does not exist).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from parley.errors import NotFound
from rules.dispute import Side
from store.crud import registrations as registrations_crud
from store.crud import users as users_crud
from store.engine import session_scope
from store.models import Dispute, Registration
from store.models.enums import DisputeState, Role
from web.api.dispute_schemas import (
    DisputeOut,
    DisputeTaskOut,
    PartyOut,
    ThreadEntryOut,
)
from web.api.schemas import ReasonOut, TransitionOut
from web.identity import Principal
from workflows.dispute.tasks import decision_words
from workflows.dispute.types import CLAIMANT, DECIDERS, PARTY_TASK, RESPONDENT, DisputeView, PartyView

SIDE_WORDS = {Side.PARTNER.value: "another partner", Side.DIRECT.value: "direct sales"}


@dataclass(frozen=True)
class Sides:
    """Who stands on each side, as both the workflow's view and the row record it."""

    claimant: str  # rules.dispute.Side: partner or direct
    claimant_partner_id: int | None
    respondent: str
    respondent_partner_id: int | None

    @classmethod
    def of_view(cls, view: DisputeView) -> Sides:
        c, r = view.opening.claimant, view.opening.respondent
        return cls(c.side, c.partner_id, r.side, r.partner_id)

    @classmethod
    def of_row(cls, row: Dispute) -> Sides:
        return cls(row.claimant_side, row.claimant_partner_id, row.respondent_side, row.respondent_partner_id)


@dataclass(frozen=True)
class Reader:
    """Who reads a dispute: ``staff`` see it whole; ``side`` is where the reader stands, if anywhere."""

    username: str
    staff: bool
    side: str | None
    partner_id: int | None


def is_staff(principal: Principal) -> bool:
    """Approver roles (partner operations among them) and admins read every dispute whole."""
    return principal.is_approver or principal.is_admin


def reader_of(principal: Principal, sides: Sides) -> Reader | None:
    """How ``principal`` may read a dispute between ``sides``; None: not at all."""
    side = _side_of(principal, sides)
    # Direct sales' users read whole the disputes they stand in: they are the vendor's own staff.
    direct = side is not None and Role.DIRECT_SALES in principal.roles
    staff = is_staff(principal) or direct
    if staff or (side is not None and principal.is_partner):
        return Reader(principal.username, staff, side, principal.partner_id)
    return None


def shows(reader: Reader, side: str) -> bool:
    """Whether ``reader`` sees ``side`` (claimant or respondent) whole: staff, or that side itself."""
    return reader.staff or reader.side == side


def _side_of(principal: Principal, sides: Sides) -> str | None:
    for name, party, partner_id in (
        (CLAIMANT, sides.claimant, sides.claimant_partner_id),
        (RESPONDENT, sides.respondent, sides.respondent_partner_id),
    ):
        if party == Side.PARTNER and principal.is_partner and principal.partner_id == partner_id:
            return name
        if party == Side.DIRECT and Role.DIRECT_SALES in principal.roles:
            return name
    return None


class Entry(Protocol):
    """A thread entry, as the workflow's view and the ``dispute_statements`` rows both hold it."""

    side: str
    author: str
    at: datetime
    text: str


class _Names:
    """How a partner reads the people on a dispute: its own colleagues by name, the vendor's
    staff by their role (as the discount answer shows them)."""

    def __init__(self, session: Session, reader: Reader) -> None:
        self.session, self.reader, self.cache = session, reader, dict[str, str]()

    def __call__(self, username: str) -> str:
        if self.reader.staff or username.startswith("rule:"):
            return username
        if username not in self.cache:
            user = users_crud.get_user_by_username(session=self.session, username=username)
            if user is None:
                shown = "vendor"
            elif user.partner_id is not None and user.partner_id == self.reader.partner_id:
                shown = username
            else:
                shown = user.roles[0] if user.roles else "vendor"
            self.cache[username] = shown
        return self.cache[username]


def registration_of(session: Session, registration_id: str | None) -> Registration | None:
    if registration_id is None:
        return None
    try:
        return registrations_crud.get_registration(session=session, workflow_id=registration_id)
    except NotFound:
        return None


def _party(session: Session, side: str, party: PartyView, reader: Reader) -> PartyOut:
    """One side: whole for staff and for the side itself, otherwise its kind and dates only."""
    shown = shows(reader, side)
    row = registration_of(session, party.registration_id)
    return PartyOut(
        side=side,
        party=party.side,
        you=reader.side == side,
        described_as=SIDE_WORDS.get(party.side, party.side),
        partner_id=party.partner_id if shown else None,
        partner_name=(party.partner_name or None) if shown else None,
        registration_id=party.registration_id if shown else None,
        account_name=(party.account_name or None) if shown else None,
        account_domain=party.account_domain if shown else None,
        state=(row.state if row is not None else party.state or None) if shown else None,
        submitted_at=party.submitted_at,
        decided_at=row.decided_at if row is not None else party.decided_at,
        expires_at=row.expires_at if row is not None else party.expires_at,
    )


def _ended_because(view: DisputeView, reader: Reader) -> str:
    # A withdrawal's comment is the contesting side's words, and a closing names the state of
    # its registration: the other side reads the outcome instead.
    if shows(reader, CLAIMANT) or not view.ended_because:
        return view.ended_because
    if view.outcome is not None:
        return view.outcome.text
    return f"the dispute is {view.state}"


def _due(view: DisputeView) -> datetime | None:
    if view.state == DisputeState.HEARING:
        return view.hearing_until
    dues = [t.due_at for t in view.open_tasks if t.kind != PARTY_TASK and t.due_at is not None]
    return min(dues) if dues else None


def dispute_out(view: DisputeView, reader: Reader, thread: Sequence[Entry] | None = None) -> DisputeOut:
    """The dispute as ``reader`` may see it. ``thread``: the case thread as the database holds
    it (the pages read it live); the workflow's own copy when not given."""
    opening = view.opening
    entries = view.thread if thread is None else thread
    with session_scope() as session:
        names = _Names(session, reader)
        visible = [e for e in entries if e.side == DECIDERS or shows(reader, e.side)]
        claimant = _party(session, CLAIMANT, opening.claimant, reader)
        respondent = _party(session, RESPONDENT, opening.respondent, reader)
        opened_by = names(opening.opened_by) if shows(reader, CLAIMANT) else None
        thread_out = [
            ThreadEntryOut(at=e.at, side=e.side, author=names(e.author), text=e.text) for e in visible
        ]
    level = view.level
    return DisputeOut(
        workflow_id=view.workflow_id,
        state=str(view.state),
        you_are=reader.side,
        product_line=opening.product_line,
        contested_codes=list(opening.contested_codes),
        contested=decision_words(list(opening.contested_codes)),
        claimant=claimant,
        respondent=respondent,
        rulebook_version=view.rulebook_version,
        opened_at=view.opened_at,
        opened_by=opened_by,
        hearing_until=view.hearing_until,
        statements_given=list(view.statements_given),
        levels=list(view.levels),
        level=None if level is None else level + 1,
        level_role=view.levels[level] if level is not None and level < len(view.levels) else None,
        due_at=_due(view),
        resolution=view.resolution,
        resolved_by_default=view.resolved_by_default,
        resolved_at=view.resolved_at,
        outcome=ReasonOut.model_validate(view.outcome.__dict__) if view.outcome is not None else None,
        ended_because=_ended_because(view, reader),
        thread=thread_out,
        open_tasks=[
            DisputeTaskOut.model_validate(t.__dict__)
            for t in view.open_tasks
            if reader.staff or (t.kind == PARTY_TASK and t.slot == reader.side)
        ],
        history=[TransitionOut.model_validate(t.__dict__) for t in view.history] if reader.staff else [],
    )
