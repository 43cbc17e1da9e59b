"""The Flask application: approver inbox, JSON API, sandbox and rulebook pages."""

from __future__ import annotations

from typing import Any

from flask import Flask

from parley.settings import get_settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    settings = get_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production",
    )
    if test_config:
        app.config.update(test_config)

    from web import health

    app.register_blueprint(health.bp)
    return app
