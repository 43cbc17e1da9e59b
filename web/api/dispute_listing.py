"""Which disputes a reader may list, each as ``web.api.dispute_view`` lets that reader see it.

A partner user lists its own partner's disputes (either side), direct sales those it stands in,
staff all of them; each row shows the other side as ``dispute_view.shows`` allows.
"""

from __future__ import annotations

from sqlmodel import Session

from rules.dispute import Side
from store.crud import disputes as disputes_crud
from store.engine import session_scope
from store.models import Dispute
from store.models.enums import Role
from web.api.dispute_schemas import DisputeRow, PartyRow
from web.api.dispute_view import SIDE_WORDS, Reader, Sides, is_staff, reader_of, registration_of, shows
from web.identity import Principal
from workflows.dispute.types import CLAIMANT, RESPONDENT


def _party_row(session: Session, row: Dispute, side: str, reader: Reader) -> PartyRow:
    # The row's columns are named by side: claimant_partner_id, respondent_registration_id, ...
    party: str = getattr(row, f"{side}_side")
    shown = shows(reader, side)
    registration_id: str | None = getattr(row, f"{side}_registration_id") if shown else None
    registration = registration_of(session, registration_id)
    return PartyRow(
        side=side,
        party=party,
        you=reader.side == side,
        described_as=SIDE_WORDS.get(party, party),
        partner_id=getattr(row, f"{side}_partner_id") if shown else None,
        registration_id=registration_id,
        account_name=registration.account_name if registration is not None else None,
    )


def dispute_row_out(session: Session, row: Dispute, reader: Reader) -> DisputeRow:
    """One listed dispute as ``reader`` may see it (the same rule as ``dispute_out``)."""
    return DisputeRow(
        workflow_id=row.workflow_id,
        state=row.state,
        you_are=reader.side,
        product_line=row.product_line,
        contested_codes=list(row.contested_codes),
        claimant=_party_row(session, row, CLAIMANT, reader),
        respondent=_party_row(session, row, RESPONDENT, reader),
        level=None if row.level is None else row.level + 1,
        due_at=row.due_at,
        resolution=row.resolution,
        resolved_by_default=row.resolved_by_default,
        resolved_at=row.resolved_at,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
    )


def visible_disputes(
    principal: Principal, *, partner_id: int | None, state: str | None, page: int, per_page: int
) -> tuple[list[DisputeRow], int]:
    """The disputes ``principal`` may list, newest first, and how many there are: a partner
    user's own partner's, direct sales' where it is a side, everything for staff."""
    staff = is_staff(principal)
    with session_scope() as session:
        if staff or principal.is_partner:
            found = disputes_crud.list_disputes(
                session=session,
                partner_id=partner_id if staff else principal.partner_id or -1,
                state=state,
                page=page,
                per_page=per_page,
            )
            rows, total = list(found.items), found.total
        elif Role.DIRECT_SALES in principal.roles:
            found = disputes_crud.list_disputes(
                session=session, side=Side.DIRECT, state=state, page=page, per_page=per_page
            )
            rows, total = list(found.items), found.total
        else:
            return [], 0
        out = []
        for row in rows:
            reader = reader_of(principal, Sides.of_row(row))
            if reader is not None:
                out.append(dispute_row_out(session, row, reader))
    return out, total
