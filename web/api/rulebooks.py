"""``/api/v1/rulebooks``: read versions, roll out a draft, attach its what-if, withdraw it,
acknowledge a published version.

Partner operations (``partner_ops``, ``admin``) submit drafts, attach what-ifs and withdraw, always
as the token's own user; a partner's user acknowledges a published version for its own partner.
The roll-out workflow, through its typed client, is the authority and may still refuse (409).
What each caller sees of a version is decided once, in ``web.api.rulebook_view``; a version the
caller may not see (a partner asking for a draft) is a 404. A draft's approval is an inbox task
(``rulebook.approval``) decided through ``/api/v1/tasks/{id}/decision`` like every other task.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from flask import Response, g, url_for

from activities.rulebook import rulebook_library
from parley.clients.rollout import RolloutClient, check_draft
from parley.errors import DecisionRefused, NotFound, StillDeciding
from store.engine import session_scope
from store.models import utcnow
from web import rulebook_rollout as rollout
from web import rulebook_sources as sources
from web.api import bp, json_body, reply
from web.api.errors import ApiError
from web.api.rulebook_schemas import RulebookIn, RulebookList, RulebookWithdrawIn, WhatIfIn
from web.api.rulebook_view import readable, reader_of, rollout_out, row_out, rulebook_out
from web.api.schemas import ProcessAccepted
from workflows.rollout.types import RolloutView

NOUN = "rulebook version"
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")  # a version id (rules.schema)


def _row(version: str) -> sources.VersionRow:
    """The version if the caller may read it (a partner: published ones only), else 404."""
    if not _VERSION.match(version):
        raise ApiError.field(404, "version", f"no such {NOUN}")
    try:
        row = sources.version_row(version)
    except NotFound:
        raise ApiError.field(404, "version", f"no such {NOUN}") from None
    if not readable(row, reader_of(g.user)):
        raise ApiError.field(404, "version", f"no such {NOUN}")
    return row


def _operator(doing: str) -> None:
    if not reader_of(g.user).operator:
        raise ApiError.field(403, "role", f"only partner_ops or admin may {doing}")


def _run(action: Callable[[RolloutClient], Awaitable[RolloutView]], field: str) -> RolloutView:
    """Run one client call; a refusal is a 409 naming ``field``, a version without a roll-out
    (imported) a 409 naming ``version``. A ``ValidationFailed`` (a what-if run that does not
    exist, a version id taken by a concurrent submission) is the blueprint's 422 naming its fields."""
    try:
        view: RolloutView = rollout.run(action)
    except DecisionRefused as refused:
        raise ApiError.field(409, field, str(refused.reason)) from None
    except NotFound:
        raise ApiError.field(409, "version", "imported without a roll-out: nothing to act on") from None
    return view


@bp.get("/rulebooks")
def list_rulebooks() -> Response:
    """Versions, newest effective date first: staff every one, others the published ones."""
    reader = reader_of(g.user)
    rows = [row_out(row) for row in sources.version_rows() if readable(row, reader)]
    return reply(RulebookList(items=rows))


@bp.get("/rulebooks/<version>")
def get_rulebook(version: str) -> Response:
    return reply(rulebook_out(_row(version), reader_of(g.user)))


@bp.post("/rulebooks")
def submit_rulebook() -> Response:
    """Store a draft and start its roll-out, as the token's user (partner operations): 201 once
    it waits for its what-if or its approval; 422 naming every field at fault, nothing stored."""
    _operator("submit a rulebook version")
    body = json_body(RulebookIn)
    actor = g.user.username
    rulebook_library()  # on a new database: the shipped versions are imported first
    with session_scope() as db:
        version = check_draft(db, body.text, body.comment, utcnow())
    try:
        view = _run(lambda c: c.submit(actor=actor, text=body.text, comment=body.comment), "text")
    except StillDeciding as pending:
        url = url_for("api.get_rollout", version=version)
        response = reply(
            ProcessAccepted(
                workflow_id=pending.workflow_id,
                state=pending.state,
                url=url,
                message=f"The draft {version} is being stored and has not answered yet; "
                "read its roll-out at url rather than sending it again.",
            ),
            202,
        )
        response.headers["Location"] = url
        return response
    return reply(rollout_out(view), 201)


@bp.get("/rulebooks/<version>/rollout")
def get_rollout(version: str) -> Response:
    """The version's roll-out as its workflow reports it now (partner operations): its state,
    what it waits for, the open tasks; 404 for a version without one (imported) or not stored
    yet (a submission still being stored)."""
    _operator("read a roll-out")
    _row(version)
    try:
        view = rollout.run(lambda c: c.of_version(version))
    except NotFound:
        missing = "no roll-out of this version (imported, or not stored yet)"
        raise ApiError.field(404, "version", missing) from None
    return reply(rollout_out(view))


@bp.post("/rulebooks/<version>/what-if")
def attach_what_if(version: str) -> Response:
    """Attach a completed what-if of the draft (partner operations); the roll-out's gate judges
    it and refuses (409 naming ``run_id``) one of another draft, baseline or not completed."""
    _operator("attach a what-if")
    body = json_body(WhatIfIn)
    _row(version)
    actor = g.user.username
    return reply(rollout_out(_run(lambda c: c.attach_what_if(version, actor, body.run_id), "run_id")))


@bp.post("/rulebooks/<version>/withdrawal")
def withdraw_rulebook(version: str) -> Response:
    """Withdraw a version not yet in force (partner operations); 409 once it is, or withdrawn."""
    _operator("withdraw a rulebook version")
    body = json_body(RulebookWithdrawIn)
    _row(version)
    actor = g.user.username
    return reply(rollout_out(_run(lambda c: c.withdraw(version, actor, body.reason), "version")))


@bp.post("/rulebooks/<version>/acknowledgement")
def acknowledge_rulebook(version: str) -> Response:
    """The token user's partner acknowledges a published version; 409 when it already has or was
    not asked. The answer is the version as the partner reads it."""
    if not g.user.is_partner or g.user.partner_id is None:
        raise ApiError.field(403, "role", "only a partner's user acknowledges a rulebook for its partner")
    row = _row(version)
    actor = g.user.username
    _run(lambda c: c.acknowledge(version, actor), "version")
    return reply(rulebook_out(row, reader_of(g.user)))
