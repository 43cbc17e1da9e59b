"""What each reader may see of a partner exit: the one place that decides it, for the API and the pages.

Staff (approver roles, partner operations among them, and admins) see an exit whole. The exiting
partner's users see their own partner's exit once notice was given (an exit awaiting its
for-cause approval, or refused or cancelled before notice, is the vendor's deliberation and
never reached the partner): its type, state, why, its timeline (notice given and ending, access
revoked, commission and MDF end dates, when the wind-down ends) and each of its registrations'
disposition, the reasons in the rulebook's words only (their texts and facts name the
transferee). A transferee appears only as "another partner", never by its id, registration,
request key or name; who at the vendor did what is not shown. Anyone else may not see the exit
at all (the callers answer 404, as for what does not exist).
"""

from __future__ import annotations

from dataclasses import dataclass

from rules.enums import Disposition
from rules.reasons import Reason, meaning
from store.models import Exit
from store.models.enums import DispositionState
from web.api.exit_schemas import DispositionOut, ExitOut, ExitRow, ExitTaskOut
from web.api.schemas import ReasonOut, TransitionOut
from web.identity import Principal
from workflows.exit.types import DispositionView, ExitView

GOES_TO = {
    Disposition.TRANSFER.value: "another partner",
    Disposition.RETURN_TO_DIRECT.value: "direct sales",
    Disposition.HONOUR_UNTIL_EXPIRY.value: "stays with the partner until it expires",
}


@dataclass(frozen=True)
class ExitReader:
    """Who reads an exit: ``staff`` see it whole, otherwise the exiting partner's user."""

    username: str
    staff: bool
    partner_id: int | None


def is_staff(principal: Principal) -> bool:
    """Approver roles (partner operations among them) and admins read every exit whole."""
    return principal.is_approver or principal.is_admin


def exit_reader(principal: Principal, partner_id: int, *, noticed: bool) -> ExitReader | None:
    """How ``principal`` may read an exit of ``partner_id`` (``noticed``: notice was given);
    None: not at all, and the caller answers as for an exit that does not exist."""
    if is_staff(principal):
        return ExitReader(principal.username, True, principal.partner_id)
    if principal.is_partner and principal.partner_id == partner_id and noticed:
        return ExitReader(principal.username, False, principal.partner_id)
    return None


def reader_of_row(principal: Principal, row: Exit) -> ExitReader | None:
    return exit_reader(principal, row.partner_id, noticed=row.notice_given_at is not None)


def reader_of_view(principal: Principal, view: ExitView) -> ExitReader | None:
    return exit_reader(principal, view.start.partner_id, noticed=view.notice_given_at is not None)


def _reason(reason: Reason, reader: ExitReader) -> ReasonOut:
    if reader.staff:
        return ReasonOut(code=reason.code, text=reason.text, facts=dict(reason.facts))
    return ReasonOut(code=reason.code, text=meaning(reason.code), facts={})


def _goes_to(item: DispositionView) -> str | None:
    if item.state == DispositionState.AWAITING_CHOICE:
        return None  # nobody eligible could take it: partner operations choose
    return GOES_TO.get(item.disposition)


def disposition_out(item: DispositionView, reader: ExitReader) -> DispositionOut:
    """One registration's disposition as ``reader`` may see it."""
    return DispositionOut(
        registration_id=item.registration_id,
        disposition=item.disposition,
        state=item.state,
        effective_at=item.effective_at,
        registration_state=item.registration_state,
        expires_at=item.expires_at,
        goes_to=_goes_to(item),
        reasons=[_reason(r, reader) for r in item.reasons],
        transferee_partner_id=item.transferee_partner_id if reader.staff else None,
        transferee_registration_id=item.transferee_registration_id if reader.staff else None,
    )


def exit_out(view: ExitView, reader: ExitReader) -> ExitOut:
    """The exit as ``reader`` may see it."""
    staff = reader.staff
    start = view.start
    return ExitOut(
        workflow_id=view.workflow_id,
        state=str(view.state),
        exit_type=start.exit_type,
        partner_id=start.partner_id,
        partner_name=view.partner_name,
        why=start.why,
        started_by=start.started_by if staff else None,
        rulebook_version=view.rulebook_version,
        approval_role=view.approval_role if staff else None,
        approved_by=view.approved_by if staff else None,
        notice_given_at=view.notice_given_at,
        notice_ends_at=view.notice_ends_at,
        access_revoked_at=view.access_revoked_at,
        commission_ends_at=view.commission_ends_at,
        mdf_ends_at=view.mdf_ends_at,
        ends_at=view.ends_at,
        ended_because=view.ended_because if staff else None,
        dispositions=[disposition_out(d, reader) for d in view.dispositions],
        open_tasks=[ExitTaskOut.model_validate(t.__dict__) for t in view.open_tasks] if staff else [],
        history=[TransitionOut.model_validate(t.__dict__) for t in view.history] if staff else [],
    )


def exit_row_out(row: Exit, reader: ExitReader) -> ExitRow:
    """One listed exit (the database projection) as ``reader`` may see it."""
    return ExitRow(
        workflow_id=row.workflow_id,
        state=row.state,
        exit_type=row.exit_type,
        partner_id=row.partner_id,
        why=row.why,
        started_by=row.started_by if reader.staff else None,
        rulebook_version=row.rulebook_version,
        notice_given_at=row.notice_given_at,
        notice_ends_at=row.notice_ends_at,
        access_revoked_at=row.access_revoked_at,
        commission_ends_at=row.commission_ends_at,
        mdf_ends_at=row.mdf_ends_at,
        ends_at=row.ends_at,
        opened_at=row.opened_at,
        updated_at=row.updated_at,
    )
