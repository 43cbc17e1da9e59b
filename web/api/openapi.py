"""``GET /api/v1/openapi.json``: the OpenAPI 3.1 document of this API.

Schemas come from the pydantic models the views use (``web.api.schemas``); paths are listed
here once. A test compares these paths with the app's URL map and runs a schema-driven tester
against the live app, so the document and the implementation cannot drift apart silently.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from web.api import bp
from web.api import discount_schemas as d
from web.api import dispute_schemas as dp
from web.api import exit_schemas as ex
from web.api import notification_schemas as ns
from web.api import partner_schemas as ps
from web.api import rulebook_schemas as rb
from web.api import schemas as s

REF = "#/components/schemas/{model}"
MODELS: tuple[type[BaseModel], ...] = (
    s.ErrorBody, s.Me, s.TaskOut, s.TaskPage, s.DecisionIn, s.DecisionOut, s.RegistrationIn,
    s.ExtendIn, s.CloseIn, s.WithdrawIn, s.InfoIn, s.RegistrationOut, s.RegistrationPage,
    s.AuditPage, s.EscalateIn, d.DiscountIn, d.DiscountReviseIn, d.RenewIn, d.DiscountOut,
    d.DiscountPage, dp.DisputeIn, dp.StatementIn, dp.DisputeOut, dp.DisputePage,
    ps.PartnerIn, ps.PartnerPatch, ps.PartnerOut, ps.PartnerPage, ps.ContactIn, ps.ContactOut,
    ps.ContactList, ps.EngagementIn, ps.EngagementOut, ps.EngagementList, ps.EngagementEndIn,
    ex.ExitIn, ex.ExitCancelIn, ex.TransfereeIn, ex.ExitOut, ex.ExitPage,
    ns.NotificationPage, ns.MarkReadIn, ns.MarkReadOut, ns.WebhookIn, ns.WebhookOut, ns.WebhookCreated,
    ns.WebhookList, ns.DeliveryPage, s.ProcessAccepted,
    rb.RulebookIn, rb.WhatIfIn, rb.RulebookWithdrawIn, rb.RulebookList, rb.RulebookOut, rb.RolloutOut,
)  # fmt: skip
ERRORS = {
    "400": "Bad query parameter or body (names the field)",
    "401": "Missing, unknown, expired or revoked bearer token",
    "403": "Not allowed for this user or token (its roles, or the token's scopes: docs/authorization.md)",
    "404": "Not found, or not visible to this user",
    "409": "Refused by the process (stale, already decided, four-eyes, limit reached)",
    "413": "Request body too large",
    "415": "Body is not application/json",
    "422": "Body failed validation (names the field)",
    "429": "Too many requests for this token (or address); retry after Retry-After seconds",
    "503": "The approval service (Temporal) is not available; nothing was recorded (a start that "
    "was recorded answers 202 instead)",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _json(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": _ref(model)}}


def _query(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template=REF)
    return [
        {"name": name, "in": "query", "required": False, "schema": _present(prop)}
        for name, prop in schema["properties"].items()
    ]


def _present(prop: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema when it is given: a query string has no null, so an optional
    filter's ``anyOf [X, null]`` is X (leaving the null in let a test client call "false" a
    non-string and expect it refused)."""
    options = [p for p in prop.get("anyOf", ()) if p.get("type") != "null"]
    if len(options) != 1 or len(options) == len(prop.get("anyOf", ())):
        return prop
    kept = {k: v for k, v in prop.items() if k not in ("anyOf", "default")}
    return {**options[0], **kept}


def _path(name: str, kind: str = "string") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": kind}
    if kind == "integer":
        schema.update(minimum=0, maximum=s.MAX_ID)
    else:
        schema["pattern"] = "^[^/]+$"
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _operation(
    summary: str,
    ok: type[BaseModel],
    errors: tuple[str, ...],
    *,
    status: str = "200",
    body: type[BaseModel] | None = None,
    parameters: list[dict[str, Any]] | None = None,
    public: bool = False,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {
            status: {"description": "OK", "content": _json(ok)},
            **{code: {"description": ERRORS[code], "content": _json(s.ErrorBody)} for code in errors},
        },
    }
    if not public:
        operation["responses"]["401"] = {"description": ERRORS["401"], "content": _json(s.ErrorBody)}
        # Every authenticated endpoint is behind the scope check and the per-token rate limit.
        refused = {"description": ERRORS["403"], "content": _json(s.ErrorBody)}
        operation["responses"].setdefault("403", refused)
        operation["responses"]["429"] = {
            "description": ERRORS["429"],
            "headers": {"Retry-After": {"schema": {"type": "integer", "minimum": 1}}},
            "content": _json(s.ErrorBody),
        }
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {"required": True, "content": _json(body)}
        operation["responses"].setdefault(
            "415", {"description": ERRORS["415"], "content": _json(s.ErrorBody)}
        )
        operation["responses"].setdefault(
            "413", {"description": ERRORS["413"], "content": _json(s.ErrorBody)}
        )
    return operation


def _start(operation: dict[str, Any], retry: type[BaseModel] | None = None) -> dict[str, Any]:
    """A start endpoint's answers besides 201: 202 when the process is recorded but had not
    decided within the wait; with a request key (``retry``, its answer), 200 for a retry of the
    same body and 409 also for the key naming a different submission."""
    if retry is not None:
        operation["responses"]["200"] = {
            "description": "A retry (same request_key, same body): the process the first request started",
            "content": _json(retry),
        }
    operation["responses"]["202"] = {
        "description": "Recorded, not decided within the wait: GET the Location (also `url`) for "
        "its decision; do not send it again with a new key",
        "headers": {"Location": {"description": "The process's URL", "schema": {"type": "string"}}},
        "content": _json(s.ProcessAccepted),
    }
    if retry is not None:
        operation["responses"]["409"]["description"] += (
            "; or the request key already names a different submission (each differing field named)"
        )
    return operation


def _change(summary: str, body: type[BaseModel], ok: type[BaseModel] = s.RegistrationOut) -> dict[str, Any]:
    return {
        "post": _operation(
            summary, ok, ("400", "403", "404", "409", "422", "503"),
            body=body, parameters=[_path("workflow_id")],
        )
    }  # fmt: skip


def notification_paths() -> dict[str, Any]:
    """The in-app list and webhook subscriptions (partner users: their partner's; partner_ops and
    admin: the integrators'; anyone else 403)."""
    subscription = [_path("subscription_id", "integer")]
    revoke = {
        "summary": "Revoke the subscription: it is called no more (again: nothing changes)",
        "parameters": subscription,
        "responses": {
            "204": {"description": "Revoked"},
            **{
                code: {"description": ERRORS[code], "content": _json(s.ErrorBody)}
                for code in ("401", "403", "404")
            },
        },
    }
    return {
        "/notifications": {
            "get": _operation(
                "My notifications, newest first, with my unread count", ns.NotificationPage, ("400",),
                parameters=_query(ns.NotificationQuery),
            )
        },
        "/notifications/read": {
            "post": _operation(
                "Mark notifications read (notification_ids), or all of mine (all: true)", ns.MarkReadOut,
                ("400", "404", "422"), body=ns.MarkReadIn,
            )
        },
        "/webhooks": {
            "get": _operation(
                "My webhook subscriptions (a partner's, or the integrators')", ns.WebhookList, ("400", "403"),
                parameters=_query(ns.WebhookQuery),
            ),
            "post": _operation(
                "Subscribe a URL to event types; the answer holds the signing secret, shown once",
                ns.WebhookCreated, ("400", "403", "422"), status="201", body=ns.WebhookIn,
            ),
        },
        "/webhooks/{subscription_id}": {
            "get": _operation(
                "One of my subscriptions (never its secret)", ns.WebhookOut, ("403", "404"),
                parameters=subscription,
            ),
            "delete": revoke,
        },
        "/webhooks/{subscription_id}/deliveries": {
            "get": _operation(
                "The subscription's delivery log, newest first", ns.DeliveryPage, ("400", "403", "404"),
                parameters=[*subscription, *_query(ns.DeliveryQuery)],
            )
        },
    }  # fmt: skip


def rulebook_paths() -> dict[str, Any]:
    """Rulebook versions and their roll-outs (a draft's approval is a task: /tasks/{id}/decision)."""
    version = [_path("version")]
    return {
        "/rulebooks": {
            "get": _operation(
                "Rulebook versions, newest first (staff: every one, drafts and withdrawn ones "
                "included; others the published ones)", rb.RulebookList, (),
            ),
            "post": _start(_operation(
                "Submit a draft and start its roll-out, as the token's user (partner_ops, admin); "
                "every field at fault named, nothing stored", rb.RolloutOut,
                ("400", "403", "409", "422", "503"), status="201", body=rb.RulebookIn,
            )),
        },
        "/rulebooks/{version}": {
            "get": _operation(
                "A version: its playbook (Markdown), what changes from the version in force; staff "
                "also its YAML, a partner user its own acknowledgement, partner ops the roll-out",
                rb.RulebookOut, ("404",), parameters=version,
            )
        },
        "/rulebooks/{version}/rollout": {
            "get": _operation(
                "The version's roll-out as its workflow reports it now: state, what it waits for, "
                "open tasks (partner_ops, admin); where a submission's 202 points",
                rb.RolloutOut, ("403", "404", "503"), parameters=version,
            )
        },
        "/rulebooks/{version}/what-if": {
            "post": _operation(
                "Attach a completed what-if of the draft (partner_ops, admin); the gate refuses "
                "others (409 naming run_id)", rb.RolloutOut, ("400", "403", "404", "409", "422", "503"),
                body=rb.WhatIfIn, parameters=version,
            )
        },
        "/rulebooks/{version}/withdrawal": {
            "post": _operation(
                "Withdraw a version not yet in force (partner_ops, admin)", rb.RolloutOut,
                ("400", "403", "404", "409", "422", "503"), body=rb.RulebookWithdrawIn, parameters=version,
            )
        },
        "/rulebooks/{version}/acknowledgement": {
            "post": _operation(
                "Acknowledge a published version for the token user's own partner (partner users); "
                "409 when already acknowledged or not asked", rb.RulebookOut, ("403", "404", "409", "503"),
                parameters=version,
            )
        },
    }  # fmt: skip


def paths() -> dict[str, Any]:
    workflow = [_path("workflow_id")]
    task = [_path("task_id", "integer")]
    partner = [_path("partner_id", "integer")]
    return {
        "/me": {"get": _operation("The token's user, roles and delegations", s.Me, ())},
        "/tasks": {
            "get": _operation(
                "My open tasks (assigned, my roles, delegated to me)", s.TaskPage, ("400",),
                parameters=_query(s.TaskQuery),
            )
        },
        "/tasks/{task_id}": {
            "get": _operation("One task visible to me", s.TaskOut, ("404",), parameters=task)
        },
        "/tasks/{task_id}/decision": {
            "post": _operation(
                "Approve, reject or request information (through the process)", s.DecisionOut,
                ("400", "403", "404", "409", "422", "503"), body=s.DecisionIn, parameters=task,
            )
        },
        "/tasks/{task_id}/escalate": {
            "post": _operation(
                "Send the task up its path now, where its process allows it (a dispute's levels)",
                s.DecisionOut, ("400", "403", "404", "409", "422", "503"), body=s.EscalateIn,
                parameters=task,
            )
        },
        "/registrations": {
            "get": _operation(
                "Search registrations (partners: their own)", s.RegistrationPage, ("400", "403"),
                parameters=_query(s.RegistrationQuery),
            ),
            "post": _start(_operation(
                "Register a deal (idempotent per partner and request_key)", s.RegistrationOut,
                ("400", "403", "409", "422", "503"), status="201", body=s.RegistrationIn,
            ), retry=s.RegistrationOut),
        },
        "/registrations/{workflow_id}": {
            "get": _operation(
                "A registration as its process reports it", s.RegistrationOut, ("404", "503"),
                parameters=workflow,
            )
        },
        "/registrations/{workflow_id}/extend": _change("Ask for an extension of the protection", s.ExtendIn),
        "/registrations/{workflow_id}/close": _change("Close as won or lost", s.CloseIn),
        "/registrations/{workflow_id}/withdraw": _change("Withdraw the registration", s.WithdrawIn),
        "/registrations/{workflow_id}/info": _change("Answer a request for more information", s.InfoIn),
        "/discounts": {
            "get": _operation(
                "Search discount requests (partners: their own)", d.DiscountPage, ("400", "403"),
                parameters=_query(d.DiscountQuery),
            ),
            "post": _start(_operation(
                "Request a discount exception on an approved registration (idempotent per "
                "registration and request_key)", d.DiscountOut,
                ("400", "403", "409", "422", "503"), status="201", body=d.DiscountIn,
            ), retry=d.DiscountOut),
        },
        "/discounts/{workflow_id}": {
            "get": _operation(
                "A discount request as its process reports it", d.DiscountOut, ("404", "503"),
                parameters=workflow,
            )
        },
        "/discounts/{workflow_id}/revise": _change(
            "New terms (asks again only whose approval they go beyond)", d.DiscountReviseIn, d.DiscountOut
        ),
        "/discounts/{workflow_id}/renew": _change(
            "Renew approved or lapsed pricing under the rulebook in force", d.RenewIn, d.DiscountOut
        ),
        "/discounts/{workflow_id}/withdraw": _change(
            "Withdraw the discount request", s.WithdrawIn, d.DiscountOut
        ),
        "/discounts/{workflow_id}/info": _change(
            "Answer a request for more information", s.InfoIn, d.DiscountOut
        ),
        "/partners": {
            "get": _operation(
                "Partners (a partner user: its own)", ps.PartnerPage, ("400",),
                parameters=_query(ps.PartnerQuery),
            ),
            "post": _operation(
                "Create a partner, checked against the rulebook in force (partner_ops, admin)",
                ps.PartnerOut, ("400", "403", "422"), status="201", body=ps.PartnerIn,
            ),
        },
        "/partners/{partner_id}": {
            "get": _operation("One partner", ps.PartnerOut, ("404",), parameters=partner),
            "patch": _operation(
                "Change the fields sent (partner_ops, admin); audited before -> after",
                ps.PartnerOut, ("400", "403", "404", "422"), body=ps.PartnerPatch, parameters=partner,
            ),
        },
        "/partners/{partner_id}/contacts": {
            "get": _operation("The partner's contacts", ps.ContactList, ("404",), parameters=partner),
            "post": _operation(
                "Add a contact (partner_ops, admin)", ps.ContactOut, ("400", "403", "404", "422"),
                status="201", body=ps.ContactIn, parameters=partner,
            ),
        },
        "/engagements": {
            "get": _operation(
                "Direct-sales engagements, newest first (not for partner users)", ps.EngagementList,
                ("400", "403"), parameters=_query(ps.EngagementQuery),
            ),
            "post": _operation(
                "Record that direct sales is engaged on an account (partner_ops, admin)",
                ps.EngagementOut, ("400", "403", "404", "422"), status="201", body=ps.EngagementIn,
            ),
        },
        "/engagements/{engagement_id}/end": {
            "post": _operation(
                "End an engagement (partner_ops, admin)", ps.EngagementOut,
                ("400", "403", "404", "422"), body=ps.EngagementEndIn,
                parameters=[_path("engagement_id", "integer")],
            )
        },
        "/disputes": {
            "get": _operation(
                "Disputes (partners: those they stand in, the other side unnamed)", dp.DisputePage,
                ("400", "403"), parameters=_query(dp.DisputeQuery),
            ),
            "post": _start(_operation(
                "Contest a registration's conflict decision (as the token's user)", dp.DisputeOut,
                ("400", "403", "409", "422", "503"), status="201", body=dp.DisputeIn,
            )),
        },
        "/disputes/{workflow_id}": {
            "get": _operation(
                "A dispute as its process reports it (partners: their side whole, the other unnamed)",
                dp.DisputeOut, ("404", "503"), parameters=workflow,
            )
        },
        "/disputes/{workflow_id}/statements": _change(
            "A party's statement, or a comment of those hearing the case", dp.StatementIn, dp.DisputeOut
        ),
        "/disputes/{workflow_id}/withdraw": _change(
            "Withdraw the dispute (the contesting side); the decision stands", s.WithdrawIn, dp.DisputeOut
        ),
        "/exits": {
            "get": _operation(
                "Partner exits, newest first (a partner user: its own, once notice was given)",
                ex.ExitPage, ("400", "403"), parameters=_query(ex.ExitQuery),
            ),
            "post": _start(_operation(
                "Give a partner notice (partner_ops, admin; as the token's user)", ex.ExitOut,
                ("400", "403", "409", "422", "503"), status="201", body=ex.ExitIn,
            )),
        },
        "/exits/{workflow_id}": {
            "get": _operation(
                "An exit as its process reports it (the exiting partner: its dates and "
                "dispositions, a transferee unnamed)", ex.ExitOut, ("404", "503"), parameters=workflow,
            )
        },
        "/exits/{workflow_id}/cancel": _change(
            "Cancel the exit while notice runs (partner_ops, admin)", ex.ExitCancelIn, ex.ExitOut
        ),
        "/exits/{workflow_id}/transferee": _change(
            "Choose who takes over a registration nobody eligible could take, or null for direct "
            "sales (partner_ops, admin)", ex.TransfereeIn, ex.ExitOut,
        ),
        **rulebook_paths(),
        **notification_paths(),
        "/audit": {
            "get": _operation(
                "Audit events (partners: one of their registrations)", s.AuditPage, ("400", "404"),
                parameters=_query(s.AuditQuery),
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {}}}},
            }
        },
    }  # fmt: skip


@cache
def document() -> dict[str, Any]:
    _, definitions = models_json_schema([(m, "validation") for m in MODELS], ref_template=REF)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Parley API",
            "version": "1",
            "description": "Deal registrations, discount exceptions, disputes, partner exits, partner "
            "records, rulebook versions and their roll-outs, notifications and webhook subscriptions, "
            "approval tasks and the "
            "audit trail. "
            "Authenticate with 'Authorization: Bearer <token>' (parley token create USER).",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths(),
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())
