"""Who may call which API endpoint: every route of the JSON API, called by every role, against
the table in docs/authorization.md.

Each endpoint is called with ids that name nothing and an empty body, so what comes back is the
authorization answer alone: 401 (no identity), 403 (the role may not), or anything else (past
the door: the 404 or 422 of a bad id or body). The table in the docs is this test's output; a
change of who may do what fails here until the table is regenerated and reviewed
(``PARLEY_WRITE_AUTHZ_DOC=1 pytest tests/web/test_authorization_matrix.py``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from flask import Flask

from store.crud import users as users_crud
from store.engine import session_scope
from tests.web.conftest import PASSWORD, World, api_token

DOC = Path(__file__).resolve().parents[2] / "docs" / "authorization.md"
BEGIN, END = "<!-- matrix:begin -->", "<!-- matrix:end -->"
# The people of the test world, one per kind of caller.
CALLERS = {
    "anonymous": None,
    "partner": "pat_partner",
    "approver (CAM)": "cam",
    "finance": "finance",
    "direct sales": "direct",
    "partner ops": "ops",
    "admin": "root",
}
SYMBOL = {401: "sign in", 403: "—"}
NOTHING = {"integer": "2147483647"}  # any other converter takes a string


def _endpoints(app: Flask) -> list[tuple[str, str, str]]:
    """(method, documented path, path called) for every API route."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule.endswith("openapi.json"):
            continue
        called = rule.rule
        shown = rule.rule.removeprefix("/api/v1")
        for name, converter in rule._converters.items():  # werkzeug keeps a rule's converters here
            kind = type(converter).__name__.removesuffix("Converter").lower()
            called = re.sub(rf"<[^>]*\b{name}>", NOTHING.get(kind, "no-such-id"), called)
            shown = re.sub(rf"<[^>]*\b{name}>", f"{{{name}}}", shown)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, shown, called))
    return sorted(found, key=lambda e: (e[1], e[0]))


def _answer(app: Flask, method: str, path: str, token: str | None) -> str:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    body: dict[str, object] | None = {} if method in ("POST", "PATCH", "PUT") else None
    response = app.test_client().open(path, method=method, headers=headers, json=body)
    return SYMBOL.get(response.status_code, "✓")


def _table(app: Flask, tokens: dict[str, str | None]) -> str:
    lines = [
        "| endpoint | " + " | ".join(CALLERS) + " |",
        "|---|" + "---|" * len(CALLERS),
    ]
    for method, shown, called in _endpoints(app):
        cells = [_answer(app, method, called, tokens[caller]) for caller in CALLERS]
        lines.append(f"| `{method} {shown}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


@pytest.fixture
def tokens(world: World) -> dict[str, str | None]:
    with session_scope() as db:
        for name, roles in (("direct", ["direct_sales"]), ("root", ["admin"])):
            users_crud.create_user(
                session=db,
                data={"username": name, "display_name": name.title(), "password": PASSWORD, "roles": roles},
            )
    return {caller: api_token(user) if user else None for caller, user in CALLERS.items()}


def test_every_endpoint_answers_every_caller_as_documented(app: Flask, tokens: dict[str, str | None]) -> None:
    table = _table(app, tokens)
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if os.environ.get("PARLEY_WRITE_AUTHZ_DOC"):
        DOC.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")
    documented = rest.partition(END)[0].strip()
    assert documented == table, "who may call what changed: regenerate docs/authorization.md and review it"
    # Nobody gets in without a token, and no endpoint is open to every signed-in caller by mistake.
    assert all(line.split(" | ")[1] == "sign in" for line in table.splitlines()[2:])
