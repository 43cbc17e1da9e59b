"""Process views: search registrations by partner, account and status; a read-only timeline.

Partner users see only their own partner's registrations (the partner-facing status); approvers
see every registration. Nothing here changes a process: a registration refused over a conflict
offers a form that opens a dispute (``web.disputes``), and links the disputes it stands in.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, g, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parley.errors import NotFound, ValidationFailed
from store.crud import discounts as discounts_crud
from store.crud import disputes as disputes_crud
from store.crud import partners as partners_crud
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from store.models.enums import RegistrationState
from store.models.registrations import Registration
from web.audit_view import timeline_for
from web.auth import login_required
from web.disputes import may_contest
from web.paging import int_arg

bp = Blueprint("processes", __name__, url_prefix="/registrations")


def visible_to_user(registration: Registration) -> bool:
    """Partners see their own partner's registrations; everyone else with a role sees all."""
    if g.user.is_partner and not g.user.is_approver:
        return registration.partner_id == g.user.partner_id
    return True


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    own_partner = g.user.partner_id if g.user.is_partner and not g.user.is_approver else None
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
        partner = partners_crud.get_partner(session=db, partner_id=registration.partner_id)
        events = timeline_for(db, workflow_id)
        discounts = discounts_crud.list_discounts(session=db, registration_workflow_id=workflow_id).items
        disputes = disputes_crud.disputes_of_registration(session=db, registration_id=workflow_id)
    return render_template(
        "processes/detail.html",
        registration=registration,
        partner=partner,
        events=events,
        discounts=discounts,
        disputes=disputes,
        may_contest=may_contest(g.user, registration, disputes),
    )
