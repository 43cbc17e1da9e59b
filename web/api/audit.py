"""``/api/v1/audit``: the audit trail. Partner users see only their own registrations' events, as
``web.api.registration_view`` lets a partner read them."""

from __future__ import annotations

from flask import Response, g

from parley.errors import NotFound
from store.crud import records as records_crud
from store.crud import registrations as registrations_crud
from store.engine import session_scope
from web.api import access, bp, query_args, reply
from web.api.errors import ApiError
from web.api.registration_view import audit_event_out
from web.api.schemas import AuditPage, AuditQuery


@bp.get("/audit")
def list_audit() -> Response:
    query = query_args(AuditQuery)
    restricted = access.partner_only()
    with session_scope() as db:
        if restricted:
            if query.process_id is None:
                raise ApiError.field(400, "process_id", "required for partner users")
            try:
                registration = registrations_crud.get_registration(session=db, workflow_id=query.process_id)
            except NotFound:
                raise ApiError.field(404, "process_id", "no such registration of your partner") from None
            if registration.partner_id != g.user.partner_id:
                raise ApiError.field(404, "process_id", "no such registration of your partner")
        page = records_crud.list_audit_events(
            session=db,
            process_id=query.process_id,
            actor=query.actor,
            page=query.page,
            per_page=query.per_page,
        )
    return reply(
        AuditPage(
            items=[audit_event_out(e, partner=restricted) for e in page.items],
            total=page.total,
            page=page.page,
            per_page=page.per_page,
        )
    )
