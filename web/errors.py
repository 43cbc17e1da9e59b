"""Error pages for the HTML side; the API blueprint answers its own errors as JSON."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from parley.errors import FieldProblem, ServiceUnavailable
from web.api.errors import api_error_response

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    413: "Too large",
    503: "Service unavailable",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    # Keep what the exception says about itself (e.g. ``Allow`` on a 405), not its content type.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if _wants_json():
        response = api_error_response(code, error.description or error.name)
        response.headers.extend(headers)
        return response
    title = TITLES.get(code, error.name)
    return render_template("errors/error.html", title=title, message=error.description), code, headers


# What each of flask-wtf's CSRF refusals means for the person who sent the form.
CSRF_REASONS = {
    "The CSRF token is missing.": "it carried no CSRF token (missing)",
    "The CSRF session token is missing.": "your session has no CSRF token (it ended, or cookies are blocked)",
    "The CSRF token has expired.": "its CSRF token has expired (the page was open too long)",
    "The CSRF token is invalid.": "its CSRF token is invalid (it did not come from Parley)",
    "The CSRF tokens do not match.": "its CSRF token is invalid (it belongs to another session)",
    "The referrer header is missing.": "it came without a Referer header",
    "The referrer does not match the host.": "it came from another site (the Referer is not Parley)",
}


def handle_csrf_error(error: CSRFError) -> ResponseReturnValue:
    why = CSRF_REASONS.get(str(error.description), "its CSRF token was refused")
    message = f"This form was refused: {why}. Reload the page and try again."
    return render_template("errors/error.html", title="Form refused", message=message), 400


def handle_unavailable(error: Exception) -> ResponseReturnValue:
    """A database or Temporal that does not answer: a 503 that says so, never a stack trace."""
    what = "The database" if isinstance(error, SQLAlchemyError) else "The approval service"
    message = f"{what} is not available right now. Nothing was changed; try again in a moment."
    log.warning("503 for %s %s: %s", request.method, request.path, error)
    if _wants_json():
        return api_error_response(503, message)
    return render_template("errors/error.html", title=TITLES[503], message=message), 503


def refuse_nul_bytes() -> ResponseReturnValue | None:
    """Refuse a query or form value holding a NUL character, naming the field: no database text
    column can store one (PostgreSQL refuses it outright), so it must not reach a query or a
    process. JSON bodies are checked by the API's schemas."""
    for source in (request.args, request.form):
        for field, value in source.items(multi=True):
            if "\x00" in value or "\x00" in field:
                problem = FieldProblem(field.replace("\x00", "?"), "must not contain a NUL character")
                message = str(problem)
                if _wants_json():
                    return api_error_response(400, message, [problem])
                return render_template("errors/error.html", title=TITLES[400], message=message), 400
    return None


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(OperationalError, handle_unavailable)
    app.register_error_handler(ServiceUnavailable, handle_unavailable)
