"""The JSON API under ``/api/v1``: bearer-token authentication, JSON in and out, JSON errors.

Views live in topic modules (tasks, registrations, discounts, disputes, exits, partners,
rulebooks, audit, openapi) and register on ``bp``.
"""

from __future__ import annotations

import math
from typing import Any, TypeVar

from flask import Blueprint, Response, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ValidationError

from parley.errors import FieldProblem, NotFound, ServiceUnavailable, ValidationFailed
from store.crud import users as users_crud
from store.engine import session_scope
from web.api import access
from web.api.errors import ApiError, api_error_response, problems_from_pydantic
from web.auth import principal_for

bp = Blueprint("api", __name__, url_prefix="/api/v1")

M = TypeVar("M", bound=BaseModel)

PUBLIC_ENDPOINTS = frozenset({"api.openapi"})


@bp.before_request
def authenticate() -> ResponseReturnValue | None:
    """Every endpoint but the OpenAPI document needs ``Authorization: Bearer <token>``: a live
    token whose scopes allow the endpoint (``access.ENDPOINT_SCOPES``). ``g.user`` then holds only
    the roles those scopes allow, so each view's role checks never exceed the token's scopes."""
    g.user = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return api_error_response(
            401, "Authorization: send 'Bearer <token>' (parley token create USER)",
            [FieldProblem("Authorization", "missing bearer token")],
        )  # fmt: skip
    with session_scope() as db:
        check = users_crud.check_api_token(session=db, token=token.strip())
        principal = principal_for(db, check.user) if check.user is not None else None
    if principal is None:
        return api_error_response(
            401, f"Authorization: {check.refused}", [FieldProblem("Authorization", check.refused)]
        )
    delegated = [role for delegator in principal.acting_for for role in delegator.roles]
    problem = access.scope_problem(request.endpoint or "", check.scopes, principal.roles, delegated)
    if problem is not None:
        return api_error_response(403, str(problem), [problem])
    g.user = access.scoped(principal, check.scopes)
    return None


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> Response:
    return api_error_response(exc.status, exc.message, exc.problems)


@bp.errorhandler(ValidationFailed)
def _validation_failed(exc: ValidationFailed) -> Response:
    return api_error_response(422, str(exc), exc.problems)


@bp.errorhandler(NotFound)
def _not_found(exc: NotFound) -> Response:
    return api_error_response(404, str(exc))


@bp.errorhandler(ServiceUnavailable)
def _unavailable(exc: ServiceUnavailable) -> Response:
    return api_error_response(503, "The approval service is not available, try again. Nothing was recorded.")


def json_body(model: type[M]) -> M:
    """The request's JSON body validated as ``model``; 415/400/422 naming what is wrong."""
    if not request.is_json:
        raise ApiError.field(415, "Content-Type", "must be application/json")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError.field(400, "body", "must be a JSON object")
    where = _non_finite(data)
    if where is not None:  # Python's json reads NaN and Infinity, which are not JSON
        raise ApiError.field(400, where, "must be a finite number (NaN and Infinity are not JSON)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_pydantic(exc)
        raise ApiError(422, "; ".join(str(p) for p in problems), problems) from None


def _non_finite(value: Any, path: str = "") -> str | None:
    """The path of the first NaN or infinite number in a parsed body, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "body"
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _non_finite(item, f"{path}.{key}" if path else str(key))
        if found is not None:
            return found
    return None


def query_args(model: type[M]) -> M:
    """The query string validated as ``model`` (each parameter at most once)."""
    values: dict[str, Any] = {}
    for key in request.args:
        given = request.args.getlist(key)
        if len(given) > 1:
            raise ApiError.field(400, key, "give this parameter once")
        values[key] = given[0]
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = problems_from_pydantic(exc)
        raise ApiError(400, "; ".join(str(p) for p in problems), problems) from None


def reply(model: BaseModel, status: int = 200) -> Response:
    response = jsonify(model.model_dump(mode="json"))
    response.status_code = status
    return response


from web.api import (  # noqa: E402,F401  (registers the views)
    audit,
    discounts,
    disputes,
    exits,
    notifications,
    openapi,
    partners,
    registrations,
    rulebooks,
    tasks,
    webhooks,
)
