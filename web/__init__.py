"""The Flask application: approver inbox, JSON API, sandbox and rulebook pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from parley.settings import get_settings

csrf = CSRFProtect()


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    settings = get_settings()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        # Bounds every request body (forms and JSON alike); larger bodies get a 413.
        MAX_CONTENT_LENGTH=256 * 1024,
        MAX_FORM_MEMORY_SIZE=256 * 1024,
        SESSION_COOKIE_NAME="parley_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.environment == "production",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=10),
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        WTF_CSRF_SSL_STRICT=settings.environment == "production",
        JSON_SORT_KEYS=False,
    )
    if test_config:
        app.config.update(test_config)

    from web import metrics

    metrics.init_app(app)  # first: its request timer starts before every other hook
    csrf.init_app(app)

    from web import (
        api,
        auth,
        dashboard,
        delegation,
        disputes,
        errors,
        exits,
        filters,
        health,
        inbox,
        notifications,
        partners,
        processes,
        sandbox,
        security,
    )
    from web.rulebooks import bp as rulebooks_bp

    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(inbox.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(disputes.bp)
    app.register_blueprint(delegation.bp)
    app.register_blueprint(rulebooks_bp)
    app.register_blueprint(sandbox.bp)
    app.register_blueprint(partners.bp)
    app.register_blueprint(exits.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(notifications.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)  # bearer-token authentication only: no cookie, so nothing to forge
    csrf.exempt(health.bp)
    csrf.exempt(metrics.bp)
    errors.init_app(app)
    filters.init_app(app)
    security.init_app(app)  # security headers; the API's per-token rate limit
    return app
