"""The HTTP client's errors: the API's JSON error answers as Parley's own exceptions.

Every answer maps to one class, so a caller catches what it means, not a status code:

ParleyError (parley.errors)
├── ValidationFailed       400, 413, 415, 422: ``problems`` hold the API's field names
├── NotFound               404 (``ApiNotFound``): absent, or not visible to the token's user
├── DecisionRefused        409 (``Conflict``): the process refused; ``problems`` name the fields
├── ServiceUnavailable     503, or the API cannot be reached
└── ApiError               any other error answer; ``status``, ``message``, ``problems``
    ├── AuthError          401 (no, unknown or revoked token) and 403 (not allowed for this user)
    └── RateLimited        429 after the retries an idempotent request may make
"""

from __future__ import annotations

from typing import Any

import httpx

from parley.errors import (
    DecisionRefused,
    FieldProblem,
    NotFound,
    ParleyError,
    ServiceUnavailable,
    ValidationFailed,
)


class ApiError(ParleyError):
    """An error answer of the API that no more specific class stands for."""

    def __init__(self, status: int, message: str, problems: list[FieldProblem] | None = None) -> None:
        self.status, self.message, self.problems = status, message, problems or []
        super().__init__(message)


class AuthError(ApiError):
    """401: the token is missing, unknown or revoked; 403: the token's user may not do this."""


class RateLimited(ApiError):
    """429: too many requests; ``retry_after`` is the wait the API asked for, in seconds."""

    def __init__(self, message: str, retry_after: float | None, problems: list[FieldProblem]) -> None:
        super().__init__(429, message, problems)
        self.retry_after = retry_after


class ApiNotFound(NotFound):
    """404, with the API's own words (it does not say whether the thing exists)."""

    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        self.kind, self.key, self.problems = "resource", None, problems
        ParleyError.__init__(self, message)


class Conflict(DecisionRefused):
    """409: the process refused (stale task, four-eyes, a key reused with another body ...)."""

    def __init__(self, message: str, problems: list[FieldProblem]) -> None:
        super().__init__(message)
        self.problems = problems


def error_parts(response: httpx.Response) -> tuple[str, list[FieldProblem]]:
    """The message and field problems of an error answer (``web/api/errors.py``'s shape)."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        text = response.text.strip()[:200] or response.reason_phrase
        return f"HTTP {response.status_code}: {text}", []
    problems = [
        FieldProblem(str(p.get("field", "")), str(p.get("message", "")))
        for p in error.get("problems") or []
        if isinstance(p, dict)
    ]
    return str(error.get("message") or response.reason_phrase), problems


def retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` header in seconds (a number, or an HTTP date), if it has one."""
    from email.utils import parsedate_to_datetime

    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import UTC, datetime

    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def error_for(response: httpx.Response) -> ParleyError:
    """The exception an error answer stands for."""
    status = response.status_code
    message, problems = error_parts(response)
    if status in (400, 413, 415, 422):
        return ValidationFailed(problems or [FieldProblem("body", message)])
    if status == 404:
        return ApiNotFound(message, problems)
    if status in (401, 403):
        return AuthError(status, message, problems)
    if status == 409:
        return Conflict(message, problems)
    if status == 429:
        return RateLimited(message, retry_after(response), problems)
    if status == 503:
        return ServiceUnavailable("the Parley API", message)
    return ApiError(status, message, problems)
