"""Security headers on pages, and templates that run under them (no inline script or style)."""

from __future__ import annotations

import re
from pathlib import Path

from flask.testing import FlaskClient

from tests.web.conftest import World, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (d.split() for d in policy.split(";") if d.strip())
    return {words[0]: words[1:] for words in parts}


def test_pages_carry_the_security_headers(client: FlaskClient, world: World) -> None:
    for path in ("/login", "/inbox/"):
        if path == "/inbox/":
            sign_in(client, "cam")
        response = client.get(path)
        assert response.status_code == 200, path
        policy = _directives(response.headers["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
        assert policy["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_api_answers_carry_nosniff_too(client: FlaskClient, world: World) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_have_no_inline_script_or_style() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"<style\b|\sstyle\s*=", re.I)
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for name, pattern in (("inline script", inline_script), ("on* handler", handler), ("style", style)):
            if pattern.search(text):
                found.append(f"{template.relative_to(TEMPLATES)}: {name}")
    assert not found, "the content security policy would block these: " + "; ".join(found)
