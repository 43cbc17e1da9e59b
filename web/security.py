"""Security headers on every response and per-token rate limits on the JSON API.

The pages run no inline script or style (``script-src 'self'``, ``style-src 'self'``), so the
content security policy needs no ``'unsafe-inline'``; they may not be framed. The API counts
requests per bearer token (per address for requests without one) with flask-limiter; the counters
live in ``PARLEY_RATE_LIMIT_STORAGE_URI`` (in memory by default: one count per web process, so
several processes need a shared store such as ``redis://``).
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import Flask, Response, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from parley.errors import FieldProblem
from parley.settings import get_settings
from web.api.errors import api_error_response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def client_key() -> str:
    """Whom a request counts against: its bearer token (by hash, never the token) or its address."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "token:" + hashlib.sha256(token.strip().encode()).hexdigest()
    return "address:" + get_remote_address()


def _too_many(limit: RequestLimit) -> Response:
    retry_after = max(1, math.ceil(limit.window.reset_time - time.time()))
    who = "this token" if client_key().startswith("token:") else "this address"
    message = f"at most {limit.limit} for {who}; retry after {retry_after} s"
    response = api_error_response(429, f"Authorization: {message}", [FieldProblem("Authorization", message)])
    response.headers["Retry-After"] = str(retry_after)
    return response


def init_app(app: Flask) -> None:
    """Headers on every response; the API's rate limit from ``API_RATE_LIMIT`` (settings by default)."""
    from web.api import bp as api_bp

    settings = get_settings()
    app.config.setdefault("API_RATE_LIMIT", settings.api_rate_limit)
    app.config.setdefault("RATELIMIT_STORAGE_URI", settings.rate_limit_storage_uri)
    app.after_request(_secure)
    limiter = Limiter(client_key, on_breach=_too_many, key_prefix="parley")
    limiter.init_app(app)
    limiter.limit(lambda: str(app.config["API_RATE_LIMIT"]))(api_bp)
    app.register_error_handler(RateLimitExceeded, lambda error: error.response or error)
