"""JSON errors for the API: every error names the field at fault, and bad input is a 4xx.

Shape: ``{"error": {"status": 422, "message": "...", "problems": [{"field": "...", "message": "..."}]}}``.
"""

from __future__ import annotations

from flask import Response, jsonify
from pydantic import ValidationError

from parley.errors import FieldProblem


class ApiError(Exception):
    """Raised inside API views; the blueprint turns it into the JSON error response."""

    def __init__(self, status: int, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.problems = status, message, problems or []

    @classmethod
    def field(cls, status: int, field: str, message: str) -> ApiError:
        return cls(status, f"{field}: {message}", [FieldProblem(field, message)])


def problems_from_pydantic(exc: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems = []
    for error in exc.errors():
        path = ".".join(str(part) for part in error["loc"]) or "body"
        problems.append(FieldProblem(f"{prefix}{path}", error["msg"]))
    return problems


def api_error_response(status: int, message: str, problems: list[FieldProblem] | None = None) -> Response:
    body = {
        "error": {
            "status": status,
            "message": message,
            "problems": [{"field": p.path, "message": p.message} for p in problems or []],
        }
    }
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="parley"'
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
