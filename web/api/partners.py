"""``/api/v1/partners`` and ``/api/v1/engagements``: partner records and direct-sales engagements.

Every change goes through ``parley.clients.partners`` (checked against the rulebook in force,
audited with the caller as actor); only ``partner_ops`` and ``admin`` may change records. A
partner user reads only its own partner: another partner's answers 404 exactly like a missing
one, and the listing holds its own alone. Direct-sales engagements are the vendor's own business:
partner users may not read them.
"""

from __future__ import annotations

from flask import Response, g

from parley.clients.partners import PartnerRecords
from parley.errors import NotFound
from web.api import access, bp, json_body, query_args, reply
from web.api.errors import ApiError
from web.api.partner_schemas import (
    ContactIn,
    ContactList,
    ContactOut,
    EngagementEndIn,
    EngagementIn,
    EngagementList,
    EngagementOut,
    EngagementQuery,
    PartnerIn,
    PartnerOut,
    PartnerPage,
    PartnerPatch,
    PartnerQuery,
)
from web.api.schemas import MAX_ID


def _records() -> PartnerRecords:
    return PartnerRecords(g.user.username)


def _may_change() -> None:
    if not access.is_integrator():
        raise ApiError.field(403, "role", "only partner_ops or admin may change partner records")


def _id(kind: str, key: int) -> None:
    # Plain ``int`` routes (werkzeug answers a bounded one that does not match with a 405): a
    # number no row can have is a 404, never a query.
    if key > MAX_ID:
        raise NotFound(kind, key)


def _visible(partner_id: int) -> None:
    """404 for a partner the caller may not see, exactly as for one that does not exist."""
    _id("partner", partner_id)
    if access.partner_only() and g.user.partner_id != partner_id:
        raise NotFound("partner", partner_id)


def _no_partner_users() -> None:
    if access.partner_only():
        raise ApiError.field(403, "role", "direct-sales engagements are not shown to partner users")


@bp.get("/partners")
def list_partners() -> Response:
    query = query_args(PartnerQuery)
    records = _records()
    if access.partner_only():
        own = [] if g.user.partner_id is None else [records.get_partner(int(g.user.partner_id))]
        items = [PartnerOut.model_validate(p) for p in own]
        return reply(PartnerPage(items=items, total=len(items), page=1, per_page=query.per_page))
    page = records.list_partners(
        status=query.status,
        territory=query.territory,
        text=query.text,
        page=query.page,
        per_page=query.per_page,
    )
    items = [PartnerOut.model_validate(p) for p in page.items]
    return reply(PartnerPage(items=items, total=page.total, page=page.page, per_page=page.per_page))


@bp.post("/partners")
def create_partner() -> Response:
    _may_change()
    body = json_body(PartnerIn)
    partner = _records().create_partner(body.model_dump(exclude_none=True))
    return reply(PartnerOut.model_validate(partner), 201)


@bp.get("/partners/<int:partner_id>")
def get_partner(partner_id: int) -> Response:
    _visible(partner_id)
    return reply(PartnerOut.model_validate(_records().get_partner(partner_id)))


@bp.patch("/partners/<int:partner_id>")
def update_partner(partner_id: int) -> Response:
    _may_change()
    _visible(partner_id)
    body = json_body(PartnerPatch)
    partner = _records().update_partner(partner_id, body.model_dump(exclude_none=True))
    return reply(PartnerOut.model_validate(partner))


@bp.get("/partners/<int:partner_id>/contacts")
def list_contacts(partner_id: int) -> Response:
    _visible(partner_id)
    contacts = _records().list_contacts(partner_id)
    return reply(ContactList(items=[ContactOut.model_validate(c) for c in contacts]))


@bp.post("/partners/<int:partner_id>/contacts")
def add_contact(partner_id: int) -> Response:
    _may_change()
    _visible(partner_id)
    body = json_body(ContactIn)
    contact = _records().add_contact(partner_id, body.model_dump(exclude_none=True))
    return reply(ContactOut.model_validate(contact), 201)


@bp.get("/engagements")
def list_engagements() -> Response:
    query = query_args(EngagementQuery)
    _no_partner_users()
    engagements = _records().list_engagements(account_id=query.account_id)
    return reply(EngagementList(items=[EngagementOut.model_validate(e) for e in engagements]))


@bp.post("/engagements")
def add_engagement() -> Response:
    _may_change()
    body = json_body(EngagementIn)
    engagement = _records().add_engagement(body.model_dump(exclude_none=True))
    return reply(EngagementOut.model_validate(engagement), 201)


@bp.post("/engagements/<int:engagement_id>/end")
def end_engagement(engagement_id: int) -> Response:
    _may_change()
    _id("engagement", engagement_id)
    body = json_body(EngagementEndIn)
    engagement = _records().end_engagement(engagement_id, body.until)
    return reply(EngagementOut.model_validate(engagement))
