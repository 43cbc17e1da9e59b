"""Process views: search registrations by partner, account and status; a read-only timeline.

Partner users see only their own partner's registrations, read as ``web.api.registration_view``
lets a partner read them (the same reasons in the same words as the API); approvers see every
registration whole. Nothing here changes a process: a registration refused over a conflict
offers a form that opens a dispute (``web.disputes``), and links the disputes it stands in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.clients.registration import RegistrationClient
from parley.errors import NotFound, ServiceUnavailable, ValidationFailed
from store.crud import discounts as discounts_crud
from store.crud import disputes as disputes_crud
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from store.models.enums import RegistrationState
from store.models.registrations import Registration
from web import runner
from web.api.discount_view import discount_row_out
from web.api.registration_view import audit_event_out, code_reasons, partner_view, reason_out
from web.api.schemas import ReasonOut
from web.audit_view import timeline_for
from web.auth import login_required
from web.disputes import may_contest
from web.paging import int_arg
from web.workflow_clients import process_client

bp = Blueprint("processes", __name__, url_prefix="/registrations")


def visible_to_user(registration: Registration) -> bool:
    """Partners see their own partner's registrations; everyone else with a role sees all."""
    if partner_view(g.user):
        return registration.partner_id == g.user.partner_id
    return True


def reasons_of(registration: Registration, *, partner: bool) -> list[ReasonOut]:
    """The registration's reasons as the API gives them to this reader; when its process cannot
    be read now, the meanings of the codes its row keeps."""

    async def go() -> list[ReasonOut]:
        client = await process_client(RegistrationClient)
        view = await client.get(registration.workflow_id)
        return [reason_out(r, partner=partner) for r in view.reasons]

    try:
        return runner.run(go())
    except (NotFound, ServiceUnavailable):
        return code_reasons(registration.last_reason_codes)


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    own_partner = g.user.partner_id if partner_view(g.user) else None
    state = request.args.get("state") or None
    if state not in {None, *RegistrationState}:
        state = None
    account = (request.args.get("account") or "").strip()[:200] or None
    partner_id = own_partner or int_arg("partner_id")
    page_number = int_arg("page", 1) or 1
    with session_scope() as db:
        try:
            page = registrations_crud.list_registrations(
                session=db, partner_id=partner_id, account=account, state=state, page=page_number, per_page=25
            )
        except ValidationFailed:
            abort(404, "No such page.")
        partners = {p.id: p for p in partners_crud.list_partners(session=db, per_page=200).items}
    filters: dict[str, Any] = {"state": state, "account": account, "partner_id": partner_id}

    def page_url(number: int) -> str:
        return url_for("processes.index", **{k: v for k, v in filters.items() if v}, page=number)

    return render_template(
        "processes/list.html",
        page=page,
        partners=partners,
        filters=filters,
        states=list(RegistrationState),
        partner_locked=own_partner is not None,
        page_url=page_url,
    )


@bp.get("/<workflow_id>")
@login_required
def detail(workflow_id: str) -> ResponseReturnValue:
    with session_scope() as db:
        try:
            registration = registrations_crud.get_registration(session=db, workflow_id=workflow_id)
        except NotFound:
            abort(404, "No registration with that id.")
        if not visible_to_user(registration):
            abort(404, "No registration with that id.")
        partner_reads = partner_view(g.user)
        partner = partners_crud.get_partner(session=db, partner_id=registration.partner_id)
        events = [audit_event_out(e, partner=partner_reads) for e in timeline_for(db, workflow_id)]
        discounts = discounts_crud.list_discounts(session=db, registration_workflow_id=workflow_id).items
        discounts_out = [discount_row_out(d) for d in discounts]
        disputes = disputes_crud.disputes_of_registration(session=db, registration_id=workflow_id)
    return render_template(
        "processes/detail.html",
        registration=registration,
        reasons=reasons_of(registration, partner=partner_reads),
        partner=partner,
        events=events,
        discounts=discounts_out,
        disputes=disputes,
        may_contest=may_contest(g.user, registration, disputes),
    )
